"""Two CPU processes under torchrun (gloo): PPO's ranks play their own lanes and end
with identical weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_MODEL, run_two_ranks


@pytest.mark.slow
def test_two_ranks_end_with_identical_weights(tmp_path: Path):
    out = tmp_path / "ddp"
    result = run_two_ranks(
        ["ppo", "--suite", "tiny", "--frames", "64", "--out", str(out)],
        [*TINY_MODEL, "env.lanes=4", "ppo.rollout=4", "ppo.minibatches=2", "eval.episodes=2",
         "eval.batch=2", "run.progress_bar=false", "run.tensorboard=false"], out)
    assert (result["steps"], result["samples"]) == (2, 64)  # 4 lanes x 4 steps x 2 ranks
