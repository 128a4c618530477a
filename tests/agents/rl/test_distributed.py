"""Two CPU processes under torchrun (gloo): PPO's ranks play their own lanes and end
with identical weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_MODEL, run_two_ranks

from .conftest import PART_READER


@pytest.mark.slow
@pytest.mark.parametrize(("reader", "rollout"), [((), 4), (PART_READER, 24)],
                         ids=["whole", "parts"])
def test_two_ranks_end_with_identical_weights(tmp_path: Path, reader: tuple[str, ...],
                                              rollout: int):
    # a part reader's update also replays its part-ending stops (long enough roll-outs to
    # hold some), outside the DDP wrapper's forward: their gradients are averaged too
    out = tmp_path / "ddp"
    frames = 2 * 4 * rollout * 2  # two updates of 4 lanes x rollout steps x 2 ranks
    result = run_two_ranks(
        ["ppo", "--suite", "tiny", "--frames", str(frames), "--out", str(out)],
        [*TINY_MODEL, *reader, "env.lanes=4", f"ppo.rollout={rollout}", "ppo.minibatches=2",
         "eval.episodes=2", "eval.batch=2", "run.progress_bar=false",
         "run.tensorboard=false"], out)
    assert (result["steps"], result["samples"]) == (2, frames)
