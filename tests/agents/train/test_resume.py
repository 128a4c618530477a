"""A run killed with SIGKILL after a checkpoint and resumed ends with the same weights,
bit for bit, as a run never interrupted (CPU, deterministic algorithms, one thread)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from agents.train.checkpoint import load_checkpoint
from agents.train.data.demos import ensure_demos
from vlnenv.suites.load import load_suite

#: Runs ``train_bc`` on the overrides given as arguments.
SCRIPT = """
import sys
import torch
torch.set_num_threads(1)
from agents.train.bc import train_bc
from agents.train.config import resolve_config
train_bc(resolve_config(None, sys.argv[1:]))
"""
STEPS = 60


def command(base: list[str], *extra: str) -> list[str]:
    overrides = base + [
        f"optim.max_steps={STEPS}", "run.checkpoint_every=4", "run.deterministic=true",
        "run.threads=1", "eval.every=20", "eval.episodes=2", "eval.splits=val_unseen",
        "eval.select=val_unseen", "model.dropout=0.1", *extra]
    return [sys.executable, "-c", SCRIPT, *overrides]


def run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path: Path, demos_dir: Path,
                                                         overrides):
    suite = load_suite("tiny")
    for teacher in ("oracle", "explorer"):  # made here, not in the timed subprocesses
        ensure_demos(suite, "train", teacher, demos_dir)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    run(command(overrides(whole, demos_dir)))

    proc = subprocess.Popen(command(overrides(broken, demos_dir)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not (broken / "last.pt").exists():
        assert proc.poll() is None, "the run ended before writing a checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = load_checkpoint(broken / "last.pt")["step"]
    assert 0 < killed_at < STEPS and not (broken / "result.json").exists()

    run(command(overrides(broken, demos_dir), "run.resume=true"))
    a = torch.load(whole / "last" / "model.pt", weights_only=True)
    b = torch.load(broken / "last" / "model.pt", weights_only=True)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), f"weights differ (killed at {killed_at})"
    ca, cb = load_checkpoint(whole / "last.pt"), load_checkpoint(broken / "last.pt")
    assert ca["step"] == cb["step"] == STEPS and ca["best"] == cb["best"]
    steps = [int(r.split(",")[0]) for r in (broken / "log.csv").read_text().splitlines()[1:]]
    assert steps == sorted(steps)  # rows after the checkpoint were dropped on resume
