"""Where ``run_all.py``'s N=1 fresh-house row spends its time: steps against resets.

Plays ``gym.make("vlnenv/GridHouse-v0")`` (a fresh house and episode at every reset) with
``run_all.py``'s actions (random in 0..5, ``stop`` 1% of the time, reset by hand), timing
each ``step()`` and each ``reset()`` on its own (``time.perf_counter``), best of
``--passes`` passes of ``--steps`` steps from the same seed. Prints microseconds per step
(resets excluded), milliseconds per reset, steps per episode, each one's share of the
time, and steps/s. One process pinned to one core (``--cpu``), numpy on one thread.

Usage: ``python benchmarks/fresh_split.py [--steps N] [--passes K] [--cpu K]``
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from env_throughput import random_actions  # noqa: E402

import vlnenv  # noqa: E402,F401  (registers the ids)


def split(env: gym.Env, actions: list[int]) -> tuple[float, float, int]:
    """Seconds in ``step()``, seconds in ``reset()`` and resets, over ``actions`` played
    from ``reset(seed=0)``."""
    clock = time.perf_counter
    env.reset(seed=0)
    stepping = resetting = 0.0
    resets = 0
    for action in actions:
        start = clock()
        _, _, terminated, truncated, _ = env.step(action)
        stepped = clock()
        stepping += stepped - start
        if terminated or truncated:
            env.reset()
            resetting += clock() - stepped
            resets += 1
    return stepping, resetting, resets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0, help="CPU core to pin to")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    env = gym.make("vlnenv/GridHouse-v0")
    actions = random_actions(np.random.default_rng(0), (args.steps,)).tolist()
    stepping, resetting, resets = min((split(env, actions) for _ in range(args.passes)),
                                      key=lambda t: t[0] + t[1])
    total = stepping + resetting
    print(f"vlnenv from {Path(vlnenv.__file__).parent}; {args.steps:,} steps, best of "
          f"{args.passes}; load average {os.getloadavg()[0]:.1f}")
    print(f"step {stepping / args.steps * 1e6:.2f} us ({stepping / total:.0%}); reset "
          f"{resetting / resets * 1e3:.3f} ms ({resetting / total:.0%}); "
          f"{args.steps / resets:.1f} steps per episode; {args.steps / total:,.0f} steps/s")


if __name__ == "__main__":
    main()
