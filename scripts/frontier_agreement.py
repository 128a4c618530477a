"""How often the explore memory's way to the nearest frontier agrees with the explorer
teacher while it searches (``agents.models.explore``), with exact cell labels.

Each ``val_unseen`` demonstration of the three target families (the default teachers'
cache, ``runs/demos``) is re-rendered; every view's cells are read back exactly
(:class:`agents.models.cell_labels.TileReader`, ``p_open`` 0 or 1), written into the explore
map step by step and planned over (:func:`frontier_distances`, :func:`frontier_read`).
Until the target first comes into view (the teacher is still searching), a ``forward``
agrees when the way reads "ahead", a left (right) turn when it reads "left" ("right")
or "behind".

    python scripts/frontier_agreement.py --episodes 150
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import torch

from agents.models.cell_labels import CELL_CLASSES, TileReader
from agents.models.explore import frontier_distances, frontier_read, open_scores
from agents.models.memory import goal_maps, map_index, seen_cells
from agents.train.config import DataConfig
from agents.train.data.replay import Replayer
from agents.train.data.targets import trace_view_targets
from agents.train.validation import held_out_demos
from vlnenv.actions import Action
from vlnenv.suites.load import load_suite

FAMILIES = ("go_to_room", "go_to_object", "fetch")
#: Action -> the way bits that agree with it (bit 0 ahead, 1 right, 2 behind, 3 left).
AGREES = {int(Action.FORWARD): 0b0001, int(Action.TURN_RIGHT): 0b0110,
          int(Action.TURN_LEFT): 0b1100}


def agreement(episodes: int, suite_name: str = "small", demos_dir: str = "runs/demos",
              radius: int = 16, tile: int = 8) -> Counter:
    """Counts ``(action name, agrees)`` over the searching steps of the first
    ``episodes`` target-family ``val_unseen`` demonstrations of suite ``suite_name``."""
    suite = load_suite(suite_name)
    demos = held_out_demos(suite, "val_unseen", DataConfig().teacher, demos_dir)
    chosen = [i for i in range(len(demos)) if demos.episodes[i].family in FAMILIES][:episodes]
    reader = TileReader(tile)
    counts: Counter = Counter()
    rendered = Replayer(suite.houses, 64).render(
        [(demos.episodes[i], demos.actions[i]) for i in chosen])
    for i, r in zip(chosen, rendered, strict=True):
        ep = demos.episodes[i]
        image = torch.from_numpy(r.image)  # (T, S, S, 3)
        labels = reader(image)  # (T, P, 3)
        logits = torch.full((*labels.shape[:2], sum(CELL_CLASSES)), -30.0)
        logits.scatter_(2, labels[..., :1], 30.0)  # the exact base, as sure logits
        gps = torch.from_numpy(r.gps)[None]  # (1, T, 2)
        heading = torch.from_numpy(r.direction)[None]  # (1, T)
        done = torch.zeros(1, len(heading[0]), dtype=torch.bool)
        done[0, 0] = True
        index = map_index(seen_cells(image[None], tile), gps, heading, radius)  # (1, T, P)
        maps = goal_maps(torch.zeros(1, (2 * radius + 1) ** 2), 1.0 + open_scores(logits[None]),
                         index, done)[0]  # (T, M*M)
        way, _ = frontier_read(maps, frontier_distances(maps, radius), gps[0], heading[0],
                               radius)  # (T,)
        house = suite.houses[ep.house]
        target = trace_view_targets(demos.traces[i], (house.height, house.width)).any(1)
        searching = int(np.argmax(target)) if target.any() else len(target)
        for t, action in enumerate(np.asarray(demos.labels[i])[:searching]):
            if int(action) in AGREES:
                counts[(Action(int(action)).name.lower(),
                        bool(int(way[t]) & AGREES[int(action)]))] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=150)
    parser.add_argument("--suite", default="small")
    parser.add_argument("--demos-dir", default="runs/demos")
    args = parser.parse_args()
    counts = agreement(args.episodes, args.suite, args.demos_dir)
    for name in ("forward", "turn_left", "turn_right"):
        yes, no = counts[(name, True)], counts[(name, False)]
        print(f"{name:<10} agrees {yes} / {yes + no} ({100 * yes / max(yes + no, 1):.1f}%)")


if __name__ == "__main__":
    main()
