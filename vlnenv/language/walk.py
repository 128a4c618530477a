"""Route clauses followed literally: "turn left, walk three steps, walk up to the sofa and
stop" walked cell by cell from the start pose.

:mod:`vlnenv.language.parse_route` first looks for the shortest-path route the words
describe (the generator's routes); a person's own route ("turn left and walk 3 steps",
leaving a room without saying so) may describe another way, and when it uses only
clauses whose meaning needs no guess it is walked here:

* ``turn_left``, ``turn_right``, ``turn_around``: the heading changes;
* ``steps`` N: N cells ahead, each a floor or door cell (a closed door is opened);
* ``wall``: ahead until the next cell cannot be entered (at least one step);
* ``up_to``, ``stop_at``, ``walk_stop_at``, ``pass_at`` a furniture kind: ahead until
  the agent stands next to a piece of that kind (no step when it already does);
* ``stop``: nothing.

Any other clause ("enter the kitchen on your left") returns ``None``: its way is not
fixed by the words alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vlnenv.errors import RouteError
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import CELL_FURNITURE, DIRECTIONS, House, Pos

#: Clauses that name a piece of furniture to walk up to.
UP_TO = frozenset({"up_to", "stop_at", "walk_stop_at", "pass_at"})
TURNS = {"turn_right": 1, "turn_around": 2, "turn_left": 3}


def _touches(house: House, cell: Pos, kind: Furniture) -> bool:
    return any(int(house.structure[nb]) == CELL_FURNITURE and int(house.furniture[nb]) == kind
               for nb in house.neighbours4(cell))


def walk_atoms(house: House, start: tuple[int, int, int],
               atoms: Sequence[tuple[Any, ...]]) -> list[Pos] | None:
    """The cells walked by following ``atoms`` literally from ``start``, or ``None`` when
    a clause is not literal (see the module docstring).

    Raises:
        RouteError: a step that would leave the free cells (a wall, furniture).
    """
    walk = house.traversable_mask()
    cell, heading = (int(start[0]), int(start[1])), int(start[2]) % 4
    path = [cell]

    def ahead() -> Pos:
        dr, dc = DIRECTIONS[heading]
        return (cell[0] + dr, cell[1] + dc)

    for atom in atoms:
        name, slots = atom[0], dict(atom[1:])
        if name in TURNS:
            heading = (heading + TURNS[name]) % 4
        elif name == "stop":
            continue
        elif name == "steps":
            for _ in range(int(slots["{steps}"])):
                if not walk[ahead()]:
                    raise RouteError(f"walking {slots['{steps}']} steps from {list(cell)} "
                                     f"heading {heading} runs into {list(ahead())}, which "
                                     "cannot be entered")
                cell = ahead()
                path.append(cell)
        elif name == "wall":
            if not walk[ahead()]:
                raise RouteError(f"at {list(cell)} the way ahead is already blocked")
            while walk[ahead()]:
                cell = ahead()
                path.append(cell)
        elif name in UP_TO:
            kind = slots["{furniture}"]
            while not _touches(house, cell, kind):
                if not walk[ahead()]:
                    raise RouteError(f"walking ahead from {list(cell)} never reaches a "
                                     f"{kind.name.lower().replace('_', ' ')}")
                cell = ahead()
                path.append(cell)
        else:
            return None
    return path
