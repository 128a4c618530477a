"""The memory maps' cost per lane as the explored house grows: fixed maps (the quickstart)
against growing ones (the quickstart with the ``far`` part), side by side in one run.

For each house side ``S`` (default 16, 32, 64, 128 cells), the start in the middle of the
house and the house seen all over but one corner cell (the worst case for the explore
memory's planner: its breadth-first search runs across the whole house to the one
frontier), each model's state is primed with that house's maps (the fixed one keeps the
``(2 R + 1)^2`` cells around the start, the growing one a grid of radius ``R' >= S / 2``
holding it all), then one ``forward_sequence`` of ``T`` steps of ``B`` lanes at random
places in the house (random views: every view cell seen) is timed, ``--repeats`` times
after one warm-up; the table gives the median per step (``ms / T``, all ``B`` lanes),
the maps' bytes per lane (``2 maps x M^2 cells x 4 bytes``) and the ratio grow / fixed.

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/memory_cost.py [--sides 16 32 64 128]
        [--lanes 4] [--chunk 16] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from agents.models import ModelConfig, MultimodalTransformer, RecurrentState
from agents.models.map_grid import GROW_BLOCK, map_radius


def house_map(side: int, radius: int) -> torch.Tensor:
    """``(M*M,)`` an explore map of radius ``radius`` holding a ``side x side`` house whose
    centre is the start: walls (1) on its border, floor (2) inside, one never-seen cell (0)
    in a corner; cells of the house beyond the map are left out, cells beyond the house
    are never seen."""
    M = 2 * radius + 1
    grid = torch.zeros(M, M)
    lo = radius - side // 2
    rows = slice(max(lo, 0), min(lo + side, M))
    grid[rows, rows] = 1.0
    inner = slice(max(lo + 1, 0), min(lo + side - 1, M))
    grid[inner, inner] = 2.0
    corner = lo + 1
    if 0 <= corner < M:
        grid[corner, corner] = 0.0
    return grid.reshape(M * M)


def primed_state(model: MultimodalTransformer, side: int, lanes: int) -> RecurrentState:
    """The state of ``lanes`` lanes that have seen the house (:func:`house_map`)."""
    R = model.config.radius
    radius = R
    if model.config.grows:  # the grid it has grown to: the house and the view (6 ahead)
        need = side // 2 + 6
        radius = R + max(0, -(-(need - R) // GROW_BLOCK)) * GROW_BLOCK
    explore = house_map(side, radius).expand(lanes, -1).clone()  # (B, M*M)
    goal = (explore > 0).float() * 0.01  # (B, M*M) seen, nothing sure
    return RecurrentState(torch.zeros(lanes, model.config.n_embd), goal, explore)


def walk(side: int, lanes: int, chunk: int, seed: int = 0) -> dict:
    """``(B, T, ...)`` observations at random places of the house (gps within ``±side/2``)."""
    rng = np.random.default_rng(seed)
    half = side // 2 - 1
    return {"image": rng.integers(1, 255, (lanes, chunk, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, (lanes, chunk)),
            "carrying": np.zeros((lanes, chunk), np.int64),
            "gps": rng.integers(-half, half + 1, (lanes, chunk, 2)),
            "instruction": ["go to the red cup"] * lanes}


def measure(model: MultimodalTransformer, side: int, lanes: int, chunk: int,
            repeats: int) -> tuple[float, int, int]:
    """``(ms per step, map bytes per lane, map radius)`` of one chunk from the primed state."""
    obs = walk(side, lanes, chunk)
    done = np.zeros((lanes, chunk), bool)
    times = []
    with torch.no_grad():
        for i in range(repeats + 1):
            state = primed_state(model, side, lanes)
            start = time.perf_counter()
            out = model.forward_sequence(obs, state, done)
            if i:  # the first is a warm-up
                times.append(time.perf_counter() - start)
    size = out.state.goal_map.shape[1]
    return 1000 * statistics.median(times) / chunk, 2 * size * 4, map_radius(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--lanes", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    models = {name: MultimodalTransformer(ModelConfig.preset("quickstart", **extra)).eval()
              for name, extra in (("fixed", {}), ("grow", {"far": {}}))}
    print(f"B={args.lanes} lanes, T={args.chunk} steps, torch threads "
          f"{torch.get_num_threads()}; ms per step of forward_sequence (all B lanes), "
          f"bytes of the two maps per lane")
    print(f"{'side':>5} | {'fixed R':>7} {'bytes':>9} {'ms/step':>8} | {'grow R':>7} "
          f"{'bytes':>9} {'ms/step':>8} | {'ms ratio':>8}")
    for side in args.sides:
        row = {name: measure(m, side, args.lanes, args.chunk, args.repeats)
               for name, m in models.items()}
        (fm, fb, fr), (gm, gb, gr) = row["fixed"], row["grow"]
        print(f"{side:>5} | {fr:>7} {fb:>9,} {fm:>8.1f} | {gr:>7} {gb:>9,} {gm:>8.1f} | "
              f"{gm / fm:>8.2f}")


if __name__ == "__main__":
    main()
