"""Farama Minigrid's single-environment throughput, for :mod:`run_all` to set beside ours.

Run with the Python of a virtual environment where Minigrid is installed (vlnenv never
depends on it, and this file imports only gymnasium and minigrid): BabyAI-GoToLocal with
``RGBImgPartialObsWrapper`` (56x56x3 RGB partial view, tile 8), random actions 0..5 with
``done`` 1% of the time, reset by hand; the best of ``--windows`` timing windows. Prints
as its last line one JSON object ``{"steps_per_s": ..., "minigrid": version}`` (BabyAI
prints its rejected samples before it).

Usage: ``/path/to/venv/bin/python benchmarks/minigrid_throughput.py [--seconds S] [--cpu K]``
"""

from __future__ import annotations

import argparse
import json
import os
import time

import gymnasium as gym
import minigrid
import numpy as np
from minigrid.wrappers import RGBImgPartialObsWrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing in all")
    parser.add_argument("--windows", type=int, default=3, help="timing windows")
    parser.add_argument("--cpu", type=int, default=None, help="CPU core to pin to")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    env = RGBImgPartialObsWrapper(gym.make("BabyAI-GoToLocal-v0"), tile_size=8)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 6, 1000)
    actions[rng.random(1000) < 0.01] = 6
    actions = actions.tolist()
    env.reset(seed=0)
    best = 0.0
    for _ in range(args.windows):
        start, steps = time.perf_counter(), 0
        while time.perf_counter() - start < args.seconds / args.windows:
            for a in actions:
                _, _, terminated, truncated, _ = env.step(a)
                if terminated or truncated:
                    env.reset()
            steps += len(actions)
        best = max(best, steps / (time.perf_counter() - start))
    print(json.dumps({"steps_per_s": best, "minigrid": minigrid.__version__}))


if __name__ == "__main__":
    main()
