"""What ``model.memory.cue_fill`` adds to the goal memory's cue: the window maximum alone
(``near_cue``, reach 2) against the window then the flood over goal-like cells
(``fill_cue``, ``--steps`` steps), side by side in one run, per training step's maps.

Each of the ``--maps`` maps (a training step's lanes x steps: 8 x 16 = 128) holds one
square room of goal-like cells in a corner, ``--steps`` + 3 cells a side, with the cue
seen at its far corner: the window marks the cells within 2 of it, and the flood needs
every one of its steps to reach the room's last cell. Prints the median
milliseconds of each over ``--repeats`` calls after one warm-up, and the ratio.

Usage: ``python benchmarks/cue_fill.py [--sides 33 81] [--maps 128] [--steps 10]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from agents.models.cue import fill_cue, near_cue


def room_maps(maps: int, side: int, room: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(maps, side^2)`` goal maps with one ``room x room`` block of goal-like cells at
    the top left, and cue maps with the cue seen at the block's far corner."""
    goal = torch.zeros(maps, side, side)
    goal[:, :room, :room] = 1.0
    cue = torch.zeros(maps, side, side)
    cue[:, room - 1, room - 1] = 1.0
    return goal.reshape(maps, -1), cue.reshape(maps, -1)


def median_ms(fn, repeats: int) -> float:
    """Median wall milliseconds of ``fn()`` over ``repeats`` calls after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", type=int, nargs="+", default=[33, 81])
    parser.add_argument("--maps", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.maps} maps, flood of {args.steps} steps, {torch.get_num_threads()} threads")
    print("| map side | window (ms) | window + flood (ms) | ratio |")
    print("|---:|---:|---:|---:|")
    for side in args.sides:
        goal, cue = room_maps(args.maps, side, min(args.steps + 3, side))
        window = median_ms(lambda: near_cue(cue, 2), args.repeats)  # noqa: B023
        filled = median_ms(lambda: fill_cue(near_cue(cue, 2), goal, args.steps),  # noqa: B023
                           args.repeats)
        print(f"| {side} | {window:.2f} | {filled:.2f} | {filled / window:.1f}x |")


if __name__ == "__main__":
    main()
