"""Starting behaviour cloning from pretrained weights (``init.path``, ``init.parts``):
exactly the named parts are copied, a pretraining run folder is read through its
``encoders/``, and a source that lacks the parts (or holds other shapes) is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from helpers import TINY_MODEL

from agents.cli import main
from agents.models import MultimodalTransformer
from agents.train import distributed
from agents.train.errors import TrainError
from agents.train.initial_weights import ENCODERS
from agents.train.trainer import Trainer


def _trainer(config) -> Trainer:
    ctx = distributed.setup("cpu")
    try:
        return Trainer(config, ctx, "bc")
    finally:
        distributed.teardown(ctx)


@pytest.fixture
def pretrained(tiny_config, tmp_path: Path) -> tuple[Path, MultimodalTransformer]:
    """A pretraining run folder whose ``encoders/`` hold a model of the tiny config with
    another seed (so every weight differs from a fresh run's)."""
    source = MultimodalTransformer(tiny_config().model, seed=123)
    source.save_pretrained(tmp_path / "pretrain" / ENCODERS)
    return tmp_path / "pretrain", source


def test_init_copies_exactly_the_named_parts(tiny_config, pretrained):
    folder, source = pretrained
    fresh = _trainer(tiny_config()).model.state_dict()
    started = _trainer(tiny_config(f"init.path={folder}", "init.parts=text,vision"))
    assert started.init_note is not None and "text, vision" in started.init_note
    loaded = started.model.state_dict()
    for key, value in loaded.items():
        want = source.state_dict()[key] if key.startswith(("text.", "vision.")) else fresh[key]
        assert torch.equal(value, want), key
    assert any(k.startswith("text.") for k in loaded) and any(k.startswith("fusion.")
                                                              for k in loaded)


def test_init_with_the_part_all_continues_a_trained_policy_whole(tiny_config, pretrained):
    folder, source = pretrained
    started = _trainer(tiny_config(f"init.path={folder}", "init.parts=all"))
    assert started.init_note is not None
    assert started.init_note.startswith(f"init: every weight ({len(source.state_dict())} tensors)")
    loaded = started.model.state_dict()
    assert loaded.keys() == source.state_dict().keys()
    for key, value in loaded.items():
        assert torch.equal(value, source.state_dict()[key]), key


def test_init_refuses_parts_the_source_lacks_or_sizes_differently(tiny_config, pretrained,
                                                                  tmp_path):
    folder, _ = pretrained
    with pytest.raises(TrainError, match="init.path = .*mismatched"):
        _trainer(tiny_config(f"init.path={folder}", "model.n_embd=48", "model.n_head=2"))
    with pytest.raises(TrainError, match="no such model folder"):
        _trainer(tiny_config(f"init.path={tmp_path / 'nowhere'}"))


def test_the_bc_command_takes_init_and_its_parts(tiny_config, pretrained, tmp_path, capsys):
    folder, _ = pretrained
    settings = [*TINY_MODEL, f"data.demos_dir={tiny_config().data.demos_dir}", "data.lanes=2",
                "data.chunk=4", "optim.warmup_steps=1", "eval.every=0", "eval.episodes=1",
                "run.progress_bar=false"]
    code = main(["train", "bc", "--suite", "tiny", "--init", str(folder), "--init-parts",
                 "text", "--max-steps", "2", "--out", str(tmp_path / "run"),
                 *[arg for setting in settings for arg in ("--set", setting)]])
    assert code == 0
    err = capsys.readouterr().err
    assert "init: " in err and " of text from " in err


def test_a_source_without_the_here_read_out_starts_a_model_with_it_unchanged(tiny_config,
                                                                             tmp_path):
    """``model.memory.here``'s table is the one weight the source may lack: it starts at
    zero (so the started model acts as the source did) and the log says so."""
    memory = ("model.fusion=film", "model.goal={}", "model.gps={}",
              "model.memory.distance=false")
    source = MultimodalTransformer(tiny_config(*memory).model, seed=123)
    source.save_pretrained(tmp_path / "source")
    started = _trainer(tiny_config(*memory, f"init.path={tmp_path / 'source'}",
                                   "init.parts=all", "model.memory.here=true"))
    assert "memory.h_emb.weight started at zero" in started.init_note
    weights = started.model.state_dict()
    assert set(weights) - set(source.state_dict()) == {"memory.h_emb.weight"}
    assert not weights["memory.h_emb.weight"].any()
    for key, value in source.state_dict().items():
        assert torch.equal(weights[key], value), key
