"""Where a fresh-house reset spends its time: ``gym.make("vlnenv/GridHouse-v0")``'s
``reset()`` (a freshly generated house and a freshly sampled episode) under cProfile.

Prints the time per reset measured without the profiler (CPU time of this process, best
of three runs), then a markdown table splitting it into stages (house generation: floor
plan, furniture, small objects, the ``House`` checks; episode sampling: drawing the
instruction, its English text, the reference path; the environment's own reset), each
stage's share taken from cProfile's cumulative times, and the functions with the most
time of their own. One process, numpy on one thread.

Usage: ``python benchmarks/reset_profile.py [--size small|large] [--resets N] [--top K]``
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gymnasium as gym  # noqa: E402

import vlnenv  # noqa: E402,F401  (registers the ids)
from vlnenv.env.sources import EpisodeSource  # noqa: E402

#: Stages of a reset: (label, depth, file the function is in, function name). Depth 1
#: stages split the depth 0 stage above them; what they leave out is its "other" row.
STAGES: tuple[tuple[str, int, str, str], ...] = (
    ("house generation", 0, "world/generate.py", "generate_house"),
    ("floor plan (rooms, doors, room types)", 1, "world/floorplan.py", "lay_out_rooms"),
    ("", 1, "world/floorplan.py", "place_doors"),
    ("", 1, "world/floorplan.py", "assign_room_types"),
    ("furniture", 1, "world/furnish.py", "furnish"),
    ("small objects", 1, "world/furnish.py", "scatter"),
    ("House checks (pieces, connectivity)", 1, "world/house.py", "__init__"),
    ("episode sampling", 0, "tasks/sample.py", "sample_episode"),
    ("instruction drawn (target, start)", 1, "tasks/sample.py", "draw_instruction"),
    ("instruction text (realised English)", 1, "language/realise.py", "realise"),
    ("reference path (oracle fields, route)", 1, "tasks/sample.py", "episode_for"),
)
#: The whole reset, and the draw inside it (the environment's own work is the rest).
RESET = ("env/grid_house.py", "reset")
DRAW = ("env/sources.py", "draw_generated")


def make_env(size: str) -> gym.Env:
    """``gym.make("vlnenv/GridHouse-v0")`` with houses of ``size``, seeded."""
    env = gym.make("vlnenv/GridHouse-v0", source=EpisodeSource.generated(size))
    env.reset(seed=0)
    return env


def seconds_per_reset(env: gym.Env, resets: int) -> float:
    """CPU seconds per ``reset()`` (best of three runs of ``resets``)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(resets):
            env.reset()
        best = min(best, time.process_time() - start)
    return best / resets


def cumulative(stats: pstats.Stats, path: str, name: str) -> float:
    """cProfile's cumulative seconds of the function ``name`` in a file ending ``path``."""
    total = 0.0
    for (file, _, func), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        if func == name and Path(file).as_posix().endswith(path):
            total += cum
    return total


def stage_rows(stats: pstats.Stats, per_reset: float) -> list[tuple[str, int, float]]:
    """(label, depth, seconds per reset) of each stage, scaled so that the profiled reset
    takes ``per_reset``; sub-stages that share a label are added up."""
    whole = cumulative(stats, *RESET)
    scale = per_reset / whole
    rows: list[tuple[str, int, float]] = []
    parent = 0.0
    inside = 0.0
    for label, depth, path, name in STAGES:
        t = cumulative(stats, path, name) * scale
        if depth == 0:
            if rows and inside:
                rows.append(("other", 1, parent - inside))
            rows.append((label, 0, t))
            parent, inside = t, 0.0
        elif label:
            rows.append((label, 1, t))
            inside += t
        else:
            rows[-1] = (rows[-1][0], 1, rows[-1][2] + t)
            inside += t
    rows.append(("other", 1, parent - inside))
    draw = cumulative(stats, *DRAW) * scale
    rows.append(("the environment's own reset (run, observer, goal distances, first "
                 "observation)", 0, per_reset - draw))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=("small", "large"))
    parser.add_argument("--resets", type=int, default=300, help="resets per timing run")
    parser.add_argument("--top", type=int, default=15, help="functions listed by own time")
    args = parser.parse_args()
    env = make_env(args.size)
    per_reset = seconds_per_reset(env, args.resets)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.resets):
        env.reset()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"fresh {args.size} house per reset: {per_reset * 1e3:.3f} ms of CPU time "
          f"(best of 3 x {args.resets} resets; load average {os.getloadavg()[0]:.1f}); "
          f"vlnenv from {Path(vlnenv.__file__).parent}\n")
    print("| stage | ms per reset | share |\n|---|---:|---:|")
    for label, depth, t in stage_rows(stats, per_reset):
        name = f"**{label}**" if depth == 0 else f"&nbsp;&nbsp;{label}"
        print(f"| {name} | {t * 1e3:.3f} | {t / per_reset:.0%} |")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print(f"\nfunctions with the most time of their own (cProfile, {args.resets} resets):")
    print("\n".join(lines[start:]))
    env.close()


if __name__ == "__main__":
    main()
