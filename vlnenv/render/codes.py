"""Integer cell codes: one number per cell that fully determines how the cell looks.
Twin of :mod:`vlnenv.vector.layout`, whose packed ``codes`` layer holds these codes (times
the tile size) for many houses at once (``tests/vlnenv/vector/test_twins.py`` checks they
are equal).

A code is ``base * N_OBJ + obj``:

* ``base`` (``0 .. N_BASE - 1``) is what the cell is made of:

  ====================================  ==========================================
  ``0`` (:data:`VOID`)                   unseen, or outside the house (black)
  ``1`` (:data:`WALL`)                   wall
  ``2`` (:data:`DOOR_CLOSED`)            closed door
  ``3`` (:data:`DOOR_OPEN`)              open door
  ``FLOOR_BASE + RoomType``              floor of a room of that type
  ``FURNITURE_BASE + Furniture``         that furniture kind (on a neutral floor)
  ====================================  ==========================================

  with ``FLOOR_BASE = 4`` and ``FURNITURE_BASE = FLOOR_BASE + len(RoomType)``.
* ``obj`` (``0 .. N_OBJ - 1``) is the small object lying there: ``0`` none, else
  ``1 + kind * len(Color) + color``.

``N_CODES = N_BASE * N_OBJ`` codes in all; the tile atlas (:mod:`vlnenv.render.tile_atlas`) has
one tile per code, so rendering is a single look-up per cell. Codes are also the symbolic
observation: they name room type, furniture, object kind and colour without any pixels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import CELL_FURNITURE, Cell, House, Item, Pos
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

VOID = 0
WALL = 1
DOOR_CLOSED = 2
DOOR_OPEN = 3
FLOOR_BASE = 4
FURNITURE_BASE = FLOOR_BASE + len(RoomType)
N_BASE = FURNITURE_BASE + len(Furniture)

N_OBJ = 1 + len(ObjectKind) * len(Color)
N_CODES = N_BASE * N_OBJ

#: Objects as the environment keeps them (cell -> item lying there now), or the items
#: themselves (each at its own ``cell``).
Objects = Mapping[Pos, Item] | Iterable[Item]

_STRUCTURE_BASE = {int(Cell.WALL): WALL, int(Cell.DOOR_CLOSED): DOOR_CLOSED,
                   int(Cell.DOOR_OPEN): DOOR_OPEN}


def floor_code(room_type: RoomType) -> int:
    """Base code of the floor of a room of type ``room_type``."""
    return FLOOR_BASE + int(room_type)


def furniture_code(kind: Furniture) -> int:
    """Base code of a furniture cell of kind ``kind``."""
    return FURNITURE_BASE + int(kind)


def object_code(kind: ObjectKind, color: Color) -> int:
    """Object overlay code (``1 ..``) of an object of ``kind`` in ``color``."""
    return 1 + int(kind) * len(Color) + int(color)


def encode(base: int, obj: int = 0) -> int:
    """The cell code of base ``base`` with object overlay ``obj`` (0 for none)."""
    if not (0 <= base < N_BASE and 0 <= obj < N_OBJ):
        raise ValueError(f"base must be in 0..{N_BASE - 1} and obj in 0..{N_OBJ - 1}, "
                         f"got base={base}, obj={obj}")
    return base * N_OBJ + obj


def decode(code: int) -> tuple[int, int]:
    """``(base, obj)`` of a cell code."""
    return divmod(int(code), N_OBJ)


def object_of(obj: int) -> tuple[ObjectKind, Color] | None:
    """The object kind and colour of an overlay code, or ``None`` for 0."""
    if obj == 0:
        return None
    kind, color = divmod(obj - 1, len(Color))
    return ObjectKind(kind), Color(color)


def object_items(objects: Objects) -> Iterable[tuple[Pos, Item]]:
    """``(cell, item)`` pairs of where objects lie now."""
    if isinstance(objects, Mapping):
        return objects.items()
    return ((item.cell, item) for item in objects)


def base_codes(house: House, structure: np.ndarray | None = None) -> np.ndarray:
    """Base code of every cell (objects ignored).

    Args:
        house: the house.
        structure: ``(H, W)`` structure with doors as they are now; ``house.structure`` by
            default. It may differ from the house's only in door states.

    Returns:
        ``(H, W)`` int32 base codes.
    """
    s = house.structure if structure is None else np.asarray(structure)
    room_types = np.array([floor_code(room.type) for room in house.rooms], np.int32)  # (R,)
    floor = room_types[np.maximum(house.room_map, 0)]  # (H, W)
    furn = FURNITURE_BASE + np.maximum(house.furniture, 0).astype(np.int32)  # (H, W)
    out = np.where(s == CELL_FURNITURE, furn, floor).astype(np.int32)  # (H, W)
    for cell, base in _STRUCTURE_BASE.items():
        out[s == cell] = base
    return out


def cell_codes(
    house: House, structure: np.ndarray | None = None, objects: Objects | None = None
) -> np.ndarray:
    """Cell code of every cell for the current episode state.

    Args:
        house: the house.
        structure: ``(H, W)`` structure with doors as they are now (default: the house's).
        objects: where objects lie now, as ``cell -> Item`` (the environment's bookkeeping)
            or as items at their own cells (default: the house's objects).

    Returns:
        ``(H, W)`` int32 codes.
    """
    codes = base_codes(house, structure) * N_OBJ  # (H, W)
    for cell, item in object_items(house.objects if objects is None else objects):
        codes[cell] += object_code(item.kind, item.color)
    return codes


def code_at(house: House, structure: np.ndarray, objects: Objects, cell: Pos) -> int:
    """Cell code of one cell for the current episode state."""
    r, c = cell
    kind = int(structure[r, c])
    if kind in _STRUCTURE_BASE:
        base = _STRUCTURE_BASE[kind]
    elif kind == CELL_FURNITURE:
        base = FURNITURE_BASE + int(house.furniture[r, c])
    else:
        base = floor_code(house.rooms[int(house.room_map[r, c])].type)
    if isinstance(objects, Mapping):
        item = objects.get((r, c))
    else:
        item = next((it for it in objects if tuple(it.cell) == (r, c)), None)
    obj = 0 if item is None else object_code(item.kind, item.color)
    return base * N_OBJ + obj


def update_cell(
    codes: np.ndarray, house: House, structure: np.ndarray, objects: Objects, cell: Pos
) -> int:
    """Recompute one cell in place after a pickup, drop or toggle.

    ``codes`` may be a view (e.g. the interior of a padded grid), so the padded copy used
    for egocentric views stays current.

    Returns:
        The cell's new code.
    """
    code = code_at(house, structure, objects, cell)
    codes[cell[0], cell[1]] = code
    return code


def symbolic_view(codes: np.ndarray) -> np.ndarray:
    """``(..., V, V)`` cell codes -> ``(..., V, V, 3)`` uint8 (base, kind + 1, colour + 1)."""
    base, obj = np.divmod(codes, N_OBJ)
    kind = np.where(obj > 0, (obj - 1) // len(Color) + 1, 0)
    color = np.where(obj > 0, (obj - 1) % len(Color) + 1, 0)
    return np.stack([base, kind, color], axis=-1).astype(np.uint8)
