"""Two CPU processes under torchrun (gloo): DistributedDataParallel keeps the ranks'
weights identical, and the loss falls."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import run_two_ranks

from agents.train.data.demos import ensure_demos
from vlnenv.suites.load import load_suite


@pytest.mark.slow
def test_two_ranks_end_with_identical_weights_and_a_lower_loss(tmp_path: Path,
                                                                demos_dir: Path, overrides):
    suite = load_suite("tiny")
    for teacher in ("oracle", "explorer"):
        ensure_demos(suite, "train", teacher, demos_dir)
    out = tmp_path / "ddp"
    settings = overrides(out, demos_dir) + ["optim.max_steps=24", "eval.episodes=2",
                                            "eval.splits=val_unseen", "eval.select=val_unseen"]
    result = run_two_ranks(["bc"], settings, out)
    assert result["samples"] == 24 * 4 * 8 * 2  # both ranks' lanes
    with (out / "log.csv").open(newline="") as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f) if r["loss"]]
    assert losses[-1] < losses[0]
