"""Single-environment throughput with the default 56x56x3 RGB observation.

Prints steps/s for ``GridHouseEnv`` on the ``small`` suite's train episodes, stepped
directly and through ``gym.make`` (Gymnasium's order-enforcing and checker wrappers), and
on freshly generated houses (the default source of ``vlnenv/GridHouse-v0``, where each reset
generates a house and samples a task: ~10-20 ms), with random actions
(turn/forward/pickup/drop/toggle; no stop, so episodes run to truncation and resets are
counted in). When Minigrid happens
to be installed (it is not a dependency), BabyAI-GoToLocal with
``RGBImgPartialObsWrapper`` is timed in the same run for a side-by-side ratio; otherwise the
ratio is to the 2,300 steps/s measured on a 2-core machine like this one (shared/ANCHORS.md).

Usage: ``python benchmarks/env_step.py [--steps N]``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import vlnenv  # noqa: E402,F401  (registers the ids)
from vlnenv import VLNEnv  # noqa: E402

MINIGRID_REFERENCE = 2300.0


def steps_per_second(env: gym.Env, n: int, seed: int = 0) -> float:
    """Random-action steps per second over ``n`` steps (best of three runs)."""
    actions = np.random.default_rng(seed).integers(0, 6, size=n).tolist()
    best = 0.0
    for _ in range(3):
        env.reset(seed=seed)
        start = time.perf_counter()
        for a in actions:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()
        best = max(best, n / (time.perf_counter() - start))
    return best


def minigrid_steps_per_second(n: int) -> float | None:
    """BabyAI-GoToLocal with 56x56x3 RGB partial observations, if Minigrid is installed."""
    try:
        import minigrid  # noqa: F401
        from minigrid.wrappers import RGBImgPartialObsWrapper
    except ImportError:
        return None
    env = RGBImgPartialObsWrapper(gym.make("BabyAI-GoToLocal-v0"), tile_size=8)
    return steps_per_second(env, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30_000)
    args = parser.parse_args()
    from vlnenv.env.sources import EpisodeSource
    from vlnenv.suites import load_suite

    suite = load_suite("small")
    fixed = {"source": EpisodeSource.suite(suite, "train")}
    rows = [
        ("GridHouseEnv, small/train episodes", steps_per_second(VLNEnv(**fixed), args.steps)),
        ('gym.make("vlnenv/GridHouse-v0", source=...), small/train',
         steps_per_second(gym.make("vlnenv/GridHouse-v0", **fixed), args.steps)),
        ('gym.make("vlnenv/GridHouse-v0"), generated houses',
         steps_per_second(gym.make("vlnenv/GridHouse-v0"), args.steps)),
    ]
    minigrid = minigrid_steps_per_second(args.steps // 3)
    base, label = (minigrid, "Minigrid, measured now") if minigrid else (
        MINIGRID_REFERENCE, "Minigrid reference 2,300/s")
    if minigrid:
        rows.append(("Minigrid BabyAI-GoToLocal + RGB partial (56x56x3)", minigrid))
    print(f"| environment (56x56x3 RGB, one process) | steps/s | vs {label} |")
    print("|---|---:|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} | {rate / base:.1f}x |")


if __name__ == "__main__":
    main()
