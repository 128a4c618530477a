"""The shape of a route, before it is put into words: the rooms it passes through (*legs*;
door cells belong to the leg before them) and its straight *runs* (a one-cell sidestep
between two runs of the same direction is absorbed). Headings are 0 east, 1 south, 2 west,
3 north, as :data:`vlnenv.world.house.DIRECTIONS`; :mod:`vlnenv.language.route` describes
the legs and runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vlnenv.errors import TaskError
from vlnenv.world.house import DIRECTIONS, House, Pos


def relative_turn(heading: int, new_heading: int) -> int:
    """0 straight, 1 right, 2 around, 3 left."""
    return (new_heading - heading) % 4


@dataclass(frozen=True)
class Run:
    """A straight stretch: moves ``start .. end - 1`` of the route, from ``route[start]``
    to ``route[end]``, ``steps`` of them in ``direction`` (the others are absorbed
    sidesteps)."""

    direction: int
    start: int
    end: int
    steps: int

    @property
    def length(self) -> int:
        """Moves, sidesteps included."""
        return self.end - self.start


@dataclass(frozen=True)
class Leg:
    """The part of a route in one room: cells ``first .. last`` lie in ``room`` (door
    cells after them up to the next leg belong to this leg's exit)."""

    room: int
    first: int
    last: int


def route_directions(route: Sequence[Pos]) -> list[int]:
    """Heading of each move; raises :class:`TaskError` when two cells are not adjacent."""
    out = []
    for i, (a, b) in enumerate(zip(route, route[1:], strict=False)):
        step = (b[0] - a[0], b[1] - a[1])
        if step not in DIRECTIONS:
            raise TaskError(f"route cells {i} {tuple(a)} and {i + 1} {tuple(b)} are not "
                            "4-adjacent; expected a connected path")
        out.append(DIRECTIONS.index(step))
    return out


def runs_between(directions: Sequence[int], start: int, end: int,
                 keep_last: bool = False) -> list[Run]:
    """Maximal straight runs of moves ``start .. end - 1``, sidesteps absorbed (except,
    with ``keep_last``, one before the last run: where a route stops, its lane matters)."""
    runs: list[Run] = []
    for i in range(start, end):
        if runs and runs[-1].direction == directions[i]:
            prev = runs[-1]
            runs[-1] = Run(prev.direction, prev.start, i + 1, prev.steps + 1)
        else:
            runs.append(Run(directions[i], i, i + 1, 1))
    i = 1
    while i < len(runs) - 1:
        a, b, c = runs[i - 1: i + 2]
        if b.length == 1 and a.direction == c.direction and not (
                keep_last and i + 1 == len(runs) - 1):
            runs[i - 1: i + 2] = [Run(a.direction, a.start, c.end, a.steps + c.steps)]
            i = max(1, i - 1)
        else:
            i += 1
    return runs


def route_legs(house: House, route: Sequence[Pos]) -> list[Leg]:
    """The rooms a route passes through, in order (leading door cells join the first)."""
    legs: list[Leg] = []
    for i, cell in enumerate(route):
        room = house.room_of(tuple(cell))
        if room is None:
            continue
        if legs and legs[-1].room == room:
            legs[-1] = Leg(room, legs[-1].first, i)
        else:
            legs.append(Leg(room, i if legs else 0, i))
    if not legs:
        raise TaskError("a route must pass through at least one room")
    return legs
