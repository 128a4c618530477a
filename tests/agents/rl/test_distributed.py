"""Two CPU processes under torchrun (gloo): PPO's ranks play their own lanes and end
with identical weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_MODEL, run_two_ranks


@pytest.mark.slow
@pytest.mark.parametrize("reader", [(), ("model.read_parts=true", "model.read_route_parts=true",
                                         "model.gps=true")], ids=["whole", "parts"])
def test_two_ranks_end_with_identical_weights(tmp_path: Path, reader: tuple[str, ...]):
    # the part reader's updates also replay its part-ending stops, outside the DDP wrapper's
    # forward: their gradients must still be averaged with the rest
    out = tmp_path / "ddp"
    frames = 64 if not reader else 384
    result = run_two_ranks(
        ["ppo", "--suite", "tiny", "--frames", str(frames), "--out", str(out)],
        [*TINY_MODEL, *reader, "env.lanes=4", "ppo.rollout=4" if not reader else
         "ppo.rollout=24", "ppo.minibatches=2", "eval.episodes=2", "eval.batch=2",
         "run.progress_bar=false", "run.tensorboard=false"], out)
    assert result["samples"] == frames and result["steps"] == 2  # lanes x steps x 2 ranks
