"""Episode state and the world's dynamics: what each action does to the agent and house.
Twin of :mod:`vlnenv.vector.dynamics`: the same rules as array operations over many
episodes at once (``tests/vlnenv/vector/test_twins.py`` checks they agree step by step).

The :class:`~vlnenv.world.house.House` is immutable; everything an episode changes lives
here: the agent's pose, what it carries, where objects lie now, which doors are open, the
path walked so far. Rules:

* ``turn_left``/``turn_right``: heading ``h -> (h - 1) % 4`` / ``(h + 1) % 4``.
* ``forward``: move to the front cell if it is floor or an open door (small objects do not
  block; furniture, walls and closed doors do).
* ``pickup``: take the object lying on the front cell (floor or furniture) when the hands
  are empty.
* ``drop``: put the carried object on the front cell if it is floor, or furniture that
  holds objects, and no object lies there.
* ``toggle``: open or close the door in front (closing fails when an object lies in it, which
  cannot happen since objects cannot be dropped in doorways).
* ``stop``: ends the episode; the instruction is judged there.

Every action costs one step, including those that change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import (
    CELL_DOOR_CLOSED,
    CELL_DOOR_OPEN,
    CELL_FLOOR,
    CELL_FURNITURE,
    DIRECTIONS,
    House,
    Item,
    Pos,
)

Pose = tuple[int, int, int]

# Plain ints for the hot path (IntEnum attribute look-ups cost about a microsecond each).
_LEFT, _RIGHT, _FORWARD = int(Action.TURN_LEFT), int(Action.TURN_RIGHT), int(Action.FORWARD)
_PICKUP, _DROP, _TOGGLE, _STOP = (int(Action.PICKUP), int(Action.DROP), int(Action.TOGGLE),
                                  int(Action.STOP))


@dataclass
class EpisodeState:
    """Mutable state of one episode.

    Attributes:
        house: the (immutable) house.
        pos: agent cell (row, col).
        heading: 0 east, 1 south, 2 west, 3 north.
        start: the start pose (the requester of ``fetch`` waits at its cell).
        structure: ``(H, W)`` uint8 copy of the house structure with doors as they are now.
        objects: cell -> object lying there now (the carried object is not in it). An
            object keeps its ``Item`` (whose ``cell`` is where it lay when the episode
            began) wherever it is moved, so instructions can refer to it by identity.
        carrying: the carried object, or ``None``.
        path: cells visited, start included, one entry per cell change.
        visited_rooms: room indices in the order first entered (start room first).
        step: actions taken so far.
        stopped: whether ``stop`` was taken.
    """

    house: House
    pos: Pos
    heading: int
    start: Pose
    structure: np.ndarray
    objects: dict[Pos, Item]
    carrying: Item | None = None
    path: list[Pos] = field(default_factory=list)
    step: int = 0
    stopped: bool = False

    @classmethod
    def initial(cls, house: House, start: Pose) -> EpisodeState:
        """The state at the start pose, with the house as loaded."""
        r, c, h = (int(x) for x in start)
        if not house.passable((r, c)):
            raise TaskError(f"start cell {(r, c)} is not passable in house {house.name!r}; "
                            "expected a floor or open-door cell")
        objects = {item.cell: item for item in house.objects}
        return cls(
            house=house,
            pos=(r, c),
            heading=h % 4,
            start=(r, c, h % 4),
            structure=house.structure.copy(),
            objects=objects,
            path=[(r, c)],
        )

    @property
    def pose(self) -> Pose:
        return (self.pos[0], self.pos[1], self.heading)

    @property
    def front(self) -> Pos:
        dr, dc = DIRECTIONS[self.heading]
        r, c = self.pos
        return (r + dr, c + dc)

    @property
    def room(self) -> int | None:
        """Room index of the agent's cell (``None`` in a doorway)."""
        return self.house.room_of(self.pos)

    def step_action(self, action: int) -> Pos | None:
        """Apply one action in place.

        Returns:
            The cell whose look changed (for pickup, drop or toggle that took effect), or
            ``None`` when no cell changed.
        """
        self.step += 1
        if action == _LEFT:
            self.heading = (self.heading - 1) % 4
            return None
        if action == _RIGHT:
            self.heading = (self.heading + 1) % 4
            return None
        if action == _STOP:
            self.stopped = True
            return None
        front = self.front
        kind = int(self.structure[front])  # the border is wall: front is always in bounds
        if action == _FORWARD:
            if kind == CELL_FLOOR or kind == CELL_DOOR_OPEN:
                self.pos = front
                self.path.append(front)
            return None
        if action == _PICKUP:
            if self.carrying is None and front in self.objects:
                self.carrying = self.objects.pop(front)
                return front
            return None
        if action == _DROP:
            if self.carrying is not None and front not in self.objects and self._holds(front):
                self.objects[front] = self.carrying
                self.carrying = None
                return front
            return None
        if action == _TOGGLE:
            if kind == CELL_DOOR_CLOSED:
                self.structure[front] = CELL_DOOR_OPEN
                return front
            if kind == CELL_DOOR_OPEN:
                self.structure[front] = CELL_DOOR_CLOSED
                return front
            return None
        raise ValueError(f"action must be an integer in 0..6, got {action!r}")

    def _holds(self, cell: Pos) -> bool:
        kind = int(self.structure[cell])
        if kind == CELL_FLOOR:
            return True
        if kind == CELL_FURNITURE:
            return Furniture(int(self.house.furniture[cell])).holds_objects
        return False
