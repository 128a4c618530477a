"""Instructions as composable objects, after BabyAI's ``verifier.py``. Their ``verify`` is
the twin of :mod:`vlnenv.vector.flat_tasks` with :mod:`vlnenv.vector.outcomes`, which give the
same verdicts for many episodes from array data (``tests/vlnenv/vector/test_twins.py``).

Each instruction is bound to a house and knows

* ``to_task()``: its structured form (a JSON-able dict stored in episode records) —
  :func:`instruction_from_task` turns it back into an object;
* ``surface(rng)``: one of many English paraphrases (see :mod:`vlnenv.language.realise`);
* ``goal_cells``: where stopping can succeed (used by metrics: navigation error, SR);
* ``verify(state)``: :class:`Verdict` after each step. Nothing succeeds before ``stop``
  (as in R2R and Habitat); a stop anywhere else fails;
* ``reached(state)``: whether the agent is where the instruction leads, used by
  sequences to mark a part done as the agent passes through;
* ``stage(state)``: what an expert should do next (a :class:`Stage`: stand on or face
  some cells, then an action).

Families: ``go_to_room``, ``go_to_object``, ``fetch``, ``follow_route`` and ``sequence``
(parts done in order; "A, then B" and "B after you A" are the same task read two ways).
A sequence fails when its parts are done out of order: it succeeds only if each earlier
part was reached, in order, before the last part holds at stop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.language.refer import ObjectDesc, RoomDesc
from vlnenv.language.room_cues import cue_cells
from vlnenv.language.task_fields import task_cell, task_enum, task_field, task_room
from vlnenv.language.verdict import Verdict
from vlnenv.world.colors import Color
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import House, Item, Pos
from vlnenv.world.objects import ObjectKind

FAMILIES: tuple[str, ...] = ("go_to_room", "go_to_object", "fetch", "follow_route", "sequence")


@dataclass(frozen=True)
class Stage:
    """One step of an expert's plan.

    Attributes:
        mode: ``"stand"`` (stand on one of ``cells``) or ``"face"`` (stand next to and
            face one of ``cells``).
        cells: target cells.
        then: action to take once there (``STOP``, ``PICKUP``) or ``None`` to move on.
        evidence: the cells that are the target in the view (a demonstration's goal
            targets, :class:`~vlnenv.tasks.run.RunTrace`), and whose sight tells an
            explorer where the target is (defaults to ``cells``).
        found_by: cells whose sight tells an explorer that the target is the one meant,
            where the view of the target does not (a room the words tell apart by its
            furniture or a neighbour, :mod:`vlnenv.language.room_cues`); ``None``: as
            ``evidence``.
    """

    mode: str
    cells: frozenset[Pos]
    then: Action | None
    evidence: frozenset[Pos] | None = None
    found_by: frozenset[Pos] | None = None


def _stop_verdict(state: EpisodeState, ok: bool) -> Verdict:
    if not state.stopped:
        return Verdict.CONTINUE
    return Verdict.SUCCESS if ok else Verdict.FAILURE


def _adjacent_passable(house: House, cells: Iterable[Pos]) -> frozenset[Pos]:
    return frozenset(nb for cell in cells for nb in house.neighbours(cell))


def object_goal_cells(house: House, cell: Pos) -> frozenset[Pos]:
    """Cells that count as "at" an object lying on ``cell``: the cell itself when it is
    floor, and the passable cells next to it; for an object on furniture with no
    passable neighbour, the passable cells next to the piece of furniture."""
    goal = set(_adjacent_passable(house, [cell]))
    if house.passable(cell):
        goal.add(cell)
    if not goal:
        piece = house.piece_at(cell)
        if piece is not None:
            goal |= _adjacent_passable(house, piece.cells)
    return frozenset(goal)


class Instruction(ABC):
    """Base class: an instruction bound to a house."""

    family: ClassVar[str]

    def __init__(self, house: House) -> None:
        self.house = house

    @property
    @abstractmethod
    def goal_cells(self) -> frozenset[Pos]:
        """Cells where stopping can succeed."""

    @abstractmethod
    def to_task(self) -> dict[str, Any]:
        """The structured, JSON-able form of the task."""

    @abstractmethod
    def stage(self, state: EpisodeState) -> Stage:
        """What an expert should do next from ``state``."""

    def reset(self, state: EpisodeState) -> None:  # noqa: B027 - optional hook
        """Forget progress (called at the start of each episode)."""

    def reached(self, state: EpisodeState) -> bool:
        """Whether the agent is now where the instruction leads."""
        return state.pos in self.goal_cells

    def verify(self, state: EpisodeState) -> Verdict:
        """Success or failure at stop, ``CONTINUE`` before."""
        return _stop_verdict(state, self.reached(state))

    def surface(self, rng: np.random.Generator, phrasing: str = "any") -> str:
        """An English paraphrase of the task, chosen with ``rng`` among the forms
        ``phrasing`` allows (``any``, ``trained``, ``held_out``: see
        :mod:`vlnenv.language.phrasing`)."""
        from vlnenv.language.realise import realise

        return realise(self.to_task(), self.house, rng, phrasing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instruction) and self.to_task() == other.to_task()

    def __hash__(self) -> int:
        return hash(repr(self.to_task()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_task()})"


class GoToRoom(Instruction):
    """Go to a room and stop inside it ("go to the kitchen").

    ``cue`` is the description the words give the room ("the bedroom with the desk"), when
    known (:func:`vlnenv.language.parse` sets it): an explorer then knows the room only once
    it has seen what the words tell it apart by (:func:`~vlnenv.language.room_cues.
    cue_cells`, the stage's ``found_by``); the room's floor stays the target. It is not
    part of the task: two instructions that name the same room are equal whatever their
    words.
    """

    family = "go_to_room"

    def __init__(self, house: House, room: int, cue: RoomDesc | None = None) -> None:
        super().__init__(house)
        if not 0 <= room < len(house.rooms):
            raise TaskError(f"room index {room} out of range 0..{len(house.rooms) - 1}")
        self.room = room
        self.cue = cue
        self._goal = frozenset(house.room_cells(room))
        self._found_by = cue_cells(house, room, cue)

    @property
    def goal_cells(self) -> frozenset[Pos]:
        return self._goal

    def to_task(self) -> dict[str, Any]:
        return {"family": self.family, "room": self.house.rooms[self.room].letter}

    def stage(self, state: EpisodeState) -> Stage:
        return Stage("stand", self._goal, Action.STOP, None, self._found_by)


class GoToObject(Instruction):
    """Go to one particular object and stop next to it ("walk over to the blue towel").

    ``cue`` is the description the words give the object ("the red cup in the kitchen"),
    when known (:func:`vlnenv.language.parse` sets it). Like :attr:`GoToRoom.cue` it is not
    part of the task.
    """

    family = "go_to_object"

    def __init__(self, house: House, item: Item, cue: ObjectDesc | None = None) -> None:
        super().__init__(house)
        if house.object_at(item.cell) != item:
            raise TaskError(f"no {item.color.word} {item.kind.word} at {item.cell} in "
                            f"house {house.name!r}")
        self.item = item
        self.cue = cue
        self._goal = object_goal_cells(house, item.cell)
        if not self._goal:
            raise TaskError(f"{item.kind.word} at {item.cell} cannot be approached")

    @property
    def goal_cells(self) -> frozenset[Pos]:
        return self._goal

    def to_task(self) -> dict[str, Any]:
        return {"family": self.family, "object": _item_json(self.item)}

    def stage(self, state: EpisodeState) -> Stage:
        return Stage("stand", self._goal, Action.STOP, frozenset([self.item.cell]))


class Fetch(Instruction):
    """Find an object matching a description, pick it up and bring it back to the
    requester, who waits at the start ("go to the bedroom and bring me a pillow").

    Any object whose kind (and colour and starting room, when given) match counts.
    Success: stop carrying a matching object on the start cell or next to it.
    """

    family = "fetch"

    def __init__(
        self,
        house: House,
        kind: ObjectKind,
        start: Pos,
        color: Color | None = None,
        room: int | None = None,
    ) -> None:
        super().__init__(house)
        self.kind, self.color, self.room = kind, color, room
        self.start = (int(start[0]), int(start[1]))
        self.targets = frozenset(item.cell for item in house.objects_where(kind, color, room))
        if not self.targets:
            raise TaskError(f"no object matches {self.to_task()['object']} in "
                            f"house {house.name!r}")
        self._goal = frozenset([self.start, *house.neighbours(self.start)])

    @property
    def goal_cells(self) -> frozenset[Pos]:
        return self._goal

    def matches(self, item: Item | None) -> bool:
        """Whether ``item`` (identified by its starting cell) is one the task asks for."""
        return item is not None and item.cell in self.targets

    def reached(self, state: EpisodeState) -> bool:
        return self.matches(state.carrying) and state.pos in self._goal

    def to_task(self) -> dict[str, Any]:
        room = None if self.room is None else self.house.rooms[self.room].letter
        color = None if self.color is None else self.color.word
        return {
            "family": self.family,
            "object": {"kind": self.kind.word, "color": color, "room": room},
            "requester": list(self.start),
        }

    def stage(self, state: EpisodeState) -> Stage:
        if self.matches(state.carrying):
            return Stage("stand", self._goal, Action.STOP)
        if state.carrying is not None:  # holding something else: the expert never does this
            return Stage("face", frozenset(_free_cells_around(state)), Action.DROP)
        cells = frozenset(c for c, it in state.objects.items() if self.matches(it))
        return Stage("face", cells, Action.PICKUP)


class FollowRoute(Instruction):
    """Follow a described route and stop where it ends (R2R-style). ``heading`` is the
    agent's heading at the route's first cell (so "turn left" can be said). Success: stop
    on the route's last cell or next to it; how faithfully the route was followed is measured by
    nDTW/SDTW/CLS against the reference path."""

    family = "follow_route"

    def __init__(self, house: House, route: Sequence[Pos], heading: int = 0) -> None:
        super().__init__(house)
        self.heading = int(heading) % 4
        self.route = tuple((int(r), int(c)) for r, c in route)
        if len(self.route) < 2:
            raise TaskError("a route needs at least two cells")
        end = self.route[-1]
        self._goal = frozenset([end, *house.neighbours(end)])

    @property
    def goal_cells(self) -> frozenset[Pos]:
        return self._goal

    def to_task(self) -> dict[str, Any]:
        return {"family": self.family, "heading": self.heading,
                "route": [list(c) for c in self.route]}

    def stage(self, state: EpisodeState) -> Stage:
        return Stage("stand", frozenset([self.route[-1]]), Action.STOP)


class SequenceInstr(Instruction):
    """Parts done in order: "go to the kitchen, then go to the bathroom" (``then``) or
    "go to the bathroom after you go to the kitchen" (``after``, same task)."""

    family = "sequence"
    CONNECTIVES = ("then", "after")

    def __init__(self, house: House, parts: Sequence[Instruction], connective: str = "then"):
        super().__init__(house)
        if len(parts) < 2:
            raise TaskError("a sequence needs at least two parts")
        for part in parts[:-1]:
            if isinstance(part, SequenceInstr | Fetch):
                raise TaskError(f"a {part.family} cannot be an earlier part of a sequence")
        if connective not in self.CONNECTIVES:
            raise TaskError(f"connective must be one of {self.CONNECTIVES}, got {connective!r}")
        self.parts = tuple(parts)
        self.connective = connective
        self.done = 0

    @property
    def goal_cells(self) -> frozenset[Pos]:
        return self.parts[-1].goal_cells

    def to_task(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "connective": self.connective,
            "parts": [p.to_task() for p in self.parts],
        }

    def reset(self, state: EpisodeState) -> None:
        self.done = 0
        for part in self.parts:
            part.reset(state)
        self._advance(state)

    def _advance(self, state: EpisodeState) -> None:
        while self.done < len(self.parts) - 1 and self.parts[self.done].reached(state):
            self.done += 1

    def reached(self, state: EpisodeState) -> bool:
        return self.done == len(self.parts) - 1 and self.parts[-1].reached(state)

    def verify(self, state: EpisodeState) -> Verdict:
        self._advance(state)
        return _stop_verdict(state, self.reached(state))

    def stage(self, state: EpisodeState) -> Stage:
        self._advance(state)
        part = self.parts[self.done]
        inner = part.stage(state)
        if self.done < len(self.parts) - 1 and inner.then == Action.STOP:
            return Stage(inner.mode, inner.cells, None, inner.evidence, inner.found_by)
        return inner


def _free_cells_around(state: EpisodeState) -> list[Pos]:
    return [nb for nb in state.house.neighbours(state.pos) if nb not in state.objects]


def _item_json(item: Item) -> dict[str, Any]:
    return {"kind": item.kind.word, "color": item.color.word, "cell": list(item.cell)}


def instruction_from_task(task: dict[str, Any], house: House, where: str = "task") -> Instruction:
    """Rebuild an instruction from its structured form; raises :class:`TaskError` naming
    the offending field."""
    family = task_field(task, "family", where)
    if family == "go_to_room":
        return GoToRoom(house, task_room(house, task_field(task, "room", where), f"{where}.room"))
    if family == "go_to_object":
        obj = task_field(task, "object", where)
        cell = task_cell(task_field(obj, "cell", f"{where}.object"), f"{where}.object.cell")
        item = house.object_at(cell)
        kind = task_enum(ObjectKind, task_field(obj, "kind", f"{where}.object"),
                         f"{where}.object.kind")
        color = task_enum(Color, task_field(obj, "color", f"{where}.object"),
                          f"{where}.object.color")
        if item is None or item.kind != kind or item.color != color:
            raise TaskError(f"{where}.object: no {obj['color']} {obj['kind']} at {list(cell)}")
        return GoToObject(house, item)
    if family == "fetch":
        obj = task_field(task, "object", where)
        kind = task_enum(ObjectKind, task_field(obj, "kind", f"{where}.object"),
                         f"{where}.object.kind")
        color = obj.get("color")
        color = None if color is None else task_enum(Color, color, f"{where}.object.color")
        room = obj.get("room")
        room = None if room is None else task_room(house, room, f"{where}.object.room")
        start = task_cell(task_field(task, "requester", where), f"{where}.requester")
        return Fetch(house, kind, start, color, room)
    if family == "follow_route":
        route = task_field(task, "route", where)
        if not isinstance(route, list):
            raise TaskError(f"{where}.route: expected a list of cells")
        heading = task.get("heading", 0)
        if not isinstance(heading, int) or not 0 <= heading < 4:
            raise TaskError(f"{where}.heading: expected 0..3, got {heading!r}")
        cells = [task_cell(c, f"{where}.route[{i}]") for i, c in enumerate(route)]
        return FollowRoute(house, cells, heading)
    if family == "sequence":
        parts = task_field(task, "parts", where)
        if not isinstance(parts, list):
            raise TaskError(f"{where}.parts: expected a list of tasks")
        built = [instruction_from_task(p, house, f"{where}.parts[{i}]")
                 for i, p in enumerate(parts)]
        return SequenceInstr(house, built, task.get("connective", "then"))
    raise TaskError(f"{where}.family: unknown family {family!r}; expected one of {FAMILIES}")
