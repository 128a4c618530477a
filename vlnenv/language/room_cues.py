"""Where a room's description can be checked: the cells whose sight tells the room the
words name from the other rooms of its type.

"The bedroom with the desk" in a house of three bedrooms names one bedroom, but a glimpse
of bedroom floor does not say which: only the desk does. "The bedroom next to the
bathroom" is told apart where the two rooms meet. An expert that knows only what the
agent has seen (:class:`~vlnenv.expert.explorer.Explorer`, its ``evidence``) should treat
such a room as found only once it has seen that cue (the stage's ``found_by``), as an
agent reading the words must; and a demonstration's per-step goal targets
(:mod:`agents.train.data.targets`) should point at the room's floor only in the views that
show the cue (:class:`~vlnenv.tasks.run.RunTrace`), since elsewhere its floor looks like
its twin's.

For a room ``i`` described as :class:`~vlnenv.language.refer.RoomDesc` ``d``:

* ``d.furniture = k``: the cells of ``i``'s pieces of kind ``k``;
* ``d.neighbour = t``: where ``i`` meets each room ``j`` of type ``t`` it is joined to
  (:attr:`House.room_links <vlnenv.world.house.House.room_links>`): the doors whose floor
  touches both, and the floor cells of either room that touch the other's floor;
* a plain description (the type alone): no cue; any of the room's cells will do.
"""

from __future__ import annotations

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.language.refer import RoomDesc
from vlnenv.world.house import CELL_FLOOR, House, Pos


def meeting_cells(house: House, a: int, b: int) -> frozenset[Pos]:
    """Where rooms ``a`` and ``b`` meet: the doors whose floor neighbours include both
    (:meth:`House.door_rooms <vlnenv.world.house.House.door_rooms>`), and the floor cells of
    each that 4-touch the other's floor (an open plan); empty when they do not meet."""
    floor = house.structure == CELL_FLOOR  # (H, W)
    in_a, in_b = floor & (house.room_map == a), floor & (house.room_map == b)  # (H, W) each
    touch = np.zeros_like(floor)  # (H, W): cells of a or b with a 4-neighbour in the other
    for mine, other in ((in_a, in_b), (in_b, in_a)):
        near = np.zeros_like(floor)
        near[1:] |= other[:-1]
        near[:-1] |= other[1:]
        near[:, 1:] |= other[:, :-1]
        near[:, :-1] |= other[:, 1:]
        touch |= mine & near
    cells = {(int(r), int(c)) for r, c in np.argwhere(touch).tolist()}
    cells |= {d for d in house.doors() if {a, b} <= set(house.door_rooms(d))}
    return frozenset(cells)


def cue_cells(house: House, room: int, desc: RoomDesc | None) -> frozenset[Pos] | None:
    """The cells whose sight tells ``room`` apart as ``desc`` describes it (module
    docstring); ``None`` for no description or a plain one (the room's own cells serve).

    Raises:
        TaskError: ``desc`` does not describe ``room`` (another type, furniture the room
            lacks, a neighbour type it does not meet).
    """
    if desc is None or desc.plain:
        return None
    if room not in desc.matches(house):
        raise TaskError(f"room {house.rooms[room].letter} of house {house.name!r} is not "
                        f"{said(desc)!r}; expected a description of that room")
    if desc.furniture is not None:
        return frozenset(c for p in house.furniture_in_room(room) if p.kind == desc.furniture
                         for c in p.cells)
    return frozenset(c for j in sorted(house.room_links[room])
                     if house.rooms[j].type == desc.neighbour
                     for c in meeting_cells(house, room, j))


def said(desc: RoomDesc) -> str:
    """``desc`` in plain words, for messages ("the bedroom with the desk", "the bedroom
    next to a bathroom")."""
    if desc.furniture is not None:
        return f"the {desc.type.word} with the {desc.furniture.word}"
    if desc.neighbour is not None:
        return f"the {desc.type.word} next to a {desc.neighbour.word}"
    return f"the {desc.type.word}"
