"""Why an episode failed: one cause per failed episode, read from its actions alone.

The episode's actions are played again in an :class:`~vlnenv.tasks.run.EpisodeRun` (no
observation rendered; :func:`replay`); each family's classifier then names one cause,
checking the causes below in order and taking the first that holds, so the causes of a
family are mutually exclusive and cover every failure. "Stopped" means the last action
was ``stop`` (a wrong stop: a stop anywhere but the goal fails); "timeout" means the step
budget ran out first. "Seen" means some cell in question was visible (walls and closed
doors hide what is behind them, :func:`~vlnenv.expert.explorer.visible_cells`) from the
agent's pose before some action or at the end.

``go_to_room`` (:func:`room_cause`):
    1. ``stopped in a doorway``;
    2. ``stopped in another room of the same type`` (a look-alike room);
    3. ``stopped in a room next to the target`` (joined to it by a door or open floor,
       :attr:`~vlnenv.world.house.House.room_links`);
    4. ``stopped in a room away from the target``;
    5. ``timeout in the room, never stopped``;
    6. ``timeout, entered the room and left``;
    7. ``timeout, never entered the room``.

``go_to_object`` (:func:`object_cause`); "beside" an object: on a cell that would count
as at it (:func:`~vlnenv.language.instructions.object_goal_cells`):
    1. ``stopped beside a look-alike, colour named``: an object of the target's kind and
       another colour, and the instruction says the target's colour
       (:func:`names_colour`);
    2. ``stopped beside a look-alike, told apart by place``: any other object of the
       target's kind (the same colour, or the colour not said: only where it lies tells
       the two apart);
    3. ``stopped beside another object``;
    4. ``stopped in the target's room, beside no object``;
    5. ``stopped elsewhere, target seen``;
    6. ``stopped elsewhere, target never seen``;
    7. ``timeout, was beside it but never stopped``;
    8. ``timeout, target seen``;
    9. ``timeout, target never seen``.

``fetch`` (:func:`fetch_cause`); a "match" is an object the task asks for:
    1. ``never picked anything up, a match seen``;
    2. ``never picked anything up, no match seen``;
    3. ``picked up only look-alikes of another colour`` (the kind asked for, and a colour
       that the task names and one of them lacks);
    4. ``picked up only look-alikes from another room`` (the kind and colour asked for,
       outside the room the task names);
    5. ``picked up only other objects`` (a wrong kind; look-alikes too, if any);
    6. ``picked a match, then let it go`` (dropped it, or ended holding another);
    7. ``brought a match, stopped away from the requester``;
    8. ``timeout holding a match, was back but never stopped`` (stood by the requester
       holding a match);
    9. ``timeout holding a match, never got back``.

``follow_route`` (:func:`route_cause`); the route's *legs* are the rooms it passes
through (:func:`~vlnenv.language.legs.route_legs`), one sentence of the description each:
    1. ``passed the end, stopped elsewhere`` (stood on a goal cell, stopped off it);
    2. ``reached the end, never stopped``;
    3. ``stopped early on the route``;
    4. ``timeout on the route``;
    5. ``left the route at its start`` (never reached its second or third cell);
    6. ``left the route in leg k`` (``k`` from 1: the leg holding the furthest route cell
       reached while following it, :func:`route_progress`).

``sequence`` (:func:`sequence_cause`). A :class:`~vlnenv.language.instructions.SequenceInstr`
marks a part done only once every earlier part is (a part already holding at the start
counts at once); reaching a later part first counts for nothing. With ``k`` the parts done
in order, and ``W`` where the instruction says the part the agent stopped at: ``said
first``, ``said later`` ("B after you A" says the last part first;
:func:`~vlnenv.language.parse.spoken_order`) or ``order unknown`` (the text does not cut
into the task's parts, as a route's sentences do not):
    1. ``stopped at the last part's goal (W), skipped part k+1`` (the parts out of order);
    2. ``stopped at part k's goal (W), never went on`` (where part ``k`` holds, ``k >= 1``);
    3. ``never reached part 1, stopped``;
    4. ``never reached part 1, timeout``;
    5. ``reached part k, stopped elsewhere``;
    6. ``reached part k, then timeout``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.expert.explorer import visible_cells
from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
    object_goal_cells,
)
from vlnenv.language.legs import route_legs
from vlnenv.language.parse import spoken_order
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.world.house import House, Item, Pos

_I = TypeVar("_I", bound=Instruction)

#: Route cells a return to the route may skip and still count as following it: cutting a
#: corner leaves the route for one cell and rejoins it two cells on.
ROUTE_SKIP = 2


def names_colour(instruction: str, colour: str) -> bool:
    """Whether ``instruction`` says the colour word ``colour`` (as a whole word)."""
    return re.search(rf"\b{re.escape(colour)}\b", instruction.lower()) is not None


@dataclass(frozen=True)
class Replay:
    """An episode's actions played again, with what the classifiers read.

    Attributes:
        run: the run after the last action (its state, instruction and verdict).
        seen: ``(H, W)`` bool, the cells visible from some pose of the run (before each
            action, and at the end).
        cells: the agent's cell before the first action and after each action.
        carried: the object held at the same times (``None``: nothing).
    """

    run: EpisodeRun
    seen: np.ndarray
    cells: tuple[Pos, ...]
    carried: tuple[Item | None, ...]

    @property
    def stopped(self) -> bool:
        """Whether the run ended with ``stop`` (else it timed out)."""
        return self.run.stopped

    def saw(self, cells: frozenset[Pos] | set[Pos]) -> bool:
        """Whether any of ``cells`` was seen."""
        return any(bool(self.seen[cell]) for cell in cells)

    def visited(self, cells: frozenset[Pos]) -> bool:
        """Whether the agent stood on any of ``cells`` at some point."""
        return any(cell in cells for cell in self.cells)

    @property
    def held(self) -> tuple[Item, ...]:
        """The objects held at some point, in the order first picked up."""
        return tuple(dict.fromkeys(it for it in self.carried if it is not None))


def replay(episode: Episode, house: House, actions: Sequence[int], view: int = 7) -> Replay:
    """Play ``actions`` of ``episode`` in ``house`` with a ``view``-cell egocentric view.

    Raises:
        TaskError: an action follows ``stop``, or there are more actions than the
            episode's step budget.
    """
    if len(actions) > episode.max_steps:
        raise TaskError(f"episode {episode.episode_id}: {len(actions)} actions, more than its "
                        f"max_steps {episode.max_steps}; expected the actions of one run")
    run = EpisodeRun(episode, house)
    state = run.state
    seen = np.zeros(house.shape, bool)
    cells, carried = [state.pos], [state.carrying]
    for action in [*actions, None]:
        rows, cols = visible_cells(state.structure, state.pose, view)
        seen[rows, cols] = True
        if action is None:
            break
        run.step(int(action))
        cells.append(state.pos)
        carried.append(state.carrying)
    return Replay(run, seen, tuple(cells), tuple(carried))


def _instruction(played: Replay, kind: type[_I], caller: str) -> _I:
    """The replayed episode's instruction, checked to be a ``kind``.

    Raises:
        TaskError: it is of another family.
    """
    instruction = played.run.instruction
    if not isinstance(instruction, kind):
        raise TaskError(f"{caller} needs a {kind.family} episode, got {instruction.family}")
    return instruction


def room_cause(played: Replay) -> str:
    """The cause of a failed ``go_to_room`` episode (module docstring)."""
    run = played.run
    instruction = _instruction(played, GoToRoom, "room_cause")
    house, target, here = run.house, instruction.room, run.state.room
    if played.stopped:
        if here is None:
            return "stopped in a doorway"
        if house.rooms[here].type == house.rooms[target].type:
            return "stopped in another room of the same type"
        if here in house.room_links[target]:
            return "stopped in a room next to the target"
        return "stopped in a room away from the target"
    if here == target:
        return "timeout in the room, never stopped"
    if played.visited(instruction.goal_cells):
        return "timeout, entered the room and left"
    return "timeout, never entered the room"


def object_cause(played: Replay) -> str:
    """The cause of a failed ``go_to_object`` episode (module docstring)."""
    run = played.run
    instruction = _instruction(played, GoToObject, "object_cause")
    target, state, house = instruction.item, run.state, run.house
    seen = "seen" if played.saw({target.cell}) else "never seen"
    if not played.stopped:
        if played.visited(instruction.goal_cells):
            return "timeout, was beside it but never stopped"
        return f"timeout, target {seen}"
    beside = [it for cell, it in state.objects.items()
              if state.pos in object_goal_cells(house, cell)]
    alike = [it for it in beside if it.kind == target.kind]
    text = "" if run.episode is None else run.episode.instruction
    if any(it.color != target.color for it in alike) and names_colour(text, target.color.word):
        return "stopped beside a look-alike, colour named"
    if alike:
        return "stopped beside a look-alike, told apart by place"
    if beside:
        return "stopped beside another object"
    if state.room is not None and state.room == house.room_of(target.cell):
        return "stopped in the target's room, beside no object"
    return f"stopped elsewhere, target {seen}"


def fetch_cause(played: Replay) -> str:
    """The cause of a failed ``fetch`` episode (module docstring)."""
    run = played.run
    instruction = _instruction(played, Fetch, "fetch_cause")
    if not played.held:
        seen = "a match seen" if played.saw(instruction.targets) else "no match seen"
        return f"never picked anything up, {seen}"
    if not any(instruction.matches(it) for it in played.held):
        if any(it.kind != instruction.kind for it in played.held):
            return "picked up only other objects"
        if instruction.color is not None and any(it.color != instruction.color
                                                 for it in played.held):
            return "picked up only look-alikes of another colour"
        return "picked up only look-alikes from another room"
    if not instruction.matches(run.state.carrying):
        return "picked a match, then let it go"
    if played.stopped:
        return "brought a match, stopped away from the requester"
    if any(instruction.matches(it) and cell in instruction.goal_cells
           for cell, it in zip(played.cells, played.carried, strict=True)):
        return "timeout holding a match, was back but never stopped"
    return "timeout holding a match, never got back"


def route_progress(path: Sequence[Pos], route: Sequence[Pos], skip: int = ROUTE_SKIP) -> int:
    """The index of the furthest route cell reached while following ``route``.

    Walking ``path`` in order from ``p = 0``, a visit to ``route[j]`` with
    ``p < j <= p + skip`` moves ``p`` to ``j``; a route cell further on is not reached by
    following (the agent wandered onto it).
    """
    where: dict[Pos, list[int]] = {}
    for j, cell in enumerate(route):
        where.setdefault(tuple(cell), []).append(j)
    p = 0
    for cell in path:
        ahead = [j for j in where.get(tuple(cell), ()) if p < j <= p + skip]
        if ahead:
            p = max(ahead)
    return p


def route_cause(played: Replay) -> str:
    """The cause of a failed ``follow_route`` episode (module docstring)."""
    run = played.run
    instruction = _instruction(played, FollowRoute, "route_cause")
    route, state = instruction.route, run.state
    if played.visited(instruction.goal_cells):
        return ("passed the end, stopped elsewhere" if played.stopped
                else "reached the end, never stopped")
    if state.pos in route:
        return "stopped early on the route" if played.stopped else "timeout on the route"
    p = route_progress(state.path, route)
    if p == 0:
        return "left the route at its start"
    leg = max(k for k, lg in enumerate(route_legs(run.house, route)) if lg.first <= p)
    return f"left the route in leg {leg + 1}"


def sequence_cause(played: Replay) -> str:
    """The cause of a failed ``sequence`` episode (module docstring)."""
    run = played.run
    instruction = _instruction(played, SequenceInstr, "sequence_cause")
    done, end = instruction.done, "stopped" if played.stopped else "timeout"
    n = len(instruction.parts)
    order = spoken_order("" if run.episode is None else run.episode.instruction)

    def said(part: int) -> str:
        if sorted(order) != list(range(n)):
            return "order unknown"
        return "said first" if order[0] == part else "said later"

    if played.stopped and instruction.parts[-1].reached(run.state):
        return f"stopped at the last part's goal ({said(n - 1)}), skipped part {done + 1}"
    if played.stopped and done and instruction.parts[done - 1].reached(run.state):
        return f"stopped at part {done}'s goal ({said(done - 1)}), never went on"
    if done == 0:
        return f"never reached part 1, {end}"
    if played.stopped:
        return f"reached part {done}, stopped elsewhere"
    return f"reached part {done}, then timeout"


#: The classifier of each family.
CLASSIFIERS: dict[str, Callable[[Replay], str]] = {
    "go_to_room": room_cause,
    "go_to_object": object_cause,
    "fetch": fetch_cause,
    "follow_route": route_cause,
    "sequence": sequence_cause,
}


def failure_cause(episode: Episode, house: House, actions: Sequence[int],
                  view: int = 7) -> str | None:
    """Why ``episode`` failed when played with ``actions`` (module docstring), or
    ``None`` when it succeeded."""
    played = replay(episode, house, actions, view)
    if played.run.success:
        return None
    return CLASSIFIERS[episode.family](played)
