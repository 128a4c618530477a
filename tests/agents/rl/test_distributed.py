"""Two CPU processes under torchrun (gloo): PPO's ranks play their own lanes and end
with identical weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TINY_MODEL


@pytest.mark.slow
def test_two_ranks_end_with_identical_weights(tmp_path: Path):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "agents.train", "ppo", "--device", "cpu", "--suite", "tiny", "--frames", "64",
           "--out", str(out)]
    for item in (*TINY_MODEL, "env.lanes=4", "ppo.rollout=4", "ppo.minibatches=2",
                 "eval.episodes=2", "eval.batch=2", "run.progress_bar=false",
                 "run.tensorboard=false"):
        cmd += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    digests = result["weight_digests"]
    assert len(digests) == 2 and digests[0] == digests[1]
    assert (result["steps"], result["samples"]) == (2, 64)  # 4 lanes x 4 steps x 2 ranks
