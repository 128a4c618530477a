"""A DAgger run killed with SIGKILL and resumed ends with the same weights, bit for bit,
as a run never interrupted (CPU, deterministic algorithms, one thread), wherever it was
killed: at an iteration's last step before or after its evaluation, after the next
iteration's roll-outs were saved, and mid-training; a resume with nothing to resume, or
of a behaviour-cloning run, says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from agents.train.checkpoint import load_checkpoint
from agents.train.config import resolve_config
from agents.train.dagger import train_dagger
from agents.train.errors import TrainError

#: Runs ``train_dagger`` on the overrides ``argv[2:]``, killing itself with SIGKILL at the
#: point ``argv[1]`` names: ``save:STEP:NTH`` (right after the NTH checkpoint written at
#: STEP), ``rollouts:I`` (right after ``dagger/iter<I>.npz`` is written) or ``none``.
SCRIPT = """
import os, signal, sys
import torch
torch.set_num_threads(1)
from agents.train import dagger
from agents.train.config import resolve_config
from agents.train.trainer import Trainer

point = sys.argv[1].split(":")
if point[0] == "save":
    step, nth, seen = int(point[1]), int(point[2]), []
    save = Trainer.save
    def save_then_die(self, best=False):
        save(self, best)
        seen.extend([1] if self.step == step else [])
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    Trainer.save = save_then_die
elif point[0] == "rollouts":
    save_demos = dagger.save_demos
    def save_demos_then_die(demos, path):
        save_demos(demos, path)
        if path.name == f"iter{point[1]}.npz":
            os.kill(os.getpid(), signal.SIGKILL)
    dagger.save_demos = save_demos_then_die
dagger.train_dagger(resolve_config(None, sys.argv[2:]))
"""
PER_ITERATION = 8
ITERATIONS = 2


def dagger_overrides(out: Path, init: str, demos_dir: Path, overrides) -> list[str]:
    return overrides(out, demos_dir) + [
        f"dagger.init={init}", f"dagger.iterations={ITERATIONS}", "dagger.rollouts=4",
        "dagger.rollout_batch=4", f"dagger.steps_per_iteration={PER_ITERATION}",
        "run.checkpoint_every=4", "run.deterministic=true", "run.threads=1",
        "eval.splits=val_unseen", "eval.select=val_unseen", "eval.episodes=2",
        "eval.batch=2", "model.dropout=0.1"]


def run(point: str, args: list[str], killed: bool = False) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, point, *args], capture_output=True,
                          text=True, timeout=300)
    if killed:
        assert done.returncode == -9, f"not killed ({done.returncode}): {done.stderr[-3000:]}"
    else:
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_dagger_resume_ends_with_the_weights_of_an_uninterrupted_run(
        tmp_path: Path, bc_run, demos_dir: Path, overrides):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    run("none", dagger_overrides(whole, bc_run.last_checkpoint, demos_dir, overrides))

    # killed and resumed four times, each resume taking another path
    args = dagger_overrides(broken, bc_run.last_checkpoint, demos_dir, overrides)
    resume = args + ["run.resume=true"]
    iter1 = broken / "dagger" / "iter1.npz"

    def books() -> tuple[int, int, int, bool]:
        c = load_checkpoint(broken / "last.pt")
        return (c["step"], len(c["extra"]["iterations"]), c["extra"]["iterations_done"],
                iter1.exists())

    run("save:8:1", args, killed=True)  # iteration 0's last step, before its evaluation
    assert books() == (8, 1, 0, False)
    run("save:8:1", resume, killed=True)  # resumed: evaluated, iteration 0 closed
    assert books() == (8, 1, 1, False)
    run("rollouts:1", resume, killed=True)  # resumed: iteration 1 rolled out and saved
    assert books() == (8, 1, 1, True)
    run("save:12:1", resume, killed=True)  # resumed: iter1.npz read back, mid iteration 1
    assert books() == (12, 2, 1, True)
    assert not (broken / "result.json").exists()
    run("none", resume)  # resumed mid iteration 1: demos + iter0 + iter1 rebuilt

    a = torch.load(whole / "last" / "model.pt", weights_only=True)
    b = torch.load(broken / "last" / "model.pt", weights_only=True)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "weights differ"
    ca, cb = load_checkpoint(whole / "last.pt"), load_checkpoint(broken / "last.pt")
    assert ca["step"] == cb["step"] == PER_ITERATION * ITERATIONS and ca["best"] == cb["best"]
    assert ca["extra"] == cb["extra"]  # the per-iteration stats survive the resumes
    assert len(ca["extra"]["iterations"]) == ca["extra"]["iterations_done"] == ITERATIONS
    evals = [line for line in (broken / "evals.jsonl").read_text().splitlines() if line]
    assert len(evals) == ITERATIONS  # one evaluation per iteration, none repeated


def test_resume_without_a_checkpoint_says_so(tiny_config):
    with pytest.raises(TrainError, match="no checkpoint"):
        train_dagger(tiny_config("run.resume=true", "dagger.init=nowhere.pt"))


def test_resume_of_a_bc_run_points_to_from(bc_run, demos_dir: Path, overrides):
    config = resolve_config(None, overrides(Path(bc_run.out), demos_dir) + ["run.resume=true"])
    with pytest.raises(TrainError, match="--from"):
        train_dagger(config)
