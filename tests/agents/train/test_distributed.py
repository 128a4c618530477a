"""Two CPU processes under torchrun (gloo): DistributedDataParallel keeps the ranks'
weights identical, and the loss falls."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.train.demos import ensure_demos
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
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "agents.train", "bc", "--device", "cpu"]
    for item in settings:
        cmd += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    digests = result["weight_digests"]
    assert len(digests) == 2 and digests[0] == digests[1]
    assert result["samples"] == 24 * 4 * 8 * 2  # both ranks' lanes
    with (out / "log.csv").open(newline="") as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f) if r["loss"]]
    assert losses[-1] < losses[0]
