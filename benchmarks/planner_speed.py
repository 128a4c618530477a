"""The explore planner's search on the maps a training run really plans over: the graph
search (:func:`agents.models.explore.path_lengths`) against the waves over every cell
(:func:`~agents.models.explore.path_lengths_dense`), side by side, on the same inputs.

Builds the trainer of ``--config`` (its demonstrations, big houses included for
``long_large``; ``--set init.path=...`` for a trained model, whose maps are what a run
plans over), takes ``--warmup`` steps (memory maps only grow within a batch, so the first
steps plan over small ones), records the ``(passable, sources)`` of the next ``--calls``
searches, checks that both searches give the same numbers on each, and times each over all
of them, alternately, ``--rounds`` times.

Usage: ``python benchmarks/planner_speed.py [--config long_large] [--warmup 150]
[--calls 30] [--rounds 2] [--threads 2] [--set section.field=value ...]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from bc_step_profile import build

from agents.models import explore


def record(config: str, overrides: list[str], threads: int, warmup: int,
           calls: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The inputs of ``calls`` planner searches after ``warmup`` training steps."""
    caught: list[tuple[torch.Tensor, torch.Tensor]] = []
    search = explore.path_lengths

    def keep(passable: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
        caught.append((passable.clone(), sources.clone()))
        return search(passable, sources)

    with tempfile.TemporaryDirectory() as tmp:
        trainer = build(threads, tmp, overrides, config)
        try:
            for _ in range(warmup):
                trainer.train_step()
            explore.path_lengths = keep
            while len(caught) < calls:
                trainer.train_step()
        finally:
            explore.path_lengths = search
            trainer.close()
    return caught[:calls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="long_large")
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", action="append", default=[],
                        help="config override section.field=value (repeatable)")
    args = parser.parse_args()
    inputs = record(args.config, args.set, args.threads, args.warmup, args.calls)
    depth = []  # the longest path of each search
    for passable, sources in inputs:
        dist = explore.path_lengths(passable, sources)
        if not torch.equal(dist, explore.path_lengths_dense(passable, sources)):
            raise SystemExit("the two searches disagree on a recorded input")
        reached = dist[dist < explore.FAR]
        depth.append(int(reached.max()) if len(reached) else 0)
    shapes = sorted({tuple(p.shape[1:]) for p, _ in inputs})
    maps = [p.shape[0] for p, _ in inputs]
    share = [float(p.float().mean()) for p, _ in inputs]
    print(f"planner searches of {args.config} after {args.warmup} steps, torch threads "
          f"{args.threads}: {len(inputs)} calls, maps {min(maps)}-{max(maps)} of {shapes}, "
          f"{100 * min(share):.1f}-{100 * max(share):.1f}% passable, longest path "
          f"{min(depth)}-{max(depth)}; same numbers on every call")
    searches = {"waves over every cell": explore.path_lengths_dense,
                "graph of passable cells": explore.path_lengths}
    ms: dict[str, list[float]] = {name: [] for name in searches}
    for _ in range(args.rounds):
        for name, search in searches.items():
            start = time.perf_counter()
            for passable, sources in inputs:
                search(passable, sources)
            ms[name].append(1000 * (time.perf_counter() - start) / len(inputs))
    first = statistics.median(ms["waves over every cell"])
    print(f"{'search':<26} {'ms/call (median)':>16} {'x waves':>8}")
    for name, values in ms.items():
        median = statistics.median(values)
        print(f"{name:<26} {median:>16.2f} {first / median:>8.1f}")


if __name__ == "__main__":
    main()
