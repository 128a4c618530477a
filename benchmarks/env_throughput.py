"""Environment throughput in one run: the single environment, the batched environment, this
machine's memory-copy ceiling, and oracle demonstrations.

Everything runs in this one process with numpy pinned to one thread (OMP, OpenBLAS and MKL
threads = 1) and the process pinned to one CPU core (``--cpu``), so the figures are
one-core figures. Episodes come from the ``small`` suite's ``train`` split (its first 1,000
records; else from episodes sampled on generated small houses); actions are random in 0..5
(turn, forward, pickup, drop, toggle) with ``stop`` 1% of the time, so most episodes run to
their step budget and resets are counted in. Observations are the default 56x56x3 RGB images.

* steps/s: environment steps per second (all ``N`` environments together); best of
  several timing windows, since other processes on the machine come and go. The "no
  episode ends" row raises every step budget and never stops: stepping alone, no resets.
* obs MB/s: image bytes produced per second; "% of copy" relates it to the bandwidth of
  ``np.copyto`` of 64 MiB measured in the same run (bytes copied per second), the most an
  image-writing loop could hope for.
* oracle demonstrations: action sequences of the shortest-path oracle for episodes of the
  split (:func:`vlnenv.vector.oracle_demos.oracle_demos`), on a first pass (every distance field
  computed once per house, goal and door state) and on a second pass over the same
  episodes (fields cached).

Usage: ``python benchmarks/env_throughput.py [--seconds S] [--cpu K] [--quick]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import vlnenv  # noqa: E402,F401  (registers the ids)
from vlnenv.env.grid_house import GridHouseEnv  # noqa: E402
from vlnenv.env.sources import EpisodeSource  # noqa: E402
from vlnenv.tasks.episode import Episode  # noqa: E402
from vlnenv.tasks.sample import sample_episode  # noqa: E402
from vlnenv.vector import BatchedGridHouseEnv  # noqa: E402
from vlnenv.vector.oracle_demos import oracle_demos  # noqa: E402
from vlnenv.world.generate import SMALL, generate_house  # noqa: E402
from vlnenv.world.house import House  # noqa: E402

P_STOP = 0.01
POOL = 1000
OBS_BYTES = 56 * 56 * 3


def episode_source() -> tuple[list[Episode], dict[str, House], str]:
    """The small suite's train split, or episodes sampled on generated small houses."""
    try:
        from vlnenv.suites import load_suite

        suite = load_suite("small")
        episodes = suite.episodes("train")[:POOL]
        houses = {e.house: suite.houses[e.house] for e in episodes}
        return episodes, houses, f"the first {POOL:,} episodes of suite small/train"
    except (ImportError, vlnenv.errors.VLNError):
        rng = np.random.default_rng(0)
        houses = {f"gen-{s}": generate_house(SMALL, s) for s in range(100)}
        episodes = [sample_episode(h, rng, house_id=k, episode_id=f"{k}-{j}")
                    for k, h in houses.items() for j in range(10)]
        return episodes, houses, "1,000 episodes on 100 generated small houses"


def random_actions(
    rng: np.random.Generator, shape: tuple[int, ...], stop: float = P_STOP
) -> np.ndarray:
    actions = rng.integers(0, 6, shape)
    actions[rng.random(shape) < stop] = 6
    return actions


def best_rate(run: Callable[[], int], seconds: float, windows: int = 3) -> float:
    """Best of ``windows`` timing windows of ``run`` (which returns steps done)."""
    best = 0.0
    for _ in range(windows):
        start, steps = time.perf_counter(), 0
        while time.perf_counter() - start < seconds / windows:
            steps += run()
        best = max(best, steps / (time.perf_counter() - start))
    return best


def single_rate(env: gym.Env, seconds: float) -> float:
    """Steps/s of one environment with autoreset by hand."""
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    actions = random_actions(rng, (1000,)).tolist()

    def run() -> int:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        return len(actions)

    return best_rate(run, seconds)


def batched_rate(
    env: gym.vector.VectorEnv, seconds: float, warmup: float = 1.5, stop: float = P_STOP
) -> float:
    """Steps/s of a vector environment (all its environments together), after ``warmup``
    seconds of stepping (each episode record is compiled the first time it is played)."""
    n = env.num_envs
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    actions = random_actions(rng, (max(16, 4096 // n), n), stop)
    start, t = time.perf_counter(), 0
    while time.perf_counter() - start < warmup:
        env.step(actions[t % len(actions)])
        t += 1

    def run() -> int:
        for a in actions:
            env.step(a)
        return len(actions) * n

    return best_rate(run, seconds)


def copy_bandwidth() -> float:
    """Bytes per second ``np.copyto`` copies 64 MiB at, best of ten."""
    src = np.ones(64 << 20, np.uint8)
    dst = np.empty_like(src)
    best = np.inf
    for _ in range(10):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return src.nbytes / best


def demo_rates(episodes: list[Episode], houses: dict[str, House]) -> list[tuple[str, float, float]]:
    """(pass, episodes/s, expert steps/s) of a cold and a warm pass over ``episodes``."""
    rows = []
    demos = oracle_demos(episodes * 2, houses)
    for label in ("first pass (fields computed)", "second pass (fields cached)"):
        start, steps = time.perf_counter(), 0
        for _ in range(len(episodes)):
            steps += len(next(demos)[1])
        elapsed = time.perf_counter() - start
        rows.append((label, len(episodes) / elapsed, steps / elapsed))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per row")
    parser.add_argument("--cpu", type=int, default=0, help="CPU core to pin to")
    parser.add_argument("--quick", action="store_true", help="fewer rows, shorter timing")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    seconds = 1.0 if args.quick else args.seconds
    episodes, houses, label = episode_source()
    fixed = {"source": EpisodeSource.episodes(episodes, houses)}
    bandwidth = copy_bandwidth()
    print(f"episodes: {label}; random actions 0..5, stop {P_STOP:.0%}; 56x56x3 RGB; one core "
          f"(CPU {args.cpu}), numpy threads = 1; load average {os.getloadavg()[0]:.1f}")
    print(f"np.copyto 64 MiB: {bandwidth / 1e9:.2f} GB/s\n")
    rows: list[tuple[str, int, float]] = [
        ("GridHouseEnv (direct)", 1, single_rate(GridHouseEnv(**fixed), seconds)),
        ('gym.make("vlnenv/GridHouse-v0")', 1,
         single_rate(gym.make("vlnenv/GridHouse-v0", **fixed), seconds)),
    ]
    sizes = (1, 16, 256) if args.quick else (1, 16, 64, 256, 1024)
    for n in sizes:
        env = BatchedGridHouseEnv(n, copy=False, **fixed)
        rows.append(("BatchedGridHouseEnv, copy=False", n, batched_rate(env, seconds)))
    env = BatchedGridHouseEnv(256, **fixed)
    rows.append(("BatchedGridHouseEnv, copy=True", 256, batched_rate(env, seconds)))
    endless = [dataclasses.replace(e, max_steps=10**9) for e in episodes]
    env = BatchedGridHouseEnv(256, EpisodeSource.episodes(endless, houses), copy=False)
    rows.append(("BatchedGridHouseEnv, copy=False, no episode ends", 256,
                 batched_rate(env, seconds, stop=0.0)))
    if not args.quick:
        env = gym.make_vec("vlnenv/GridHouse-v0", num_envs=64)
        rows.append(("make_vec GridHouse-v0 (generated houses)", 64,
                     batched_rate(env, seconds, warmup=0.0)))
    print("| environment | N | steps/s | obs MB/s | % of copy |")
    print("|---|---:|---:|---:|---:|")
    for name, n, rate in rows:
        mb = rate * OBS_BYTES
        print(f"| {name} | {n} | {rate:,.0f} | {mb / 1e6:,.0f} | {mb / bandwidth:.1%} |")
    demo_episodes = episodes[:300] if args.quick else episodes[:2000]
    print(f"\noracle demonstrations ({len(demo_episodes)} episodes of {label}):\n")
    print("| pass | episodes/s | expert steps/s |")
    print("|---|---:|---:|")
    for name, eps, steps in demo_rates(demo_episodes, houses):
        print(f"| {name} | {eps:,.0f} | {steps:,.0f} |")


if __name__ == "__main__":
    main()
