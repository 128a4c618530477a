"""Training-batch throughput of the sequence loader, with 0, 1, 2, ... rendering processes,
side by side in one run.

The loader (:class:`agents.train.data.batches.SequenceLoader`) re-renders demonstrations from
their actions in a batched env and, with the goal-in-view loss on, replays each once more
on its state and instruction for the targets. ``data.loader_workers`` moves that work to a
pool of processes that render the coming groups of episodes ahead. Each row makes batches
for ``--seconds`` (after a warm-up batch) and reports labelled steps (samples) per second
and the speed-up over 0 workers; no model is trained, so this is the most a training run
could consume. The demonstrations are those of ``vln quickstart`` (the ``small`` suite's
``train`` split, made first when missing, under ``runs/demos``).

Usage: ``python benchmarks/loader_throughput.py [--workers 0,1,2] [--seconds 15]
[--lanes 32] [--chunk 16] [--no-goal]``
"""

from __future__ import annotations

import argparse
import time

from agents.train import distributed
from agents.train.bc import load_demos_for
from agents.train.config import resolve_config
from agents.train.data.batches import SequenceLoader
from vlnenv.suites.load import load_suite


def rate(loader: SequenceLoader, seconds: float) -> float:
    """Samples per second made by ``loader`` over ``seconds`` (after one warm-up batch)."""
    loader.next_batch()
    start, samples = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        samples += loader.next_batch().samples
    return samples / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="0,1,2", help="comma-separated worker counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--lanes", type=int, default=32)
    parser.add_argument("--chunk", type=int, default=16)
    parser.add_argument("--render-batch", type=int, default=128)
    parser.add_argument("--no-goal", action="store_true", help="no goal-in-view targets")
    args = parser.parse_args()
    config = resolve_config("configs/quickstart.toml", [])
    suite = load_suite(config.data.suite)
    demos = load_demos_for(config, suite, distributed.setup("cpu"))
    houses = {h: suite.houses[h] for h in sorted({e.house for e in demos.episodes})}
    print(f"{len(demos)} demonstrations ({demos.steps} steps) of {suite.name}/train; "
          f"B={args.lanes} T={args.chunk}, render batch {args.render_batch}, goal targets "
          f"{not args.no_goal}, {args.seconds:g} s a row")
    print(f"{'workers':>7}  {'samples/s':>10}  {'x 0 workers':>11}")
    base = None
    for workers in [int(w) for w in args.workers.split(",")]:
        loader = SequenceLoader(demos, houses, args.lanes, args.chunk,
                                render_batch=args.render_batch,
                                goal_targets=not args.no_goal, workers=workers)
        try:
            r = rate(loader, args.seconds)
        finally:
            loader.close()
        base = base or r
        print(f"{workers:>7}  {r:>10,.0f}  {r / base:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
