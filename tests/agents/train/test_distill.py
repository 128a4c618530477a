"""Distillation (``distill``): the loss's known values, the teachers' mixture, a run that
trains with it, resumes exactly and refuses what it cannot use."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import torch
from helpers import TINY_MODEL

from agents.models import MultimodalTransformer
from agents.train.bc import train_bc
from agents.train.config import resolve_config
from agents.train.distill import Teachers, distill_loss
from agents.train.errors import TrainError


def tiny_model(seed: int, *overrides: str) -> MultimodalTransformer:
    config = resolve_config(None, [*TINY_MODEL, *overrides]).model
    return MultimodalTransformer(config, seed=seed)


def saved(model: MultimodalTransformer, folder: Path) -> str:
    model.save_pretrained(folder)
    return str(folder)


def test_the_loss_is_the_kl_of_a_hand_computed_pair_over_the_kept_steps_only():
    # teacher q = (1/2, 1/2); student p = softmax(0, ln 3) = (1/4, 3/4):
    # KL(q || p) = 1/2 ln(1/2 / 1/4) + 1/2 ln(1/2 / 3/4) = 1/2 ln(4/3)
    teacher = torch.log(torch.full((1, 2, 2), 0.5))  # (B, T, A)
    student = torch.tensor([[[0.0, math.log(3.0)], [5.0, -5.0]]])  # (B, T, A)
    mask = torch.tensor([[True, False]])  # the second step does not count
    assert distill_loss(student, teacher, mask, 1.0).item() == pytest.approx(0.5 * math.log(4 / 3))


def test_the_temperature_softens_the_student_and_scales_the_loss_by_its_square():
    teacher = torch.log(torch.full((1, 1, 2), 0.5))
    student = torch.tensor([[[0.0, 2 * math.log(3.0)]]])  # at τ = 2: softmax(0, ln 3)
    mask = torch.ones(1, 1, dtype=torch.bool)
    assert distill_loss(student, teacher, mask, 2.0).item() == pytest.approx(
        4 * 0.5 * math.log(4 / 3))


def test_the_loss_is_zero_where_the_student_matches_the_teacher():
    z = torch.randn(2, 3, 7, generator=torch.Generator().manual_seed(0))
    mask = torch.ones(2, 3, dtype=torch.bool)
    teacher = torch.log_softmax(z / 1.5, dim=-1)
    assert distill_loss(z, teacher, mask, 1.5).item() == pytest.approx(0.0, abs=1e-6)


def sequence_obs(model: MultimodalTransformer, b: int, t: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    image = torch.randint(0, 256, (b, t, 56, 56, 3), generator=gen, dtype=torch.uint8)
    ids = torch.from_numpy(model.instructions.encode([["go to the kitchen"] * t] * b))
    return {"image": image, "direction": torch.randint(0, 4, (b, t), generator=gen),
            "carrying": torch.zeros(b, t, dtype=torch.long), "instruction": ids,
            "gps": torch.zeros(b, t, 2)}


def test_the_teachers_read_the_mean_of_their_distributions_and_carry_their_states():
    a, b = tiny_model(0).eval(), tiny_model(1).eval()
    teachers = Teachers([a, b], temperature=2.0)
    teachers.start(2)
    obs = sequence_obs(a, 2, 3)
    done = torch.zeros(2, 3, dtype=torch.bool)
    done[:, 0] = True
    got = teachers.log_probs(obs, done)  # (B, T, A)
    with torch.no_grad():
        out_a = a.forward_sequence(obs, a.initial_state(2), done)
        out_b = b.forward_sequence(obs, b.initial_state(2), done)
    mean = (torch.softmax(out_a.logits / 2, -1) + torch.softmax(out_b.logits / 2, -1)) / 2
    torch.testing.assert_close(got, mean.log(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(teachers.states[0].hidden, out_a.state.hidden)  # moved on
    assert not any(p.requires_grad for p in a.parameters())


def test_a_run_with_teachers_logs_the_loss_saves_the_config_and_resumes_exactly(
        resumed_pair, tmp_path):
    teachers = [saved(tiny_model(3), tmp_path / "t0"), saved(tiny_model(4), tmp_path / "t1")]
    a, b = resumed_pair("distill.weight=0.5", "distill.temperature=2.0",
                        f"distill.teachers={json.dumps(teachers)}")
    assert a["step"] == b["step"] == 12
    assert a["model"].keys() == b["model"].keys()
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert a["config"]["distill"] == {"teachers": tuple(teachers), "weight": 0.5,
                                      "temperature": 2.0}
    assert len(a["ranks"][0]["teachers"]) == 2
    with open(tmp_path / "w" / "log.csv") as f:
        rows = list(csv.DictReader(f))
    losses = [float(r["loss_distill"]) for r in rows if r["loss_distill"]]
    assert losses and all(v > 0 for v in losses)


def test_a_run_without_teachers_keeps_its_log_columns(bc_run):
    with open(Path(bc_run.out) / "log.csv") as f:
        assert "loss_distill" not in next(csv.reader(f))


def test_a_weight_without_teachers_teachers_without_a_weight_and_a_zero_temperature_are_refused(
        tiny_config):
    with pytest.raises(TrainError, match="distill.teachers"):
        tiny_config("distill.weight=1.0")
    with pytest.raises(TrainError, match="distill.weight"):
        tiny_config('distill.teachers=["runs/a/best"]')
    with pytest.raises(TrainError, match="distill.temperature"):
        tiny_config("distill.temperature=0")


def test_a_teacher_that_reads_other_token_ids_or_is_missing_is_refused(tiny_config, tmp_path):
    other = saved(tiny_model(0, "model.max_text_len=40"), tmp_path / "other")
    with pytest.raises(TrainError, match="max_text_len"):
        train_bc(tiny_config("distill.weight=1.0", f'distill.teachers=["{other}"]'))
    with pytest.raises(TrainError, match="nowhere"):
        train_bc(tiny_config("distill.weight=1.0",
                             f'distill.teachers=["{tmp_path / "nowhere"}"]'))
