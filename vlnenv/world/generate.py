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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

from vlnenv.errors import GeneratorError
from vlnenv.world.floorplan import (
    assign_room_types,
    grid_sizes,
    lay_out_rooms,
    place_doors,
    room_capacity,
)
from vlnenv.world.furnish import Furnisher
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import (
    CELL_DOOR_CLOSED,
    CELL_DOOR_OPEN,
    CELL_FLOOR,
    CELL_FURNITURE,
    CELL_WALL,
    DIRECTIONS,
    House,
    Item,
    Room,
)
from vlnenv.world.priors import ROOM_PRIORS
from vlnenv.world.rooms import RoomType as R

#: Whole-house attempts before giving up (an attempt fails when a signature won't fit).
MAX_ATTEMPTS = 20

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
    fit = room_capacity(h - 2, m) * room_capacity(w - 2, m)
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
#: Houses of 16-24 rooms on grids from 48x48 to 64x64: bigger than any suite or hand-made
#: house the project ships (the largest, ``big_house``, is 31x38), for checking that a
#: policy's memory is not bounded by the houses it was trained in.
HUGE = GeneratorConfig(name="huge house", height=(48, 64), width=(48, 64), rooms=(16, 24))
#: The presets by name: ``vln house new --size``, a suite spec's ``houses.preset`` and
#: ``EpisodeSource.generated(size)`` take these names.
PRESETS: Mapping[str, GeneratorConfig] = MappingProxyType(
    {"small": SMALL, "large": LARGE, "huge": HUGE})


# ---------------------------------------------------------------------- assembly
def _glyphs(kinds: Sequence[Furniture]) -> dict[Furniture, str]:
    """Map-file glyph per kind: its first letter when free, else the next free letter."""
    glyphs: dict[Furniture, str] = {}
    taken: set[str] = set()
    for kind in sorted(set(kinds)):
        first = ord(kind.word[0]) - ord("a")
        glyphs[kind] = next(ch for step in range(26) if (ch := chr(ord("a") + (first + step) % 26))
                            not in taken)
        taken.add(glyphs[kind])
    return glyphs


def _attempt(rng: np.random.Generator, config: GeneratorConfig, name: str) -> House | None:
    """One try at a house; ``None`` when some room's signature furniture does not fit."""
    n = int(rng.integers(config.rooms[0], config.rooms[1] + 1))
    sizes = grid_sizes(config.height, config.width, config.min_room_size, n)
    h, w = sizes[int(rng.integers(len(sizes)))]
    rects, hall = lay_out_rooms(rng, config, h, w, n)
    doors = place_doors(rng, rects, hall, config.extra_door_probability)
    types = assign_room_types(rng, config, rects, hall)
    structure = np.full((h, w), CELL_WALL, dtype=np.uint8)
    room_map = np.full((h, w), -1, dtype=np.int16)
    furniture = np.full((h, w), -1, dtype=np.int16)
    items: list[Item] = []
    beside_doors = [(r + dr, c + dc) for r, c in doors for dr, dc in DIRECTIONS]
    for i, (rect, room_type) in enumerate(zip(rects, types, strict=True)):
        room = Furnisher(rect, [cell for cell in beside_doors if rect.contains(cell)])
        prior = ROOM_PRIORS[room_type]
        if not room.furnish(rng, prior, config.furniture_density):
            return None
        items += room.scatter(rng, prior, config.object_density)
        local = room.layer()
        window = np.s_[rect.top:rect.top + rect.height, rect.left:rect.left + rect.width]
        structure[window] = np.where(local < 0, CELL_FLOOR, CELL_FURNITURE)
        room_map[window] = i
        furniture[window] = local
    opens = rng.random(len(doors)) < config.open_door_probability
    for cell, is_open in zip(doors, opens.tolist(), strict=True):
        structure[cell] = CELL_DOOR_OPEN if is_open else CELL_DOOR_CLOSED
    rooms = [Room(chr(ord("A") + i), t) for i, t in enumerate(types)]
    used = [Furniture(k) for k in sorted(set(furniture[furniture >= 0].tolist()))]
    return House(name, structure, rooms, room_map, furniture, items, _glyphs(used))


def generate_house(config: GeneratorConfig, seed: int) -> House:
    """Generate a valid, connected house.

    Args:
        config: what kind of house (see :data:`PRESETS`).
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
    rng = np.random.Generator(np.random.PCG64(int(seed)))  # default_rng(seed), ~4 us sooner
    name = f"{config.name} {int(seed)}"
    for _ in range(MAX_ATTEMPTS):
        house = _attempt(rng, config, name)
        if house is not None:
            return house
    raise GeneratorError(f"seed {seed}: no room layout could hold every room's signature "
                         f"furniture in {MAX_ATTEMPTS} attempts with {config!r}; expected a "
                         "larger min_room_size or grid")
