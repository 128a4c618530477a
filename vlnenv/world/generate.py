"""Seeded procedural houses.

:func:`generate_house` turns a :class:`GeneratorConfig` and a seed into a valid
:class:`~vlnenv.world.house.House`:

1. draw the room count, then a grid size in which that many rooms fit;
2. in bigger houses, carve a hallway along the long axis to serve as a hub;
3. split the rest recursively into rectangular rooms with single-cell walls between;
4. put doors on shared walls: a random spanning tree (hallway doors first), then loops;
5. give room types from the mix, larger rooms to the types that are usually larger;
6. furnish each room from its priors (signature furniture always), against the walls,
   never beside a door and never cutting the room's floor apart;
7. scatter small objects from the room's priors on floor and on holding furniture.

All randomness comes from ``np.random.default_rng(seed)`` and every loop runs in a fixed
order, so a seed names the same house on every machine and in every process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from vlnenv.errors import GeneratorError
from vlnenv.world.colors import Color
from vlnenv.world.furniture import HOLDERS, Furniture
from vlnenv.world.house import DIRECTIONS, Cell, House, Item, Pos, Room
from vlnenv.world.priors import ROOM_PRIORS, RoomPrior
from vlnenv.world.rooms import RoomType as R

#: Whole-house attempts before giving up (an attempt fails when a signature won't fit).
MAX_ATTEMPTS = 20
#: Floor width of a hub hallway.
HALLWAY_WIDTH = 2
#: Placements tried per optional piece of furniture (signature pieces try them all).
_OPTIONAL_TRIES = 6
#: Optional pieces that may fail to fit in one room before furnishing stops.
_OPTIONAL_FAILURES = 4
#: How much likelier an object lies on holding furniture than on a floor cell.
_ON_FURNITURE_WEIGHT = 3.0

#: Furniture kinds that take two cells (one cell when two don't fit).
_TWO_CELL: frozenset[Furniture] = frozenset({
    Furniture.BED, Furniture.SOFA, Furniture.BATHTUB, Furniture.TABLE, Furniture.COUNTER,
    Furniture.DESK, Furniture.WORKBENCH, Furniture.TREADMILL,
})

#: Typical size of each room type (3.0 when missing); larger values get the larger rooms.
_SIZE_RANK: dict[R, float] = {
    R.LIVING_ROOM: 6.0, R.GARAGE: 5.0, R.MEETING_ROOM: 4.5, R.DINING_ROOM: 4.0,
    R.KITCHEN: 3.5, R.BEDROOM: 3.5, R.GYM: 3.0, R.OFFICE: 2.5, R.NURSERY: 2.5,
    R.HALLWAY: 2.0, R.BATHROOM: 1.5, R.LAUNDRY_ROOM: 1.2, R.PANTRY: 1.0,
}

#: Default ``GeneratorConfig.required_rooms``.
DEFAULT_REQUIRED_ROOMS: tuple[R, ...] = (R.KITCHEN, R.BATHROOM, R.BEDROOM, R.LIVING_ROOM)
#: Default ``GeneratorConfig.optional_rooms``: (room type, weight).
DEFAULT_OPTIONAL_ROOMS: tuple[tuple[R, float], ...] = (
    (R.BEDROOM, 3.0), (R.BATHROOM, 1.5), (R.DINING_ROOM, 1.0), (R.OFFICE, 1.0),
    (R.LAUNDRY_ROOM, 0.6), (R.NURSERY, 0.5), (R.GYM, 0.4), (R.PANTRY, 0.4), (R.GARAGE, 0.4),
    (R.LIVING_ROOM, 0.3), (R.MEETING_ROOM, 0.2),
)


@dataclass(frozen=True)
class GeneratorConfig:
    """What kind of houses :func:`generate_house` makes. Invalid values raise
    :class:`GeneratorError` on construction."""

    name: str = "generated house"
    """Name of the generated houses; the seed is appended (``"generated house 7"``)."""
    height: tuple[int, int] = (12, 18)
    """Inclusive (min, max) grid height in cells, border walls included."""
    width: tuple[int, int] = (12, 18)
    """Inclusive (min, max) grid width in cells, border walls included."""
    rooms: tuple[int, int] = (3, 6)
    """Inclusive (min, max) number of rooms (at most 26: rooms are lettered A-Z). The grid
    size is drawn among those in range where the drawn room count fits."""
    min_room_size: int = 3
    """Smallest floor extent of a room along either axis, at least 3."""
    required_rooms: tuple[R, ...] = DEFAULT_REQUIRED_ROOMS
    """Room types every house has, in priority order: a house of ``n`` rooms (hallway not
    counted) gets the first ``n`` of them."""
    optional_rooms: tuple[tuple[R, float], ...] = DEFAULT_OPTIONAL_ROOMS
    """(room type, weight) pairs from which rooms beyond the required ones are drawn."""
    hallway_min_rooms: int | None = 6
    """Houses with at least this many rooms get a hallway hub (when it fits); one of the
    rooms. ``None``: never."""
    furniture_density: float = 0.2
    """Fraction of each room's cells that furniture aims to cover, in [0, 1]; signature
    furniture is always placed, even beyond it."""
    object_density: float = 0.06
    """Expected small objects per room cell (floor and furniture), in [0, 1]; fewer when a
    room runs out of free places."""
    open_door_probability: float = 0.5
    """Probability that a door starts open; otherwise it is closed."""
    extra_door_probability: float = 0.25
    """Probability of a door between two adjacent rooms that the spanning tree of doors did
    not already join (each such door makes a loop)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        _validate(self)


def _capacity(length: int, m: int) -> int:
    """How many rooms of extent >= ``m`` fit side by side, walls between, in ``length``."""
    return (length + 1) // (m + 1)


def _fail(field: str, value: object, expected: str) -> GeneratorError:
    return GeneratorError(f"GeneratorConfig.{field} = {value!r}: expected {expected}")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_pair(config: GeneratorConfig, field: str, lo: int, hi: int) -> None:
    value = getattr(config, field)
    ok = isinstance(value, tuple) and len(value) == 2 and all(_is_int(v) for v in value)
    if not ok or not lo <= value[0] <= value[1] <= hi:
        raise _fail(field, value, f"(min, max) integers with {lo} <= min <= max <= {hi}")


def _check_unit(config: GeneratorConfig, field: str) -> None:
    value = getattr(config, field)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise _fail(field, value, "a number in [0, 1]")


def _is_weighted_type(pair: object) -> bool:
    return (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], R)
            and isinstance(pair[1], (int, float)) and math.isfinite(pair[1]) and pair[1] >= 0)


def _check_room_mix(config: GeneratorConfig) -> None:
    required, pool = config.required_rooms, config.optional_rooms
    if not isinstance(required, tuple) or not all(isinstance(t, R) for t in required):
        raise _fail("required_rooms", required, "a tuple of RoomType")
    ok = isinstance(pool, tuple) and all(_is_weighted_type(pair) for pair in pool)
    if not ok or len({t for t, _ in pool}) != len(pool):
        raise _fail("optional_rooms", pool,
                    "(RoomType, weight) pairs with distinct types and finite weights >= 0")
    if config.rooms[1] > len(required) and sum(w for _, w in pool) <= 0:
        raise _fail("optional_rooms", pool, f"a positive total weight: up to {config.rooms[1]} "
                    f"rooms but only {len(required)} required")


def _validate(config: GeneratorConfig) -> None:
    if not isinstance(config.name, str) or not config.name:
        raise _fail("name", config.name, "a non-empty string")
    m = config.min_room_size
    if not _is_int(m) or m < 3:
        raise _fail("min_room_size", m, "an integer >= 3")
    _check_pair(config, "height", m + 2, 256)
    _check_pair(config, "width", m + 2, 256)
    _check_pair(config, "rooms", 1, 26)
    h, w = config.height[1], config.width[1]
    fit = _capacity(h - 2, m) * _capacity(w - 2, m)
    if config.rooms[1] > fit:
        raise _fail("rooms", config.rooms, f"max <= {fit}: that many rooms with min_room_size="
                    f"{m} fit in the largest grid ({h}x{w}); or a larger height/width")
    _check_room_mix(config)
    hall = config.hallway_min_rooms
    if hall is not None and (not _is_int(hall) or hall < 3):
        raise _fail("hallway_min_rooms", hall, "None or an integer >= 3")
    for field in ("furniture_density", "object_density", "open_door_probability",
                  "extra_door_probability"):
        _check_unit(config, field)


#: Houses of 3-6 rooms on grids from 12x12 to 18x18.
SMALL = GeneratorConfig(name="small house")
#: Houses of 8-14 rooms, with a hallway hub when it fits, on grids from 24x24 to 40x40.
LARGE = GeneratorConfig(name="large house", height=(24, 40), width=(24, 40), rooms=(8, 14))


# ---------------------------------------------------------------------- layout
class _Rect(NamedTuple):
    """Floor extent of a room: top-left cell and size (its walls lie just outside)."""

    top: int
    left: int
    height: int
    width: int

    def contains(self, cell: Pos) -> bool:
        return (self.top <= cell[0] < self.top + self.height
                and self.left <= cell[1] < self.left + self.width)


@lru_cache(maxsize=256)
def _grid_sizes(height: tuple[int, int], width: tuple[int, int], m: int,
                n: int) -> tuple[tuple[int, int], ...]:
    """All (height, width) in range whose interior holds ``n`` rooms."""
    return tuple((h, w) for h in range(height[0], height[1] + 1)
                 for w in range(width[0], width[1] + 1)
                 if _capacity(h - 2, m) * _capacity(w - 2, m) >= n)


def _cut(rect: _Rect, axis: int, first: int, gap: int = 1) -> tuple[_Rect, _Rect]:
    """Split ``rect`` across ``axis`` (0: rows, 1: columns) after ``first`` cells and a
    ``gap`` of wall."""
    t, l, h, w = rect
    if axis == 0:
        return _Rect(t, l, first, w), _Rect(t + first + gap, l, h - first - gap, w)
    return _Rect(t, l, h, first), _Rect(t, l + first + gap, h, w - first - gap)


def _pick(rng: np.random.Generator, weights: Sequence[float]) -> int:
    p = np.asarray(weights, dtype=np.float64)
    return int(rng.choice(len(p), p=p / p.sum()))


def _stretch(a: int, b: int) -> float:
    """Penalty for a room of ``a`` x ``b`` cells longer than twice its width."""
    return max(0.0, max(a, b) / min(a, b) - 2.0)


def _split(rng: np.random.Generator, rect: _Rect, n: int, m: int, out: list[_Rect]) -> None:
    """Append to ``out`` ``n`` rooms filling ``rect`` (``n`` must fit), by recursive cuts
    that prefer the long axis and equal area per room."""
    if n == 1:
        out.append(rect)
        return
    options, weights = [], []
    for axis in (0, 1):
        length, across = (rect.height, rect.width)[axis], (rect.width, rect.height)[axis]
        cap_across = _capacity(across, m)
        for first in range(m, length - m):
            second = length - first - 1
            lo = max(1, n - _capacity(second, m) * cap_across)
            hi = min(n - 1, _capacity(first, m) * cap_across)
            if lo > hi:
                continue
            k = min(max(round(n * first / (length - 1)), lo), hi)
            balance = abs(math.log((first / k) / (second / (n - k))))
            stretch = sum(_stretch(side, across) for side, rooms in ((first, k), (second, n - k))
                          if rooms == 1)
            options.append((axis, first, k))
            weights.append((length / across) ** 2 * math.exp(-2.0 * balance - stretch))
    axis, first, k = options[_pick(rng, weights)]
    a, b = _cut(rect, axis, first)
    _split(rng, a, k, m, out)
    _split(rng, b, n - k, m, out)


def _carve_hallway(rng: np.random.Generator, rect: _Rect, rest: int,
                   m: int) -> tuple[_Rect, list[tuple[_Rect, int]]] | None:
    """A hallway along the long axis of ``rect`` and the two sides with their room counts
    (``rest`` in all), or ``None`` when that does not fit."""
    axis = 0 if rect.height <= rect.width else 1
    short, long_ = (rect.height, rect.width)[axis], (rect.width, rect.height)[axis]
    sides = short - HALLWAY_WIDTH - 2
    options, weights = [], []
    cap_long = _capacity(long_, m)
    for s1 in range(m, sides - m + 1):
        lo = max(1, rest - _capacity(sides - s1, m) * cap_long)
        hi = min(rest - 1, _capacity(s1, m) * cap_long)
        if lo <= hi:
            options.append((s1, min(max(round(rest * s1 / sides), lo), hi)))
            weights.append(math.exp(-abs(2 * s1 - sides) / 4))
    if not options:
        return None
    s1, k = options[_pick(rng, weights)]
    side1, remainder = _cut(rect, axis, s1)
    hall, side2 = _cut(remainder, axis, HALLWAY_WIDTH)
    return hall, [(side1, k), (side2, rest - k)]


def _layout(rng: np.random.Generator, config: GeneratorConfig, h: int, w: int,
            n: int) -> tuple[list[_Rect], int | None]:
    """``n`` room rects filling an ``h`` x ``w`` grid's interior, sorted by top-left, and
    the index of the hallway hub among them (``None`` without one)."""
    interior, m = _Rect(1, 1, h - 2, w - 2), config.min_room_size
    rects: list[_Rect] = []
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
def _shared_wall(a: _Rect, b: _Rect) -> list[Pos]:
    """Wall cells where a door would join the floors of ``a`` and ``b`` (empty if none)."""
    for x, y in ((a, b), (b, a)):
        if x.top + x.height + 1 == y.top:
            cols = range(max(x.left, y.left), min(x.left + x.width, y.left + y.width))
            return [(y.top - 1, c) for c in cols]
        if x.left + x.width + 1 == y.left:
            rows = range(max(x.top, y.top), min(x.top + x.height, y.top + y.height))
            return [(r, y.left - 1) for r in rows]
    return []


def _doors(rng: np.random.Generator, rects: list[_Rect], hall: int | None,
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


def _room_types(rng: np.random.Generator, config: GeneratorConfig, rects: list[_Rect],
                hall: int | None) -> list[R]:
    """Type of each rect: required types first, the rest from the optional pool; types
    that are usually larger get the larger rooms."""
    slots = [i for i in range(len(rects)) if i != hall]
    types = list(config.required_rooms[: len(slots)])
    if len(slots) > len(types):
        pool = [t for t, _ in config.optional_rooms]
        p = np.array([wt for _, wt in config.optional_rooms], dtype=np.float64)
        drawn = rng.choice(len(pool), size=len(slots) - len(types), p=p / p.sum())
        types += [pool[i] for i in drawn.tolist()]
    keys = np.array([_SIZE_RANK.get(t, 3.0) for t in types]) + rng.normal(0.0, 0.75, len(types))
    by_size = sorted(slots, key=lambda i: -rects[i].height * rects[i].width)
    result = [R.HALLWAY] * len(rects)
    for slot, t in zip(by_size, np.argsort(-keys, kind="stable").tolist(), strict=True):
        result[slot] = types[t]
    return result


# ---------------------------------------------------------------------- furnishing
_FLOOR, _WALL = -1, -2
_HOLDER_VALUES = frozenset(int(kind) for kind in HOLDERS)


@lru_cache(maxsize=4096)
def _placements(h: int, w: int, size: int) -> tuple[tuple[int, ...], ...]:
    """Every ``size``-cell piece (1 or 2) in an ``h`` x ``w`` room that touches a wall, as
    indices into the room's padded flat grid (see :class:`_Furnisher`), row-major."""
    def on_wall(cell: Pos) -> bool:
        return cell[0] in (0, h - 1) or cell[1] in (0, w - 1)

    def flat(cell: Pos) -> int:
        return (cell[0] + 1) * (w + 2) + cell[1] + 1

    cells = [(r, c) for r in range(h) for c in range(w)]
    if size == 1:
        return tuple((flat(cell),) for cell in cells if on_wall(cell))
    pairs = [(cell, (cell[0] + dr, cell[1] + dc)) for cell in cells for dr, dc in ((0, 1), (1, 0))]
    return tuple((flat(a), flat(b)) for a, b in pairs
                 if b[0] < h and b[1] < w and (on_wall(a) or on_wall(b)))


class _Furnisher:
    """Furniture placement inside one room. ``grid`` is the room padded by a ring of wall,
    flattened row-major: ``_WALL``, ``_FLOOR`` or the :class:`Furniture` value of a cell.

    Args:
        rect: the room's floor extent.
        near_doors: house cells beside a door, which stay floor.
    """

    def __init__(self, rect: _Rect, near_doors: list[Pos]) -> None:
        self.rect = rect
        self.h, self.w, stride = rect.height, rect.width, rect.width + 2
        self.steps = (1, stride, -1, -stride)
        self.grid = [_WALL] * (stride * (self.h + 2))
        for r in range(1, self.h + 1):
            self.grid[r * stride + 1:r * stride + 1 + self.w] = [_FLOOR] * self.w
        self.near_doors = {self._flat(cell) for cell in near_doors}
        self.floor = self.h * self.w

    def _flat(self, cell: Pos) -> int:
        return (cell[0] - self.rect.top + 1) * (self.w + 2) + cell[1] - self.rect.left + 1

    def _cell(self, i: int) -> Pos:
        """House coordinates of flat index ``i``."""
        r, c = divmod(i, self.w + 2)
        return self.rect.top + r - 1, self.rect.left + c - 1

    def _set(self, cells: tuple[int, ...], value: int) -> None:
        """Put furniture ``value`` on ``cells`` (``_FLOOR``: clear them back to floor)."""
        for i in cells:
            self.grid[i] = value
        self.floor += -len(cells) if value >= 0 else len(cells)

    def _floor_connected(self, cells: tuple[int, ...]) -> bool:
        """Whether the floor is still in one piece after furniture took ``cells``.

        The floor was in one piece before (a room starts as a rectangle and every placement
        is checked), so it still is exactly when the floor cells beside ``cells`` are
        joined to each other: any path through ``cells`` can be rerouted between them. A
        breadth-first search from one of them stops as soon as it has met them all."""
        grid, steps = self.grid, self.steps
        targets = {i + d for i in cells for d in steps if grid[i + d] == _FLOOR}
        if len(targets) <= 1:
            return True
        start = targets.pop()
        seen = {start}
        queue = [start]
        for i in queue:  # the queue grows while it is read
            for d in steps:
                j = i + d
                if grid[j] == _FLOOR and j not in seen:
                    if j in targets:
                        targets.discard(j)
                        if not targets:
                            return True
                    seen.add(j)
                    queue.append(j)
        return False

    def _fits(self, cells: tuple[int, ...], kind: int) -> bool:
        """Whether a piece fits, checked before placing it: free cells away from doors,
        no same-kind neighbour (it would merge into one piece), some floor left over."""
        grid, near_doors = self.grid, self.near_doors
        for i in cells:
            if grid[i] != _FLOOR or i in near_doors:
                return False
        if len(cells) >= self.floor:
            return False
        for i in cells:
            for d in self.steps:
                if grid[i + d] == kind and i + d not in cells:
                    return False
        return True

    def _keeps_room_usable(self, cells: tuple[int, ...]) -> bool:
        """After placing: floor in one piece and every furniture cell beside floor."""
        grid, (east, south, west, north) = self.grid, self.steps
        near = {i + d for i in cells for d in self.steps}.union(cells)
        for i in near:
            if grid[i] >= 0 and _FLOOR not in (grid[i + east], grid[i + south], grid[i + west],
                                               grid[i + north]):
                return False
        return self._floor_connected(cells)

    def place(self, rng: np.random.Generator, kind: Furniture, tries: int | None) -> bool:
        """Place one piece of ``kind`` against a wall; ``tries`` bounds the candidate
        placements checked (``None``: all). Returns whether it was placed."""
        for size in (2, 1) if kind in _TWO_CELL else (1,):
            candidates = _placements(self.h, self.w, size)
            checked = 0
            for idx in rng.permutation(len(candidates)).tolist():
                cells = candidates[idx]
                if not self._fits(cells, int(kind)):
                    continue
                self._set(cells, int(kind))
                if self._keeps_room_usable(cells):
                    return True
                self._set(cells, _FLOOR)
                checked += 1
                if tries is not None and checked >= tries:
                    break
        return False

    def furnish(self, rng: np.random.Generator, prior: RoomPrior, density: float) -> bool:
        """Signature furniture, then furniture from the prior until ``density`` of the
        room is covered. Returns ``False`` when a signature piece does not fit."""
        if not all(self.place(rng, kind, None) for kind in prior.signature):
            return False
        area, failures = self.h * self.w, 0
        while prior.furniture and area - self.floor < density * area:
            kind = prior.furniture[int(rng.integers(len(prior.furniture)))]
            if not self.place(rng, kind, _OPTIONAL_TRIES):
                failures += 1
                if failures >= _OPTIONAL_FAILURES:
                    break
        return True

    def scatter(self, rng: np.random.Generator, prior: RoomPrior, density: float) -> list[Item]:
        """Small objects of the prior's kinds, ``density`` per room cell on average, on
        floor and holding furniture."""
        grid = self.grid
        places = [i for i, v in enumerate(grid)
                  if v == _FLOOR or v in _HOLDER_VALUES]
        count = min(int(density * self.h * self.w + rng.random()), len(places))
        if count == 0 or not prior.objects:
            return []
        p = np.array([1.0 if grid[i] == _FLOOR else _ON_FURNITURE_WEIGHT for i in places])
        picks = rng.choice(len(places), size=count, replace=False, p=p / p.sum()).tolist()
        kinds = rng.integers(len(prior.objects), size=count).tolist()
        colors = rng.integers(len(Color), size=count).tolist()
        return [Item(self._cell(places[i]), prior.objects[k], Color(col))
                for i, k, col in zip(picks, kinds, colors, strict=True)]

    def layer(self) -> np.ndarray:
        """The room's furniture layer, ``(height, width)``: kind value or -1 for floor."""
        inner = np.array(self.grid, dtype=np.int16).reshape(self.h + 2, self.w + 2)[1:-1, 1:-1]
        return np.maximum(inner, -1)


# ---------------------------------------------------------------------- assembly
def _glyphs(kinds: Sequence[Furniture]) -> dict[Furniture, str]:
    """Map-file glyph per kind: its first letter when free, else the next free letter."""
    glyphs: dict[Furniture, str] = {}
    for kind in sorted(set(kinds)):
        first = ord(kind.word[0]) - ord("a")
        glyphs[kind] = next(ch for step in range(26) if (ch := chr(ord("a") + (first + step) % 26))
                            not in glyphs.values())
    return glyphs


def _attempt(rng: np.random.Generator, config: GeneratorConfig, name: str) -> House | None:
    """One try at a house; ``None`` when some room's signature furniture does not fit."""
    n = int(rng.integers(config.rooms[0], config.rooms[1] + 1))
    sizes = _grid_sizes(config.height, config.width, config.min_room_size, n)
    h, w = sizes[int(rng.integers(len(sizes)))]
    rects, hall = _layout(rng, config, h, w, n)
    doors = _doors(rng, rects, hall, config.extra_door_probability)
    types = _room_types(rng, config, rects, hall)
    structure = np.full((h, w), Cell.WALL, dtype=np.uint8)
    room_map = np.full((h, w), -1, dtype=np.int16)
    furniture = np.full((h, w), -1, dtype=np.int16)
    items: list[Item] = []
    for i, (rect, room_type) in enumerate(zip(rects, types, strict=True)):
        near = [(r + dr, c + dc) for r, c in doors for dr, dc in DIRECTIONS
                if rect.contains((r + dr, c + dc))]
        room = _Furnisher(rect, near)
        prior = ROOM_PRIORS[room_type]
        if not room.furnish(rng, prior, config.furniture_density):
            return None
        items += room.scatter(rng, prior, config.object_density)
        local = room.layer()
        window = np.s_[rect.top:rect.top + rect.height, rect.left:rect.left + rect.width]
        structure[window] = np.where(local < 0, Cell.FLOOR, Cell.FURNITURE)
        room_map[window] = i
        furniture[window] = local
    opens = rng.random(len(doors)) < config.open_door_probability
    for cell, is_open in zip(doors, opens.tolist(), strict=True):
        structure[cell] = Cell.DOOR_OPEN if is_open else Cell.DOOR_CLOSED
    rooms = [Room(chr(ord("A") + i), t) for i, t in enumerate(types)]
    used = [Furniture(k) for k in np.unique(furniture[furniture >= 0]).tolist()]
    return House(name, structure, rooms, room_map, furniture, items, _glyphs(used))


def generate_house(config: GeneratorConfig, seed: int) -> House:
    """Generate a valid, connected house.

    Args:
        config: what kind of house (see :data:`SMALL`, :data:`LARGE`).
        seed: non-negative integer; the same config and seed give an identical house on
            every machine and in every process.

    Returns:
        The house, named ``f"{config.name} {seed}"``.

    Raises:
        GeneratorError: ``seed`` is not a non-negative integer, or no house could be
            furnished in :data:`MAX_ATTEMPTS` attempts.
    """
    if not _is_int(seed) or seed < 0:
        raise GeneratorError(f"seed = {seed!r}: expected a non-negative integer")
    rng = np.random.default_rng(int(seed))
    name = f"{config.name} {int(seed)}"
    for _ in range(MAX_ATTEMPTS):
        house = _attempt(rng, config, name)
        if house is not None:
            return house
    raise GeneratorError(f"seed {seed}: no room layout could hold every room's signature "
                         f"furniture in {MAX_ATTEMPTS} attempts with {config!r}; expected a "
                         "larger min_room_size or grid")
