"""Every throughput row of the README in one run, as ratios measured side by side.

One process, numpy pinned to one thread and the process pinned to one CPU core
(``--cpu``); each row is the best of three timing windows (other processes come and go).
Actions are random in 0..5 with ``stop`` 1% of the time (see ``env_throughput.py``), and
resets are counted in. Rows:

* Minigrid: BabyAI-GoToLocal with its 56x56x3 RGB partial view, run by
  ``minigrid_throughput.py`` with the Python given by ``--minigrid-python`` (or the
  ``VLNENV_MINIGRID_PYTHON`` environment variable), pinned to the same core; skipped
  when neither is given (vlnenv never depends on Minigrid).
* ``gym.make("vlnenv/GridHouse-v0")`` and ``gym.make_vec(..., num_envs=256)``: a freshly
  generated house and a freshly sampled episode at every reset (the ids' default);
  ``prefetch=1`` adds one background process that draws them ahead (the same episodes),
  the only rows that use a second core.
* The batched environment (``copy=False``) on the ``small`` suite's train episodes
  (records replayed, houses loaded once): episodes ending, and no episode ends (step
  budgets raised, no stop).
* ``obs_mode="symbolic"`` (``(V, V, 3)`` cell ids) beside RGB at N=1,024.
* ``np.copyto`` of 64 MiB: "% of copy" is the image bytes a row produces per second over
  the bytes per second that copy moves.
* Behaviour cloning: the quickstart's training step in labelled samples/s
  (``bc_speedup.py``'s measurement of this tree, one torch thread on the same core; the
  step and its breakdown: ``bc_step_profile.py``); not steps of an environment, so no
  ratio to Minigrid or to the copy.
* What a fresh-house reset costs now, and what it may cost for the targets (10x Minigrid
  at N=1, 100x Minigrid and 150,000 steps/s at N=256), from the fresh rows beside the
  same N with no episode ends (:func:`reset_budgets`).

Usage: ``python benchmarks/run_all.py [--quick] [--seconds S] [--cpu K]
[--minigrid-python PATH] [--only TEXT ...]``
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import dataclasses  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, NamedTuple  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from env_throughput import (  # noqa: E402
    P_STOP,
    batched_rate,
    copy_bandwidth,
    episode_source,
    single_rate,
)

import vlnenv  # noqa: E402,F401  (registers the ids)
from vlnenv.env.sources import EpisodeSource  # noqa: E402
from vlnenv.vector import BatchedGridHouseEnv  # noqa: E402

HERE = Path(__file__).resolve().parent
MINIGRID_ENV = "VLNENV_MINIGRID_PYTHON"
RGB_BYTES = 56 * 56 * 3
SYMBOLIC_BYTES = 7 * 7 * 3
BC_NAME = "behaviour cloning (quickstart), labelled samples/s"


class Row(NamedTuple):
    """One line of the table: ``rate`` is ``None`` when the row was skipped (``note``
    says why)."""

    name: str
    n: int
    rate: float | None
    obs_bytes: int
    note: str = ""


def minigrid_row(python: str | None, seconds: float, cpu: int) -> Row:
    """Minigrid's steps/s from ``minigrid_throughput.py`` run by ``python``."""
    name = "Minigrid BabyAI-GoToLocal, RGB partial view (56x56x3)"
    if not python:
        return Row(name, 1, None, RGB_BYTES, f"skipped: give --minigrid-python or {MINIGRID_ENV}")
    cmd = [python, str(HERE / "minigrid_throughput.py"), "--seconds", str(seconds),
           "--cpu", str(cpu)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit status {done.returncode}: "
                           f"{done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Row(name, 1, float(result["steps_per_s"]), RGB_BYTES, f"minigrid {result['minigrid']}")


def bc_row(seconds: float) -> Row:
    """The quickstart's behaviour-cloning step in labelled samples per second
    (:func:`bc_speedup.measure` of this tree: a subprocess, one torch thread, on the core
    this process is pinned to, after 5 warm-up steps; ``runs/demos`` made first when
    missing)."""
    from bc_speedup import measure as bc_measure

    root = HERE.parent
    rate = bc_measure(root, [], 1, 5, seconds, root / "runs" / "demos")
    return Row(BC_NAME, 128, rate, 0,
               "8 lanes x 16 steps a step, 1 torch thread")


def with_prefetch(make: Callable[[], Any], rate: Callable[[Any], float], cpu: int) -> float:
    """``rate(env)`` of ``env = make()``, an env with prefetch workers, which may run on
    any core (this process stays pinned to ``cpu`` while it is timed)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    env = make()
    env.reset(seed=0)  # starts the workers, free to use any core
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    try:
        return rate(env)
    finally:
        env.close()


def measure(args: argparse.Namespace, seconds: float) -> tuple[list[Row], float]:
    """Every row, and the copy bandwidth (bytes/s)."""
    episodes, houses, _ = episode_source()
    fixed = {"source": EpisodeSource.episodes(episodes, houses)}
    endless = [dataclasses.replace(e, max_steps=10**9) for e in episodes]
    bandwidth = copy_bandwidth()

    def batched(n: int, stop: float = 0.01, obs_mode: str = "rgb", **kwargs) -> float:
        env = BatchedGridHouseEnv(n, copy=False, obs_mode=obs_mode, **(kwargs or fixed))
        return batched_rate(env, seconds, stop=stop)

    sym, rgb = SYMBOLIC_BYTES, RGB_BYTES
    plan: list[tuple[str, int, int, Callable[[], float]]] = [
        ('gym.make("vlnenv/GridHouse-v0"), fresh houses', 1, rgb,
         lambda: single_rate(gym.make("vlnenv/GridHouse-v0"), seconds)),
        ("same, prefetch=1 (one more process)", 1, rgb,
         lambda: with_prefetch(lambda: gym.make("vlnenv/GridHouse-v0",
                                                    source=EpisodeSource.generated(prefetch=1)),
                               lambda env: single_rate(env, seconds), args.cpu)),
        ('gym.make_vec("vlnenv/GridHouse-v0"), fresh houses', 256, rgb,
         lambda: batched_rate(gym.make_vec("vlnenv/GridHouse-v0", num_envs=256), seconds,
                              warmup=0.0)),
        ("same, prefetch=1 (one more process)", 256, rgb,
         lambda: with_prefetch(
             lambda: gym.make_vec("vlnenv/GridHouse-v0", num_envs=256,
                                  source=EpisodeSource.generated(prefetch=1)),
             lambda env: batched_rate(env, seconds, warmup=0.0), args.cpu)),
        ("batched, suite episodes ending", 256, rgb, lambda: batched(256)),
        ("batched, suite episodes, no ends", 256, rgb,
         lambda: batched(256, 0.0, source=EpisodeSource.episodes(endless, houses))),
        ("batched, suite episodes ending", 1024, rgb, lambda: batched(1024)),
        ("batched symbolic, suite episodes ending", 1024, sym,
         lambda: batched(1024, obs_mode="symbolic")),
        ("batched symbolic, suite episodes, no ends", 1024, sym,
         lambda: batched(1024, 0.0, "symbolic", source=EpisodeSource.episodes(endless, houses))),
        ('gym.make("vlnenv/GridHouse-v0"), suite episodes, no ends', 1, rgb,
         lambda: single_rate(gym.make("vlnenv/GridHouse-v0",
                                      source=EpisodeSource.episodes(endless, houses)), seconds)),
    ]
    rows = [minigrid_row(args.minigrid_python, 3 * seconds, args.cpu)]
    for name, n, nbytes, run in plan:
        if args.only and not any(part in name for part in args.only):
            rows.append(Row(name, n, None, nbytes, "skipped: not in --only"))
            continue
        rows.append(Row(name, n, run(), nbytes))
        print(f"  measured: {name}, N={n}", file=sys.stderr)
    if args.only and not any(part in BC_NAME for part in args.only):
        rows.append(Row(BC_NAME, 128, None, 0, "skipped: not in --only"))
    else:
        rows.append(bc_row(3 * seconds))
    return rows, bandwidth


def fresh_episode_steps(samples: int = 300) -> float:
    """Mean steps of a fresh small-house episode under the rows' random actions: ``stop``
    with probability ``P_STOP`` each step, else the step budget ``M`` ends it, so
    ``E[steps] = mean over episodes of (1 - (1 - P_STOP)^M) / P_STOP`` (budgets of
    ``samples`` episodes drawn as ``GridHouse-v0`` draws them)."""
    rng = np.random.default_rng(0)
    source = EpisodeSource.generated("small")
    budgets = np.array([source.draw(rng)[1].max_steps for _ in range(samples)], np.float64)
    return float(np.mean((1 - (1 - P_STOP) ** budgets) / P_STOP))


def reset_budgets(rows: list[Row], steps: float) -> list[str]:
    """Per-reset costs now and those the targets need, from rows measured in this run: an
    episode of ``steps`` steps takes ``steps / rate`` seconds, of which ``steps / rate0``
    are stepping (``rate0``: the same N with no episode ends), so a reset costs
    ``steps * (1 / rate - 1 / rate0)`` now and may cost ``steps * (1 / target - 1 /
    rate0)`` for a target rate."""
    rate = {(r.name, r.n): r.rate for r in rows}
    minigrid = rows[0].rate
    cases = [
        ("N=1", ('gym.make("vlnenv/GridHouse-v0"), fresh houses', 1),
         ('gym.make("vlnenv/GridHouse-v0"), suite episodes, no ends', 1),
         [("10x Minigrid", 10 * minigrid if minigrid else None)]),
        ("N=256", ('gym.make_vec("vlnenv/GridHouse-v0"), fresh houses', 256),
         ("batched, suite episodes, no ends", 256),
         [("100x Minigrid", 100 * minigrid if minigrid else None), ("150,000 steps/s", 150e3)]),
    ]
    lines = []
    for label, fresh, endless, targets in cases:
        now, rate0 = rate.get(fresh), rate.get(endless)
        if not now or not rate0:
            continue
        parts = [f"now {steps * (1 / now - 1 / rate0) * 1e3:.2f} ms"]
        for name, target in targets:
            if target is None:
                continue
            budget = steps * (1 / target - 1 / rate0)
            parts.append(f"for {name}: {budget * 1e3:.2f} ms" if budget > 0 else
                         f"for {name}: out of reach even with free resets")
            parts[-1] += f" ({target:,.0f} steps/s)"
        lines.append(f"* fresh-house reset cost, {label} (mean episode {steps:.0f} steps): "
                     + "; ".join(parts))
    return lines


def table(rows: list[Row], bandwidth: float) -> list[str]:
    """The markdown table: steps/s, x Minigrid, obs MB/s and % of copy per row."""
    minigrid = rows[0].rate
    lines = ["| row | N | steps/s | x Minigrid | obs MB/s | % of copy |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        if row.rate is None:
            lines.append(f"| {row.name} | {row.n or ''} | {row.note} | | | |")
            continue
        if not row.obs_bytes:  # not environment steps: no ratio to Minigrid or the copy
            lines.append(f"| {row.name} | {row.n} | {row.rate:,.0f} | - | - | - |")
            continue
        ratio = f"{row.rate / minigrid:,.1f}x" if minigrid else "-"
        mb = row.rate * row.obs_bytes
        lines.append(f"| {row.name} | {row.n} | {row.rate:,.0f} | {ratio} | {mb / 1e6:,.0f} | "
                     f"{mb / bandwidth:.1%} |")
    return lines


def ratios(rows: list[Row]) -> list[str]:
    """Ratios between rows measured in this run."""
    rate = {(r.name, r.n): r.rate for r in rows}
    pairs = [
        ("fresh houses / suite episodes ending, N=256",
         ('gym.make_vec("vlnenv/GridHouse-v0"), fresh houses', 256),
         ("batched, suite episodes ending", 256)),
        ("prefetch=1 / no prefetch, fresh houses, N=1",
         ("same, prefetch=1 (one more process)", 1),
         ('gym.make("vlnenv/GridHouse-v0"), fresh houses', 1)),
        ("prefetch=1 / no prefetch, fresh houses, N=256",
         ("same, prefetch=1 (one more process)", 256),
         ('gym.make_vec("vlnenv/GridHouse-v0"), fresh houses', 256)),
        ("episodes ending / no ends, N=256", ("batched, suite episodes ending", 256),
         ("batched, suite episodes, no ends", 256)),
        ("symbolic / RGB, episodes ending, N=1024",
         ("batched symbolic, suite episodes ending", 1024),
         ("batched, suite episodes ending", 1024)),
    ]
    return [f"* {label}: {rate[a] / rate[b]:.2f}" for label, a, b in pairs
            if rate.get(a) and rate.get(b)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per row")
    parser.add_argument("--quick", action="store_true", help="1 s per row")
    parser.add_argument("--cpu", type=int, default=0, help="CPU core to pin to")
    parser.add_argument("--minigrid-python", default=os.environ.get(MINIGRID_ENV),
                        help=f"Python with minigrid installed (default: ${MINIGRID_ENV})")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="measure only the rows whose name holds TEXT (repeatable; "
                             "Minigrid is always measured)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    seconds = 1.0 if args.quick else args.seconds
    rows, bandwidth = measure(args, seconds)
    print(f"random actions 0..5, stop 1%; one core (CPU {args.cpu}), numpy threads = 1; "
          f"{seconds:g} s per row, best of 3 windows; load average {os.getloadavg()[0]:.1f}")
    print(f"vlnenv from {Path(vlnenv.__file__).parent}; np.copyto 64 MiB: "
          f"{bandwidth / 1e9:.2f} GB/s\n")
    print("\n".join(table(rows, bandwidth)))
    print("\n" + "\n".join(ratios(rows) + reset_budgets(rows, fresh_episode_steps())))


if __name__ == "__main__":
    main()
