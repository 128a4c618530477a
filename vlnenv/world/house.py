"""The ``House`` model: grid layers plus the queries the environment, the experts and the
instruction generator need.

Layers (all ``(H, W)`` numpy arrays, read-only):

* ``structure`` (uint8, :class:`Cell`): wall, floor, closed door, open door, furniture.
* ``room_map`` (int16): index into ``rooms`` of the room a floor or furniture cell belongs
  to, ``-1`` for walls and doors. A furniture piece belongs to the one room it touches.
* ``furniture`` (int16): :class:`Furniture` value of a furniture cell, ``-1`` elsewhere.

Small objects are a tuple of :class:`Item` (kind, colour, cell), at most one per cell, on
floor cells or on furniture that holds objects. The house is immutable: moving objects and
opening doors during an episode is episode state, kept by the environment.

Coordinates are ``(row, col)``; headings are 0 east, 1 south, 2 west, 3 north.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np

from vlnenv.errors import HouseError
from vlnenv.world.colors import Color
from vlnenv.world.furniture import HOLDERS, Furniture
from vlnenv.world.grid_search import count_areas, flood, padded_list
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

Pos = tuple[int, int]

#: (d_row, d_col) of one step forward for each heading (0 east, 1 south, 2 west, 3 north).
DIRECTIONS: tuple[Pos, ...] = ((0, 1), (1, 0), (0, -1), (-1, 0))


class Cell(IntEnum):
    """What the structure layer holds in a cell."""

    WALL = 0
    FLOOR = 1
    DOOR_CLOSED = 2
    DOOR_OPEN = 3
    FURNITURE = 4


#: ``Cell`` values as plain ints, for comparisons with arrays and numpy scalars: numpy
#: compares an ``IntEnum`` member ~6x slower than an int with an array, ~90x with a numpy
#: scalar (~3.7 us).
CELL_WALL, CELL_FLOOR, CELL_DOOR_CLOSED, CELL_DOOR_OPEN, CELL_FURNITURE = (
    int(Cell.WALL), int(Cell.FLOOR), int(Cell.DOOR_CLOSED), int(Cell.DOOR_OPEN),
    int(Cell.FURNITURE))
_PASSABLE = frozenset({CELL_FLOOR, CELL_DOOR_OPEN})
_MAX_CELL = max(CELL_WALL, CELL_FLOOR, CELL_DOOR_CLOSED, CELL_DOOR_OPEN, CELL_FURNITURE)
_FURNITURE_OF = {int(kind): kind for kind in Furniture}


def traversable(structure: np.ndarray) -> np.ndarray:
    """Cells of a structure layer that an agent can reach by walking and opening doors:
    floor and doors, open or closed. ``(H, W)`` bool."""
    s = np.asarray(structure)
    return (s == CELL_FLOOR) | (s == CELL_DOOR_OPEN) | (s == CELL_DOOR_CLOSED)


@dataclass(frozen=True)
class Room:
    """A room: its map letter and its type."""

    letter: str
    type: RoomType


@dataclass(frozen=True, order=True)
class Item:
    """A small object lying in the house."""

    cell: Pos
    kind: ObjectKind
    color: Color


@dataclass(frozen=True)
class Piece:
    """One piece of furniture: a 4-connected group of cells of the same kind."""

    kind: Furniture
    cells: tuple[Pos, ...]
    room: int


class House:
    """An immutable house. Construction validates every invariant and raises
    :class:`~vlnenv.errors.HouseError` naming the offending cell.

    Args:
        name: human-readable name.
        structure: ``(H, W)`` array of :class:`Cell` values.
        rooms: the rooms, indexed by the values of ``room_map``.
        room_map: ``(H, W)`` room index of each floor cell; other cells are ignored.
        furniture: ``(H, W)`` :class:`Furniture` value of each furniture cell; other
            cells are ignored.
        objects: small objects.
        furniture_glyphs: map-file glyph of each furniture kind used (for saving);
            missing kinds get the first free lowercase letter.
    """

    def __init__(
        self,
        name: str,
        structure: np.ndarray,
        rooms: Iterable[Room],
        room_map: np.ndarray,
        furniture: np.ndarray,
        objects: Iterable[Item] = (),
        furniture_glyphs: dict[Furniture, str] | None = None,
    ) -> None:
        self.name = str(name)
        self.rooms: tuple[Room, ...] = tuple(rooms)
        structure = np.asarray(structure, dtype=np.uint8)
        if structure.ndim != 2 or structure.shape[0] < 3 or structure.shape[1] < 3:
            raise HouseError(f"grid must be 2-D and at least 3x3, got shape {structure.shape}")
        if structure.max(initial=0) > _MAX_CELL:
            raise HouseError(f"structure values must be in {[int(c) for c in Cell]}")
        shape = structure.shape
        room_map = np.asarray(room_map)
        furniture = np.asarray(furniture)
        if room_map.shape != shape or furniture.shape != shape:
            raise HouseError(
                f"layers must share the grid shape {shape}, got room_map {room_map.shape} "
                f"and furniture {furniture.shape}"
            )
        self.structure = structure.copy()
        self.furniture = np.where(structure == CELL_FURNITURE, furniture, -1).astype(np.int16)
        self.room_map = np.where(structure == CELL_FLOOR, room_map, -1).astype(np.int16)
        self._check_border()
        self._check_rooms()
        self.pieces: tuple[Piece, ...] = self._find_pieces()
        if self.pieces:
            width = shape[1]
            flat = [r * width + c for piece in self.pieces for r, c in piece.cells]
            np.put(self.room_map, flat, [p.room for p in self.pieces for _ in p.cells])
        self._check_room_regions()
        self.objects: tuple[Item, ...] = tuple(sorted(objects))
        self._object_at: dict[Pos, Item] = {}
        self._check_objects()
        self._check_reachable()
        self.furniture_glyphs = self._assign_glyphs(furniture_glyphs or {})
        for layer in (self.structure, self.furniture, self.room_map):
            layer.flags.writeable = False

    # ------------------------------------------------------------------ validation
    def _check_border(self) -> None:
        s = self.structure
        border = np.concatenate([s[0], s[-1], s[:, 0], s[:, -1]])
        if np.any(border != CELL_WALL):
            rows, cols = np.nonzero(s != CELL_WALL)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                if r in (0, s.shape[0] - 1) or c in (0, s.shape[1] - 1):
                    raise HouseError("the border must be wall, found an opening", (r, c))

    def _check_rooms(self) -> None:
        floor = self.structure == CELL_FLOOR
        ids = self.room_map[floor]
        bad = (ids < 0) | (ids >= len(self.rooms))
        if np.any(bad):
            r, c = np.argwhere(floor)[np.argmax(bad)].tolist()
            raise HouseError(
                f"floor cell has room index {int(self.room_map[r, c])}, expected 0.."
                f"{len(self.rooms) - 1}",
                (r, c),
            )
        letters = [room.letter for room in self.rooms]
        if len(set(letters)) != len(letters):
            raise HouseError(f"room letters must be unique, got {letters}")
        present = np.bincount(ids.astype(np.int64), minlength=len(self.rooms))
        for i, count in enumerate(present.tolist()):
            if count == 0:
                raise HouseError(f"room {self.rooms[i].letter} ({self.rooms[i].type.word}) "
                                 "has no floor cell")

    def _check_room_regions(self) -> None:
        """Each room's floor and furniture form one 4-connected area (one room per letter)."""
        if count_areas(self.room_map) == len(self.rooms):
            return  # every room has cells (checked), so each has exactly one area
        for i, room in enumerate(self.rooms):
            mask = self.room_map == i
            cells = np.argwhere(mask)
            first = flood(mask, tuple(cells[0].tolist()))
            apart = cells[~first[cells[:, 0], cells[:, 1]]]
            if len(apart):
                r0, c0 = cells[0].tolist()
                raise HouseError(
                    f"room {room.letter} ({room.type.word}) has a second, separate area here, "
                    f"not connected to its area at {(r0, c0)}; expected one 4-connected area "
                    "of floor and furniture per room letter", tuple(apart[0].tolist()))

    def _find_pieces(self) -> tuple[Piece, ...]:
        """4-connected groups of furniture cells of one kind, each with the one room whose
        floor it touches (row-major by first cell)."""
        h, w = self.shape
        wp = w + 2
        # Here room_map is -1 off floor and furniture -1 off furniture cells (see
        # __init__), so a cell is floor exactly when its room is >= 0, and furniture of a
        # valid kind exactly when its furniture value is that kind.
        furn = padded_list(self.furniture, -1)
        rooms = padded_list(self.room_map, -1)
        steps = (1, wp, -1, -wp)
        seen = [False] * len(furn)
        pieces = []
        for r, c in np.argwhere(self.structure == CELL_FURNITURE).tolist():
            first = (r + 1) * wp + c + 1
            if seen[first]:
                continue
            kind = furn[first]
            furniture = _FURNITURE_OF.get(kind)
            if furniture is None:
                raise HouseError(f"unknown furniture value {kind}", (r, c))
            cells, touched = [], set()
            stack = [first]
            seen[first] = True
            while stack:
                i = stack.pop()
                cells.append(divmod(i, wp))
                for d in steps:
                    j = i + d
                    room = rooms[j]
                    if room >= 0:
                        touched.add(room)
                    elif furn[j] == kind and not seen[j]:
                        seen[j] = True
                        stack.append(j)
            if len(touched) != 1:
                if not touched:
                    raise HouseError(f"{furniture.word} touches no room; furniture must touch "
                                     "exactly one room's floor", (r, c))
                names = sorted(self.rooms[i].letter for i in touched)
                raise HouseError(f"{furniture.word} touches rooms {names}; furniture must touch "
                                 "exactly one room's floor", (r, c))
            cells = sorted((pr - 1, pc - 1) for pr, pc in cells)
            pieces.append(Piece(furniture, tuple(cells), touched.pop()))
        return tuple(pieces)

    def _check_objects(self) -> None:
        for item in self.objects:
            r, c = item.cell
            if not (0 <= r < self.height and 0 <= c < self.width):
                raise HouseError(f"{item.kind.word} lies outside the {self.height}x{self.width} "
                                 "grid", item.cell)
            if item.cell in self._object_at:
                raise HouseError(f"two objects on one cell ({self._object_at[item.cell].kind.word}"
                                 f" and {item.kind.word}); expected at most one", item.cell)
            kind = int(self.structure[r, c])
            if kind == CELL_FURNITURE:
                furn = _FURNITURE_OF[int(self.furniture[r, c])]
                if furn not in HOLDERS:
                    raise HouseError(f"{item.kind.word} lies on a {furn.word}, which holds no "
                                     "objects", item.cell)
            elif kind != CELL_FLOOR:
                raise HouseError(f"{item.kind.word} lies on a {Cell(kind).name.lower()} cell; "
                                 "expected a floor or furniture cell", item.cell)
            self._object_at[item.cell] = item

    def _check_reachable(self) -> None:
        walk = self.traversable_mask()
        start = tuple(np.argwhere(walk)[0].tolist())
        reached = flood(walk, start)
        if not np.any((self.structure == CELL_FLOOR) & ~reached):
            return  # every room has a floor cell (checked), all of them reached
        for i, room in enumerate(self.rooms):
            cells = np.argwhere((self.room_map == i) & (self.structure == CELL_FLOOR))
            if not reached[tuple(cells[0])]:
                raise HouseError(
                    f"room {room.letter} ({room.type.word}) is unreachable from room "
                    f"{self.rooms[int(self.room_map[start])].letter}; every room must be "
                    "reachable through floor and doors", tuple(cells[0].tolist()))
            missing = cells[~reached[cells[:, 0], cells[:, 1]]]
            if len(missing):
                raise HouseError(f"part of room {room.letter} ({room.type.word}) is cut off "
                                 "from the rest of the house", tuple(missing[0].tolist()))

    def _assign_glyphs(self, given: dict[Furniture, str]) -> dict[Furniture, str]:
        used = sorted({p.kind for p in self.pieces})
        glyphs: dict[Furniture, str] = {}
        taken = set()
        for kind in used:
            g = given.get(kind)
            if g is not None and len(g) == 1 and g.islower() and g not in taken:
                glyphs[kind] = g
                taken.add(g)
        free = (ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in taken)
        for kind in used:
            if kind not in glyphs:
                try:
                    glyphs[kind] = next(free)
                except StopIteration:
                    raise HouseError("more than 26 furniture kinds in one house") from None
        return glyphs

    # ------------------------------------------------------------------ queries
    @property
    def shape(self) -> tuple[int, int]:
        return self.structure.shape  # type: ignore[return-value]

    @property
    def height(self) -> int:
        return int(self.structure.shape[0])

    @property
    def width(self) -> int:
        return int(self.structure.shape[1])

    def in_bounds(self, cell: Pos) -> bool:
        h, w = self.structure.shape
        return 0 <= cell[0] < h and 0 <= cell[1] < w

    def neighbours4(self, cell: Pos) -> Iterator[Pos]:
        """The in-bounds 4-neighbours of ``cell`` in heading order (E, S, W, N)."""
        r, c = cell
        h, w = self.structure.shape
        for dr, dc in DIRECTIONS:
            if 0 <= r + dr < h and 0 <= c + dc < w:
                yield r + dr, c + dc

    def passable_mask(self) -> np.ndarray:
        """Cells the agent can stand on now: floor and open doors."""
        return (self.structure == CELL_FLOOR) | (self.structure == CELL_DOOR_OPEN)

    def traversable_mask(self) -> np.ndarray:
        """Cells the agent can reach by walking and opening doors: floor and all doors."""
        return traversable(self.structure)

    def passable(self, cell: Pos) -> bool:
        """Whether the agent can stand on ``cell`` (with doors as they are in the file)."""
        r, c = cell
        h, w = self.structure.shape
        return 0 <= r < h and 0 <= c < w and int(self.structure[r, c]) in _PASSABLE

    def neighbours(self, cell: Pos) -> list[Pos]:
        """Passable 4-neighbours of ``cell``."""
        return [nb for nb in self.neighbours4(cell) if self.passable(nb)]

    def flood(self, start: Pos, mask: np.ndarray) -> np.ndarray:
        """Boolean map of cells 4-connected to ``start`` within ``mask``."""
        return flood(mask, start)

    def room_of(self, cell: Pos) -> int | None:
        """Index of the room ``cell`` belongs to (floor or furniture), or ``None``."""
        idx = int(self.room_map[cell])
        return None if idx < 0 else idx

    def room_cells(self, room: int) -> list[Pos]:
        """Floor cells of a room, in row-major order."""
        mask = (self.room_map == room) & (self.structure == CELL_FLOOR)
        return [tuple(x) for x in np.argwhere(mask).tolist()]

    def rooms_of_type(self, room_type: RoomType) -> list[int]:
        """Indices of the rooms of one type."""
        return [i for i, room in enumerate(self.rooms) if room.type == room_type]

    def room_index(self, letter: str) -> int:
        """Index of the room with map letter ``letter``."""
        for i, room in enumerate(self.rooms):
            if room.letter == letter:
                return i
        raise KeyError(letter)

    def object_at(self, cell: Pos) -> Item | None:
        """The object lying on ``cell``, if any."""
        return self._object_at.get(tuple(cell))  # type: ignore[arg-type]

    def objects_where(
        self,
        kind: ObjectKind | None = None,
        color: Color | None = None,
        room: int | None = None,
    ) -> list[Item]:
        """Objects matching every given attribute (``None`` matches anything)."""
        return [
            item
            for item in self.objects
            if (kind is None or item.kind == kind)
            and (color is None or item.color == color)
            and (room is None or self.room_map[item.cell] == room)
        ]

    def furniture_in_room(self, room: int) -> list[Piece]:
        """Furniture pieces belonging to a room."""
        return [p for p in self.pieces if p.room == room]

    def piece_at(self, cell: Pos) -> Piece | None:
        """The furniture piece covering ``cell``, if any."""
        for p in self.pieces:
            if cell in p.cells:
                return p
        return None

    def doors(self) -> list[Pos]:
        """All door cells (open or closed), row-major."""
        s = self.structure
        mask = (s == CELL_DOOR_OPEN) | (s == CELL_DOOR_CLOSED)
        return [tuple(x) for x in np.argwhere(mask).tolist()]

    def door_rooms(self, cell: Pos) -> list[int]:
        """Rooms whose floor touches the door at ``cell`` (sorted)."""
        return sorted({int(self.room_map[nb]) for nb in self.neighbours4(cell)
                       if self.structure[nb] == CELL_FLOOR})

    @cached_property
    def room_links(self) -> tuple[frozenset[int], ...]:
        """Per room, the other rooms joined to it by a door or by touching floor (computed
        once: the house is immutable)."""
        links: list[set[int]] = [set() for _ in self.rooms]
        floor = self.structure == CELL_FLOOR
        rm = self.room_map
        for a, b, both in ((rm[:, :-1], rm[:, 1:], floor[:, :-1] & floor[:, 1:]),
                           (rm[:-1], rm[1:], floor[:-1] & floor[1:])):
            touch = both & (a != b)
            for i, j in zip(a[touch].tolist(), b[touch].tolist(), strict=True):
                links[i].add(j)
                links[j].add(i)
        for door in self.doors():
            touching = self.door_rooms(door)
            for i in touching:
                links[i].update(touching)
        return tuple(frozenset(s - {i}) for i, s in enumerate(links))

    # ------------------------------------------------------------------ identity
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, House):
            return NotImplemented
        return (
            self.name == other.name
            and self.rooms == other.rooms
            and self.objects == other.objects
            and self.furniture_glyphs == other.furniture_glyphs
            and np.array_equal(self.structure, other.structure)
            and np.array_equal(self.room_map, other.room_map)
            and np.array_equal(self.furniture, other.furniture)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.rooms, self.objects, self.structure.tobytes()))

    def __repr__(self) -> str:
        return (f"House({self.name!r}, {self.height}x{self.width}, {len(self.rooms)} rooms, "
                f"{len(self.pieces)} furniture, {len(self.objects)} objects)")
