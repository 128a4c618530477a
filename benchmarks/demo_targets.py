"""Goal-in-view targets of demonstrations: read off the steps recorded while they were
made (:func:`agents.train.data.targets.trace_view_targets`, what the data loader does) against
replaying their actions (:func:`agents.train.data.targets.goal_view_targets`, what it did
before demonstrations recorded their steps), side by side on the same demonstrations,
checking that both give the same arrays.

Usage: ``python benchmarks/demo_targets.py [--suite small] [--episodes 600]`` (makes the
suite's oracle demonstrations under ``runs/demos`` first when missing).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from agents.train.data.demos import ensure_demos
from agents.train.data.targets import goal_view_targets, trace_view_targets
from vlnenv.suites import load_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="small")
    parser.add_argument("--episodes", type=int, default=600)
    parser.add_argument("--demos-dir", default="runs/demos")
    args = parser.parse_args()
    suite = load_suite(args.suite)
    demos = ensure_demos(suite, "train", "oracle", args.demos_dir, log=print)
    demos = demos.subset(range(min(args.episodes, len(demos))))
    houses = [suite.houses[ep.house] for ep in demos.episodes]
    t0 = time.perf_counter()
    recorded = [trace_view_targets(trace, (h.height, h.width))
                for trace, h in zip(demos.traces, houses, strict=True)]
    t_recorded = time.perf_counter() - t0
    t0 = time.perf_counter()
    replayed = [goal_view_targets(ep, h, actions)
                for ep, h, actions in zip(demos.episodes, houses, demos.actions, strict=True)]
    t_replayed = time.perf_counter() - t0
    same = all(np.array_equal(a, b) for a, b in zip(recorded, replayed, strict=True))
    steps = demos.steps
    print(f"{len(demos)} demonstrations, {steps} steps of {args.suite}/train (oracle); "
          f"same arrays: {same}")
    print(f"recorded: {steps / t_recorded:,.0f} steps/s; replayed: {steps / t_replayed:,.0f} "
          f"steps/s; ratio {t_replayed / t_recorded:.2f}x")
    if not same:
        raise SystemExit("the recorded targets differ from the replayed ones")


if __name__ == "__main__":
    main()
