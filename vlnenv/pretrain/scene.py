"""What a view shows, read off its codes alone: the room the agent stands in, and every
visible furniture kind, small object and door with its side (left, ahead, right)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vlnenv.language.lexicon import FURNITURE_WORDS, OBJECT_WORDS
from vlnenv.render.codes import (
    DOOR_CLOSED,
    DOOR_OPEN,
    FLOOR_BASE,
    FURNITURE_BASE,
    N_BASE,
    decode,
)
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

#: Sides of a thing in the view, by the sign of its column offset from the agent.
SIDES: tuple[str, ...] = ("left", "ahead", "right")


@dataclass(frozen=True)
class Thing:
    """One visible thing: a furniture kind (its nearest cell), an object, or a door."""

    what: str
    """``furniture``, ``object`` or ``door``."""
    kind: int
    """:class:`Furniture` or :class:`ObjectKind` value (0 for a door)."""
    color: int
    """:class:`Color` value of an object, -1 otherwise."""
    row: int
    """View row (0 is the far edge)."""
    col: int
    """View column (the agent's is ``V // 2``)."""
    on: int
    """:class:`Furniture` value an object lies on, -1 when on the floor or not an object."""

    def side(self, view: int) -> str:
        """``left``, ``ahead`` or ``right``: the sign of ``col - V // 2``."""
        return SIDES[int(np.sign(self.col - view // 2)) + 1]


def room_here(codes: np.ndarray) -> RoomType:
    """The type of room the agent stands in: the floor under it, ``(V - 1, V // 2)``."""
    v = codes.shape[0]
    base, _ = decode(codes[v - 1, v // 2])
    if not FLOOR_BASE <= base < FURNITURE_BASE:
        raise ValueError(f"the agent's view cell has base {base}, not a floor")
    return RoomType(base - FLOOR_BASE)


def _distance(row: int, col: int, view: int) -> int:
    return (view - 1 - row) + abs(col - view // 2)


def things(codes: np.ndarray) -> list[Thing]:
    """Every visible thing, nearest first (Manhattan distance from the agent, then row,
    then column): each object; each furniture kind once, at its nearest cell; each door.
    The agent's own cell is skipped."""
    v = codes.shape[0]
    found: list[Thing] = []
    furniture: dict[int, Thing] = {}
    cells = sorted(((r, c) for r in range(v) for c in range(v) if (r, c) != (v - 1, v // 2)),
                   key=lambda rc: (_distance(rc[0], rc[1], v), rc[0], rc[1]))
    for r, c in cells:
        base, obj = decode(codes[r, c])
        kind_f = base - FURNITURE_BASE if FURNITURE_BASE <= base < N_BASE else -1
        if kind_f >= 0 and kind_f not in furniture:
            furniture[kind_f] = Thing("furniture", kind_f, -1, r, c, -1)
            found.append(furniture[kind_f])
        if base in (DOOR_OPEN, DOOR_CLOSED):
            found.append(Thing("door", 0, -1, r, c, -1))
        if obj:
            kind, color = divmod(obj - 1, len(Color))
            found.append(Thing("object", kind, color, r, c, kind_f))
    return found


def object_name(kind: int) -> str:
    """Plain word of an object kind (the lexicon's first noun)."""
    return OBJECT_WORDS[ObjectKind(kind)][0].text


def furniture_name(kind: int) -> str:
    """Plain word of a furniture kind (the lexicon's first)."""
    return FURNITURE_WORDS[Furniture(kind)][0].lower()
