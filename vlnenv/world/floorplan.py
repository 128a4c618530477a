"""The floor plan of a generated house: rectangular rooms, an optional hallway hub, doors
and room types (steps 1-5 of :mod:`vlnenv.world.generate`).

A house of ``n`` rooms is drawn on a grid size where ``n`` rooms fit
(:func:`grid_sizes`); :func:`lay_out_rooms` carves a hallway along the long axis in bigger
houses and splits the rest recursively into rooms with single-cell walls between;
:func:`place_doors` joins them with a random spanning tree of doors (hallway doors first)
plus loops; :func:`assign_room_types` gives the larger rooms to the usually larger types.
Every draw comes from the caller's generator, in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from vlnenv.world.house import Pos
from vlnenv.world.rooms import RoomType as R
from vlnenv.world.weighted import weighted_index, weighted_indices

if TYPE_CHECKING:
    from vlnenv.world.generate import GeneratorConfig

#: Floor width of a hub hallway.
HALLWAY_WIDTH = 2

#: Typical size of each room type (3.0 when missing); larger values get the larger rooms.
_SIZE_RANK: dict[R, float] = {
    R.LIVING_ROOM: 6.0, R.GARAGE: 5.0, R.MEETING_ROOM: 4.5, R.DINING_ROOM: 4.0,
    R.KITCHEN: 3.5, R.BEDROOM: 3.5, R.GYM: 3.0, R.OFFICE: 2.5, R.NURSERY: 2.5,
    R.HALLWAY: 2.0, R.BATHROOM: 1.5, R.LAUNDRY_ROOM: 1.2, R.PANTRY: 1.0,
}


def room_capacity(length: int, m: int) -> int:
    """How many rooms of extent >= ``m`` fit side by side, walls between, in ``length``."""
    return (length + 1) // (m + 1)



class Rect(NamedTuple):
    """Floor extent of a room: top-left cell and size (its walls lie just outside)."""

    top: int
    left: int
    height: int
    width: int

    def contains(self, cell: Pos) -> bool:
        return (self.top <= cell[0] < self.top + self.height
                and self.left <= cell[1] < self.left + self.width)


@lru_cache(maxsize=256)
def grid_sizes(height: tuple[int, int], width: tuple[int, int], m: int,
                n: int) -> tuple[tuple[int, int], ...]:
    """All (height, width) in range whose interior holds ``n`` rooms."""
    return tuple((h, w) for h in range(height[0], height[1] + 1)
                 for w in range(width[0], width[1] + 1)
                 if room_capacity(h - 2, m) * room_capacity(w - 2, m) >= n)


def _cut(rect: Rect, axis: int, first: int, gap: int = 1) -> tuple[Rect, Rect]:
    """Split ``rect`` across ``axis`` (0: rows, 1: columns) after ``first`` cells and a
    ``gap`` of wall."""
    t, l, h, w = rect
    if axis == 0:
        return Rect(t, l, first, w), Rect(t + first + gap, l, h - first - gap, w)
    return Rect(t, l, h, first), Rect(t, l + first + gap, h, w - first - gap)


def _pick(rng: np.random.Generator, weights: Sequence[float]) -> int:
    return weighted_index(rng, weights)


def _stretch(a: int, b: int) -> float:
    """Penalty for a room of ``a`` x ``b`` cells longer than twice its width."""
    return max(0.0, max(a, b) / min(a, b) - 2.0)


@lru_cache(maxsize=4096)
def _cuts(height: int, width: int, n: int,
          m: int) -> tuple[tuple[tuple[int, int, int], ...], tuple[float, ...]]:
    """The cuts :func:`_split` chooses from for ``n`` rooms in a ``height`` x ``width``
    rect, as ``(axis, first, rooms before the cut)``, and their weights, which favour the
    long axis and equal area per room (they depend on the rect's size only, so are
    computed once per size)."""
    options, weights = [], []
    for axis in (0, 1):
        length, across = (height, width)[axis], (width, height)[axis]
        cap_across = room_capacity(across, m)
        for first in range(m, length - m):
            second = length - first - 1
            lo = max(1, n - room_capacity(second, m) * cap_across)
            hi = min(n - 1, room_capacity(first, m) * cap_across)
            if lo > hi:
                continue
            k = min(max(round(n * first / (length - 1)), lo), hi)
            balance = abs(math.log((first / k) / (second / (n - k))))
            stretch = sum(_stretch(side, across) for side, rooms in ((first, k), (second, n - k))
                          if rooms == 1)
            options.append((axis, first, k))
            weights.append((length / across) ** 2 * math.exp(-2.0 * balance - stretch))
    return tuple(options), tuple(weights)


def _split(rng: np.random.Generator, rect: Rect, n: int, m: int, out: list[Rect]) -> None:
    """Append to ``out`` ``n`` rooms filling ``rect`` (``n`` must fit), by recursive cuts
    that prefer the long axis and equal area per room."""
    if n == 1:
        out.append(rect)
        return
    options, weights = _cuts(rect.height, rect.width, n, m)
    axis, first, k = options[_pick(rng, weights)]
    a, b = _cut(rect, axis, first)
    _split(rng, a, k, m, out)
    _split(rng, b, n - k, m, out)


def _carve_hallway(rng: np.random.Generator, rect: Rect, rest: int,
                   m: int) -> tuple[Rect, list[tuple[Rect, int]]] | None:
    """A hallway along the long axis of ``rect`` and the two sides with their room counts
    (``rest`` in all), or ``None`` when that does not fit."""
    axis = 0 if rect.height <= rect.width else 1
    short, long_ = (rect.height, rect.width)[axis], (rect.width, rect.height)[axis]
    sides = short - HALLWAY_WIDTH - 2
    options, weights = [], []
    cap_long = room_capacity(long_, m)
    for s1 in range(m, sides - m + 1):
        lo = max(1, rest - room_capacity(sides - s1, m) * cap_long)
        hi = min(rest - 1, room_capacity(s1, m) * cap_long)
        if lo <= hi:
            options.append((s1, min(max(round(rest * s1 / sides), lo), hi)))
            weights.append(math.exp(-abs(2 * s1 - sides) / 4))
    if not options:
        return None
    s1, k = options[_pick(rng, weights)]
    side1, remainder = _cut(rect, axis, s1)
    hall, side2 = _cut(remainder, axis, HALLWAY_WIDTH)
    return hall, [(side1, k), (side2, rest - k)]


def lay_out_rooms(rng: np.random.Generator, config: GeneratorConfig, h: int, w: int,
            n: int) -> tuple[list[Rect], int | None]:
    """``n`` room rects filling an ``h`` x ``w`` grid's interior, sorted by top-left, and
    the index of the hallway hub among them (``None`` without one)."""
    interior, m = Rect(1, 1, h - 2, w - 2), config.min_room_size
    rects: list[Rect] = []
    hall = None
    if config.hallway_min_rooms is not None and n >= config.hallway_min_rooms:
        carved = _carve_hallway(rng, interior, n - 1, m)
        if carved is not None:
            hall, sides = carved
            rects.append(hall)
            for side, k in sides:
                _split(rng, side, k, m, rects)
    if hall is None:
        _split(rng, interior, n, m, rects)
    rects.sort()
    return rects, None if hall is None else rects.index(hall)


# ---------------------------------------------------------------------- doors and types
def _shared_wall(a: Rect, b: Rect) -> list[Pos]:
    """Wall cells where a door would join the floors of ``a`` and ``b`` (empty if none)."""
    for x, y in ((a, b), (b, a)):
        if x.top + x.height + 1 == y.top:
            cols = range(max(x.left, y.left), min(x.left + x.width, y.left + y.width))
            return [(y.top - 1, c) for c in cols]
        if x.left + x.width + 1 == y.left:
            rows = range(max(x.top, y.top), min(x.top + x.height, y.top + y.height))
            return [(r, y.left - 1) for r in rows]
    return []


def place_doors(rng: np.random.Generator, rects: list[Rect], hall: int | None,
           extra: float) -> list[Pos]:
    """Door cells: a random spanning tree over adjacent rooms (every room next to the
    hallway opens onto it), plus each other adjacency with probability ``extra``."""
    edges = [(i, j, wall) for i in range(len(rects)) for j in range(i + 1, len(rects))
             if (wall := _shared_wall(rects[i], rects[j]))]
    order = sorted(rng.permutation(len(edges)).tolist(), key=lambda e: hall not in edges[e][:2])
    parent = list(range(len(rects)))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    chosen, loops = [], []
    for e in order:
        a, b = root(edges[e][0]), root(edges[e][1])
        if a != b:
            parent[a] = b
            chosen.append(e)
        else:
            loops.append(e)
    chosen += [e for e in sorted(loops) if rng.random() < extra]
    return sorted(edges[e][2][int(rng.integers(len(edges[e][2])))] for e in chosen)


def assign_room_types(rng: np.random.Generator, config: GeneratorConfig, rects: list[Rect],
                hall: int | None) -> list[R]:
    """Type of each rect: required types first, the rest from the optional pool; types
    that are usually larger get the larger rooms."""
    slots = [i for i in range(len(rects)) if i != hall]
    types = list(config.required_rooms[: len(slots)])
    if len(slots) > len(types):
        pool = [t for t, _ in config.optional_rooms]
        weights = [wt for _, wt in config.optional_rooms]
        types += [pool[i] for i in weighted_indices(rng, weights, len(slots) - len(types))]
    keys = np.array([_SIZE_RANK.get(t, 3.0) for t in types]) + rng.normal(0.0, 0.75, len(types))
    by_size = sorted(slots, key=lambda i: -rects[i].height * rects[i].width)
    result = [R.HALLWAY] * len(rects)
    for slot, t in zip(by_size, np.argsort(-keys, kind="stable").tolist(), strict=True):
        result[slot] = types[t]
    return result


