"""The weights' moving average (``optim.ema``): the update by hand, what a run evaluates
and exports (averaged ``best/`` and ``last/``, trained ``raw/``), what a checkpoint file
loads as, an exact resume, and the refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from helpers import TINY_MODEL

from agents.models import MultimodalTransformer
from agents.train.averaging import (
    average_models,
    averaged_copy,
    averaged_model,
    averaged_state,
    checkpoint_weights,
    load_averaged_state,
)
from agents.train.bc import train_bc
from agents.train.checkpoint import load_checkpoint, load_model
from agents.train.config import resolve_config
from agents.train.errors import TrainError


def tiny_model(seed: int) -> MultimodalTransformer:
    config = resolve_config(None, list(TINY_MODEL)).model
    return MultimodalTransformer(config, seed=seed)


def folder_weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_model(folder).state_dict()


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_no_average_when_the_decay_is_zero():
    assert averaged_copy(tiny_model(0), 0.0) is None


def test_the_average_copies_first_then_moves_a_tenth_of_the_way_at_decay_0_9():
    model, other = tiny_model(0), tiny_model(1)
    w0 = {k: v.clone() for k, v in model.state_dict().items()}
    w1 = other.state_dict()
    average = averaged_copy(model, 0.9)
    with torch.no_grad():  # the average is a copy: changing the model leaves it be
        for p in model.parameters():
            p.add_(1.0)
    model.load_state_dict(w0)
    average.update_parameters(model)  # first update: a copy of w0
    assert same(averaged_model(average).state_dict(), w0)
    model.load_state_dict(w1)
    average.update_parameters(model)  # 0.9 * w0 + 0.1 * w1
    got = averaged_model(average).state_dict()
    for k in w0:
        assert torch.allclose(got[k], 0.9 * w0[k] + 0.1 * w1[k], atol=1e-6), k
    assert averaged_state(average)["updates"] == 2
    assert not averaged_model(average).training


def test_a_run_evaluates_and_exports_the_average_and_keeps_the_trained_weights_as_raw(
        tiny_config):
    result = train_bc(tiny_config("optim.ema=0.9", "optim.max_steps=12"))
    out = Path(result.out)
    saved = load_checkpoint(out / "last.pt")
    assert saved["ema"]["updates"] == 12
    trained, average = saved["model"], saved["ema"]["weights"]
    assert not same(trained, average)  # 12 steps at lr 3e-3 move the weights
    assert same(folder_weights(out / "raw"), trained)
    assert same(folder_weights(out / "last"), average)
    assert same(folder_weights(out / "best"), average)
    assert same(load_model(out / "last.pt").state_dict(), average)  # a file loads as evaluated
    assert checkpoint_weights(saved) is average
    assert saved["config"]["optim"]["ema"] == 0.9


def test_a_run_without_the_average_writes_no_raw_folder_and_no_ema_entry(bc_run):
    out = Path(bc_run.out)
    assert not (out / "raw").exists()
    saved = load_checkpoint(out / "last.pt")
    assert "ema" not in saved and checkpoint_weights(saved) is saved["model"]


def test_a_resumed_run_ends_with_the_averages_of_an_uninterrupted_one(resumed_pair):
    a, b = resumed_pair("optim.ema=0.8")
    assert a["step"] == b["step"] == 12 and a["ema"]["updates"] == b["ema"]["updates"] == 12
    assert same(a["model"], b["model"])
    assert same(a["ema"]["weights"], b["ema"]["weights"])


def test_missing_or_damaged_averages_are_refused(bc_run, tmp_path):
    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    saved = load_checkpoint(Path(copy) / "last.pt")
    average = averaged_copy(tiny_model(0), 0.9)
    with pytest.raises(TrainError, match="no averaged weights in the checkpoint"):
        load_averaged_state(average, saved.get("ema"), "last.pt")
    bad = averaged_state(averaged_copy(tiny_model(0), 0.9))
    name = next(iter(bad["weights"]))
    bad["weights"][name] = bad["weights"][name].clone().fill_(float("nan"))
    with pytest.raises(TrainError, match="averaged weights.*NaN or infinite"):
        load_averaged_state(average, bad, "last.pt")
    del bad["weights"][name]
    with pytest.raises(TrainError, match="the averaged weights do not load"):
        load_averaged_state(average, bad, "last.pt")


@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5])
def test_a_decay_outside_zero_to_one_is_refused(tiny_config, decay):
    with pytest.raises(TrainError, match=r"optim.ema: expected a value in \[0, 1\)"):
        tiny_config(f"optim.ema={decay}")


def test_average_models_is_the_mean_of_the_weights():
    a, b, c = tiny_model(0), tiny_model(1), tiny_model(2)
    wa, wb, wc = (m.state_dict() for m in (a, b, c))
    wa = {k: v.clone() for k, v in wa.items()}
    soup = average_models([a, b, c], ["a", "b", "c"])
    got = soup.state_dict()
    for k in wa:
        assert torch.allclose(got[k], (wa[k] + wb[k] + wc[k]) / 3, atol=1e-6), k


def test_average_models_refuses_one_model_and_models_of_another_config():
    with pytest.raises(TrainError, match="two or more models; got 1"):
        average_models([tiny_model(0)], ["a"])
    wider = MultimodalTransformer(resolve_config(None, [*TINY_MODEL, "model.n_embd=48"]).model,
                                  seed=0)
    with pytest.raises(TrainError, match="b: its model config differs from a's"):
        average_models([tiny_model(0), wider], ["a", "b"])
