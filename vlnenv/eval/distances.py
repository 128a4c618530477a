"""Distances between cells for the navigation metrics: :func:`geodesic` (the shortest walk
in a house, in cells) and :func:`manhattan` (ignores walls). Each gives a
``dist(a, b) -> float`` that every metric of :mod:`vlnenv.eval.metrics` takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vlnenv.errors import MetricError
from vlnenv.expert.oracle import UNREACHABLE, geodesic_cells
from vlnenv.world.house import Cell, House, traversable

Path = Sequence[Any]
Distance = Callable[[Any, Any], float]


def manhattan(a: Sequence[float], b: Sequence[float]) -> float:
    """Manhattan (L1) distance ``sum_k |a_k - b_k|``; ignores walls.

    On an obstacle-free grid graph with unit edges (networkx ``grid_graph``, used by the
    r4r doctests) it equals the shortest-path distance.
    """
    return float(sum(abs(x - y) for x, y in zip(a, b, strict=True)))


def geodesic(house: House, structure: np.ndarray | None = None) -> Distance:
    """Geodesic cell distance in a house: the number of 4-connected unit steps of the
    shortest walk over traversable cells (floor and doors, open or closed; a closed door
    costs one step like any cell, opening it is free).

    Distances from each source cell are computed once (by
    :func:`vlnenv.expert.oracle.geodesic_cells`, a breadth-first search) and
    cached, so a metric comparing many cells to one goal costs one search.

    Args:
        house: the house.
        structure: an ``(H, W)`` :class:`Cell` layer to use instead of
            ``house.structure`` (e.g. an episode's structure); copied.

    Returns:
        ``dist(a, b) -> float``: ``inf`` when ``b`` cannot be reached from ``a``.
        It raises :class:`MetricError` when ``a`` or ``b`` lies outside the grid or on a
        wall or furniture cell, where no walk starts or ends.
    """
    layer = np.array(house.structure if structure is None else structure, copy=True)
    if layer.shape != house.shape:
        raise MetricError(f"structure has shape {layer.shape}, expected the house's "
                          f"{house.shape}")
    mask = traversable(layer)
    fields: dict[tuple[int, int], np.ndarray] = {}

    def check(cell: Any) -> tuple[int, int]:
        r, c = int(cell[0]), int(cell[1])
        if not (0 <= r < mask.shape[0] and 0 <= c < mask.shape[1]):
            raise MetricError(f"cell {(r, c)} lies outside the {mask.shape[0]}x"
                              f"{mask.shape[1]} grid of {house.name!r}")
        if not mask[r, c]:
            kind = Cell(int(layer[r, c])).name.lower()
            raise MetricError(f"cell {(r, c)} of {house.name!r} is {kind}; geodesic "
                              "distance is defined between floor and door cells")
        return r, c

    def dist(a: Any, b: Any) -> float:
        source, target = check(a), check(b)
        field = fields.get(source)
        if field is None:
            field = fields[source] = geodesic_cells(house, [source], layer)
        d = int(field[target])
        return math.inf if d >= UNREACHABLE else float(d)

    return dist
