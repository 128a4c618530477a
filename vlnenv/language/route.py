"""Route descriptions in the style of Room-to-Room: "Turn around and leave the bedroom.
Turn left into the hallway and walk past the plant. Enter the kitchen on your right and
stop next to the fridge."

The route (a list of 4-adjacent cells) is cut into *legs*, one per room it passes through
(door cells belong to the leg before them). Each leg is cut into straight *runs*; a
one-cell sidestep between two runs of the same direction is absorbed, so a reader is
told about turns that matter (legs and runs: :mod:`vlnenv.language.legs`). Turns are
relative to the current heading (0 east, 1 south, 2 west, 3 north; a left turn takes ``h``
to ``(h - 1) % 4``). Each leg becomes one sentence:

* the first leg: the turn from the start heading, walks and turns, then "leave the
  bedroom" (or, when the route never leaves the room, the walk to the stop);
* a later leg: how the door is reached from the previous room (on your left or right
  when it is at most two steps from the last turn, "turn right and go into ..." when
  further, straight ahead), the turn on entering, then walks and turns;
* the last leg ends with where to stop: in the doorway, just inside the room, next to a
  piece of furniture that only this room has, or after a counted number of steps.

Walks are described by the furniture they pass or reach ("walk past the plant", "walk up
to the sofa": only pieces whose kind is unique in the room, so "the sofa" is clear), by
reaching a wall or the end of a hallway, or by a step count. Legs whose way zigzags are
summarised ("cross the living room"). All words come from :mod:`vlnenv.language.lexicon`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.language import lexicon as lx
from vlnenv.language.legs import Run, relative_turn, route_directions, route_legs, runs_between
from vlnenv.language.phrasing import Phrasing, allowed
from vlnenv.language.refer import furniture_word, pick, room_word
from vlnenv.world.house import (
    CELL_DOOR_CLOSED,
    CELL_DOOR_OPEN,
    CELL_FLOOR,
    CELL_WALL,
    DIRECTIONS,
    House,
    Piece,
    Pos,
)
from vlnenv.world.rooms import RoomType

_OPENING = frozenset({CELL_FLOOR, CELL_DOOR_OPEN, CELL_DOOR_CLOSED})

#: Runs per leg beyond which the leg is summarised instead of told turn by turn.
MAX_RUNS_TOLD = 3
#: The same for the first leg, which is summarised as "turn left and leave the bedroom".
MAX_LEAVE_RUNS_TOLD = 2
#: Clauses per sentence at most.
MAX_CLAUSES = 4
#: Short legs share a sentence while it has at most this many clauses.
MERGED_CLAUSES = 3
#: Steps from the last turn to a door within which the door is "on your left/right".
SIDE_DOOR_STEPS = 2

STRAIGHT, RIGHT, AROUND, LEFT = 0, 1, 2, 3

#: Where a clause leaves the reader: ``(i, heading)``, standing on route cell ``i`` and
#: facing ``heading`` (``None``: any); a clause whose end the words do not fix (a walk past
#: a piece, leaving a room) has ``None`` (:func:`route_clauses`).
End = tuple[int, int | None]


class Clause(NamedTuple):
    """One clause of a description and where it leaves the reader."""

    text: str
    end: End | None

#: How a leg is left: ("leave" | "ahead" | "side" | "far" | "plain" | "end", turn).
Exit = tuple[str, int]
END: Exit = ("end", STRAIGHT)
PLAIN: Exit = ("plain", STRAIGHT)


# ---------------------------------------------------------------------------- landmarks
class _Room:
    """What the describer needs to know about one room."""

    def __init__(self, house: House, room: int, word: str) -> None:
        self.type: RoomType = house.rooms[room].type
        self.word = word
        pieces = house.furniture_in_room(room)
        kinds = [p.kind for p in pieces]
        #: Pieces whose kind is unique in the room ("the sofa" is clear there).
        self.landmarks: list[Piece] = [p for p in pieces if kinds.count(p.kind) == 1]

    def touching(self, cell: Pos) -> list[Piece]:
        return [p for p in self.landmarks
                if any(abs(cell[0] - a) + abs(cell[1] - b) == 1 for a, b in p.cells)]


def _first_touch(room: _Room, cells: Sequence[Pos], piece: Piece) -> int | None:
    for i, cell in enumerate(cells):
        if piece in room.touching(cell):
            return i
    return None


# ---------------------------------------------------------------------------- phrasing
class _Describer:
    """Builds the clauses of one route description."""

    def __init__(self, house: House, route: Sequence[Pos], heading: int,
                 rng: np.random.Generator, final: bool,
                 phrasing: Phrasing = Phrasing.ANY) -> None:
        self.house = house
        self.phrasing = phrasing
        self.route = [tuple(c) for c in route]
        self.heading = heading % 4
        self.rng = rng
        self.final = final
        self.dirs = route_directions(self.route)
        self.used: set[str] = set()
        self.legs = route_legs(house, self.route)
        words = {t: room_word(t, rng, phrasing) for t in sorted({house.rooms[g.room].type
                                                       for g in self.legs})}
        self.rooms: list[_Room] = []
        for k, leg in enumerate(self.legs):
            rtype = house.rooms[leg.room].type
            same = k > 0 and house.rooms[self.legs[k - 1].room].type == rtype
            word = lx.NEXT_ROOM.format(room=words[rtype]) if same else words[rtype]
            self.rooms.append(_Room(house, leg.room, word))

    def pick(self, options: Sequence[str], **slots: str) -> str:
        """One of ``options`` that the phrasing allows, filled; options used before in
        this description are avoided while others remain."""
        options = allowed(options, self.phrasing)
        fresh = tuple(o for o in options if o not in self.used) or tuple(options)
        choice = pick(self.rng, fresh)
        self.used.add(choice)
        return choice.format(**slots)

    def furniture(self, piece: Piece) -> str:
        return furniture_word(piece.kind, self.rng, self.phrasing)

    def turn(self, rel: int) -> str:
        return self.pick(lx.TURN_PHRASES[rel])

    # ---------------------------------------------------------------- walks
    def walk(self, room: _Room, run: Run, blocked_after: bool) -> str:
        """How far to walk along ``run`` before the next turn."""
        cells = self.route[run.start: run.end + 1]
        for piece in room.touching(cells[-1]):
            if _first_touch(room, cells[1:], piece) == len(cells) - 2:
                return self.pick(lx.WALK_UP_TO, furniture=self.furniture(piece))
        if blocked_after and run.steps >= 2:
            if room.type == RoomType.HALLWAY:
                return self.pick(lx.WALK_TO_END, room=room.word)
            return self.pick(lx.WALK_TO_WALL)
        return self.pick(lx.WALK_STEPS, steps=lx.steps_phrase(run.steps))

    def past(self, room: _Room, cells: Sequence[Pos]) -> str | None:
        """"walk past the plant" for a landmark beside ``cells``, or ``None``."""
        for cell in cells:
            for piece in room.touching(cell):
                return self.pick(lx.WALK_PAST, furniture=self.furniture(piece))
        return None

    def past_to_door(self, k: int, room: _Room, run: Run, side: int) -> str | None:
        """"walk past the plant" when the first opening on the ``side`` after the plant
        is where the route leaves at the end of ``run``; otherwise ``None``."""
        for i in range(run.start + 1, run.end):
            pieces = room.touching(self.route[i])
            if pieces:
                if any(self._opening_beside(k, self.route[j], side) for j in range(i, run.end)):
                    return None
                return self.pick(lx.WALK_PAST, furniture=self.furniture(pieces[0]))
        return None

    def _opening_beside(self, k: int, cell: Pos, side: int) -> bool:
        """Whether a door or another room lies straight to the ``side`` of ``cell``."""
        dr, dc = DIRECTIONS[side]
        r, c = cell[0] + dr, cell[1] + dc
        while self.house.room_of((r, c)) == self.legs[k].room \
                and int(self.house.structure[r, c]) == CELL_FLOOR:
            r, c = r + dr, c + dc
        return int(self.house.structure[r, c]) in _OPENING

    def blocked(self, run: Run) -> bool:
        """Whether a wall stands right after the end of ``run``."""
        r, c = self.route[run.end]
        dr, dc = DIRECTIONS[run.direction]
        return int(self.house.structure[r + dr, c + dc]) == CELL_WALL

    # ---------------------------------------------------------------- stops
    @property
    def stop(self) -> End:
        """The end of the route, facing any way."""
        return len(self.route) - 1, None

    def stop_clause(self, room: _Room, run: Run) -> list[Clause]:
        """Where to stop: at the end of ``run``, the last run told."""
        end = self.route[run.end]
        if self.house.room_of(end) is None:
            return [Clause(self.pick(lx.STOP_IN_DOORWAY if self.final else lx.PASS_IN_DOORWAY),
                           self.stop)]
        cells = self.route[run.start: run.end + 1]
        for piece in room.touching(end):
            first = _first_touch(room, cells[1:], piece)
            if first is not None and first >= len(cells) - 3:
                near = lx.STOP_AT_FURNITURE if run.steps <= 1 else lx.WALK_TO_STOP_AT_FURNITURE
                table = near if self.final else lx.PASS_AT_FURNITURE
                return [Clause(self.pick(table, furniture=self.furniture(piece)), self.stop)]
        walk = Clause(self.pick(lx.WALK_STEPS, steps=lx.steps_phrase(run.steps)),
                      (run.end, run.direction))
        return [walk, Clause(self.pick(lx.STOP_HERE), self.stop)] if self.final else [walk]

    def enter_stop(self, room: _Room) -> Clause:
        table = lx.STOP_ON_ENTERING if self.final else lx.PASS_ON_ENTERING
        return Clause(self.pick(table, room=room.word), self.stop)

    def entered(self, k: int) -> End:
        """Standing on leg ``k``'s first cell, facing the way it was entered."""
        first = self.legs[k].first
        return first, self.dirs[first - 1]

    # ---------------------------------------------------------------- legs
    def leg_runs(self, k: int) -> list[Run]:
        """The leg's runs; a first one-step run that is followed by a turn and more than
        one run is dropped (stepping in one cell further does not change the way)."""
        leg = self.legs[k]
        end = self.legs[k + 1].first if k + 1 < len(self.legs) else len(self.route) - 1
        last = k == len(self.legs) - 1
        runs = runs_between(self.dirs, leg.first, end, keep_last=last)
        jog = len(runs) >= (2 if last else 3) and runs[0].length == 1
        if jog and runs[0].direction % 2 != runs[1].direction % 2 and self._free_beside(runs):
            return runs[1:]
        ends_in_room = self.house.room_of(self.route[-1]) is not None
        if last and ends_in_room and len(runs) >= 2 and runs[-1].length == 1:
            return runs[:-1]  # stopping one cell short still stops next to the end
        return runs

    def _free_beside(self, runs: list[Run]) -> bool:
        """Whether the second run could be walked one cell back from the first run's
        step (so the step can go unsaid)."""
        dr, dc = DIRECTIONS[runs[0].direction]
        walk = self.house.traversable_mask()
        return all(walk[r - dr, c - dc] for r, c in self.route[runs[1].start: runs[1].end + 1])

    def bearing(self, cell: Pos, heading: int, target: Pos) -> int:
        """Where ``target`` lies seen from ``cell`` facing ``heading``: 0 ahead, 1 right,
        2 behind, 3 left."""
        dr, dc = target[0] - cell[0], target[1] - cell[1]
        fr, fc = DIRECTIONS[heading]
        rr, rc = DIRECTIONS[(heading + 1) % 4]
        ahead, right = dr * fr + dc * fc, dr * rr + dc * rc
        if abs(ahead) >= abs(right):
            return STRAIGHT if ahead >= 0 else AROUND
        return RIGHT if right > 0 else LEFT

    def exit_kind(self, k: int, runs: list[Run]) -> Exit:
        """How leg ``k`` is left, as ("leave"|"ahead"|"side"|"far", turn)."""
        if k == 0:
            return "leave", STRAIGHT
        if len(runs) == 1:
            return "ahead", STRAIGHT
        rel = relative_turn(runs[-2].direction, runs[-1].direction)
        in_room = self.legs[k].last + 1 - runs[-1].start
        return ("side" if in_room <= SIDE_DOOR_STEPS and rel != AROUND else "far"), rel

    def entry(self, k: int, how: Exit | None, turn: int | None,
              first_run: Run | None = None) -> list[Clause]:
        """Clauses that bring the reader into leg ``k``'s room; ``turn`` is the turn right
        after entering onto ``first_run`` (``None`` when the leg has no move)."""
        kind, rel = how or PLAIN
        word = self.rooms[k].word
        inside = self.entered(k)
        turned = None if first_run is None else (first_run.start, first_run.direction)
        if kind == "leave":
            if turn in (LEFT, RIGHT):
                return [Clause(self.pick(lx.ENTER_TURN, turn=lx.SIDE_WORDS[turn], room=word),
                               turned)]
            if turn == AROUND:
                return [Clause(self.pick(lx.ENTER_AROUND, room=word), turned)]
            return [Clause(self.pick(lx.ENTER_AHEAD + lx.ENTER_PLAIN, room=word), inside)]
        if kind == "side":
            first = self.pick(lx.ENTER_SIDE, side=lx.SIDE_WORDS[rel], room=word)
        elif kind == "far" and rel in (LEFT, RIGHT):
            first = self.pick(lx.ENTER_AFTER_TURN, side=lx.SIDE_WORDS[rel], room=word)
        elif kind == "far":
            first = f"{self.turn(AROUND)}{lx.AND}{self.pick(lx.ENTER_PLAIN, room=word)}"
        elif kind == "ahead":
            first = self.pick(lx.ENTER_AHEAD, room=word)
        else:
            first = self.pick(lx.ENTER_PLAIN, room=word)
        if turn in (None, STRAIGHT):
            return [Clause(first, inside)]
        return [Clause(first, inside), Clause(self.turn(turn), turned)]

    def describe_leg(self, k: int, how_in: Exit | None) -> tuple[list[Clause], Exit]:
        """Clauses of leg ``k`` (entered as ``how_in``) and how it is left."""
        leg = self.legs[k]
        room = self.rooms[k]
        runs = self.leg_runs(k)
        last = k == len(self.legs) - 1
        if last and k > 0 and leg.last - leg.first <= 1 \
                and self.house.room_of(self.route[-1]) is not None:
            return self._enter_and_stop(k, how_in), END
        heading = self.heading if k == 0 else self.dirs[leg.first - 1]
        turns = [relative_turn(heading, runs[0].direction)]
        turns += [relative_turn(a.direction, b.direction)
                  for a, b in zip(runs, runs[1:], strict=False)]
        how_out = END if last else self.exit_kind(k, runs)
        leaving = how_out[0] == "leave"
        if (len(runs) > (MAX_LEAVE_RUNS_TOLD if leaving else MAX_RUNS_TOLD)
                or (leaving and len(runs) == 2 and runs[0].steps == 1)):
            summary = self._summary(k, room, heading, how_in, how_out)
            if summary is not None:
                return summary
        clauses = [] if k == 0 else self.entry(k, how_in, turns[0], runs[0])
        told = runs if how_out[0] in ("end", "leave", "ahead") else runs[:-1]
        for j, run in enumerate(told):
            turn = [Clause(self.turn(turns[j]), (run.start, run.direction))] \
                if turns[j] and (j > 0 or k == 0) else []
            if j < len(runs) - 1:
                before_side = how_out[0] == "side" and j == len(runs) - 2
                passing = self.past_to_door(k, room, run, runs[-1].direction) \
                    if before_side else None
                walk = Clause(passing, None) if passing else Clause(
                    self.walk(room, run, self.blocked(run)), (run.end, run.direction))
                clauses += [*turn, walk]
            elif how_out[0] == "end":
                clauses += turn + self.stop_clause(room, run)
            elif how_out[0] == "leave":
                passing = self.past(room, self.route[run.start + 1: leg.last + 1])
                clauses += turn + ([Clause(passing, None)] if passing and len(clauses) < 2
                                   else [])
                clauses.append(Clause(self.pick(lx.LEAVE_ROOM, room=room.word), None))
            else:  # "ahead": the entry turn was told; say what is passed on the way out
                passing = self.past(room, self.route[run.start + 1: leg.last + 1])
                clauses += [Clause(passing, None)] if passing else []
        return clauses, how_out

    def _enter_and_stop(self, k: int, how_in: Exit | None) -> list[Clause]:
        """The turn towards leg ``k``'s door (made where the last run of leg ``k - 1``
        starts) and the stop on entering."""
        kind, rel = how_in or PLAIN
        turn = []
        if kind in ("side", "far") and rel != STRAIGHT:
            door = self.leg_runs(k - 1)[-1]
            turn = [Clause(self.turn(rel), (door.start, door.direction))]
        return turn + [self.enter_stop(self.rooms[k])]

    def _summary(self, k: int, room: _Room, heading: int, how_in: Exit | None,
                 how_out: Exit) -> tuple[list[Clause], Exit] | None:
        """A zigzagging leg in a few words: where its exit lies as seen on entering, or the
        furniture it stops at; ``None`` when its end needs the details."""
        leg = self.legs[k]
        entry = [] if k == 0 else self.entry(k, how_in, None)
        start = self.route[leg.first]
        if how_out[0] == "end":
            end = self.route[-1]
            pieces = room.touching(end) if self.house.room_of(end) is not None else []
            if not pieces:
                return None
            table = lx.WALK_TO_STOP_AT_FURNITURE if self.final else lx.PASS_AT_FURNITURE
            return entry + [Clause(self.pick(table, furniture=self.furniture(pieces[0])),
                                   self.stop)], END
        side = self.bearing(start, heading, self.route[leg.last + 1])
        if how_out[0] == "leave":
            turn = [Clause(self.turn(side), (leg.first, (heading + side) % 4))] if side else []
            return turn + [Clause(self.pick(lx.LEAVE_ROOM, room=room.word), None)], how_out
        cross = [Clause(self.pick(lx.CROSS_ROOM, room=room.word), None)]
        if side in (LEFT, RIGHT):
            return entry + cross, ("side", side)
        return entry + cross, ("ahead" if side == STRAIGHT else "plain", STRAIGHT)


def describe_route(house: House, route_cells: Sequence[Pos], start_heading: int,
                   rng: np.random.Generator, phrasing: Phrasing = Phrasing.ANY) -> str:
    """An R2R-style English description of a route.

    Args:
        house: the house the route lies in.
        route_cells: the route, 4-adjacent cells from start to end.
        start_heading: the heading at the first cell (0 east, 1 south, 2 west, 3 north).
        rng: the only source of randomness (synonyms and word order).
        phrasing: which alternatives may be said (:mod:`vlnenv.language.phrasing`).

    Returns:
        Sentences, each capitalised and ending with a period.

    Raises:
        TaskError: the route has fewer than two cells or is not connected.
    """
    return " ".join(capitalise(s) + "." for s in route_sentences(
        house, route_cells, start_heading, rng, phrasing=phrasing))


def route_sentences(house: House, route_cells: Sequence[Pos], start_heading: int,
                    rng: np.random.Generator, final: bool = True,
                    phrasing: Phrasing = Phrasing.ANY) -> list[str]:
    """The sentences of :func:`describe_route`, uncapitalised and without periods.

    Args:
        final: whether the route ends the task ("stop next to the fridge"); ``False``
            for an earlier part of a sequence ("walk up to the fridge").
        phrasing: which alternatives may be said (:mod:`vlnenv.language.phrasing`).
    """
    if len(route_cells) < 2:
        raise TaskError("a route needs at least two cells")
    d = _Describer(house, route_cells, start_heading, rng, final, phrasing)
    sentences: list[str] = []
    how: Exit | None = None
    pending: list[str] = []
    for k in range(len(d.legs)):
        clauses, how = d.describe_leg(k, how)
        if pending and len(pending) + len(clauses) > MERGED_CLAUSES:
            sentences += _sentences(pending, rng, phrasing)
            pending = []
        pending += [c.text for c in clauses]
    return sentences + _sentences(pending, rng, phrasing)


def route_clauses(house: House, route_cells: Sequence[Pos], start_heading: int,
                  rng: np.random.Generator) -> list[Clause]:
    """The clauses :func:`describe_route` says for a route, in order, each with where it
    leaves the reader (:data:`End`): a turn on the cell it is made, a walk where it
    ends, an entry on the room's first cell, a stop on the route's last cell; ``None``
    where the words leave it open (a walk past a piece, leaving a room, crossing one).

    Raises:
        TaskError: as :func:`describe_route`.
    """
    if len(route_cells) < 2:
        raise TaskError("a route needs at least two cells")
    d = _Describer(house, route_cells, start_heading, rng, True)
    out: list[Clause] = []
    how: Exit | None = None
    for k in range(len(d.legs)):
        clauses, how = d.describe_leg(k, how)
        out += clauses
    return out


def _sentences(clauses: list[str], rng: np.random.Generator,
               phrasing: Phrasing) -> list[str]:
    """Clauses joined into sentences of at most :data:`MAX_CLAUSES` clauses, split
    evenly."""
    out = []
    n = -(-len(clauses) // MAX_CLAUSES)
    size = -(-len(clauses) // max(n, 1))
    for i in range(0, len(clauses), size):
        text = join_clauses(clauses[i: i + size])
        if i:
            then = lx.THEN_SEP.strip(", ")
            openers = [o for o in lx.ROUTE_CONTINUE if then not in text.split() or then not in o]
            text = pick(rng, openers, phrasing).format(b=text)
        out.append(text)
    return out


def join_clauses(clauses: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c" (", then c" when b already has an "and")."""
    text = clauses[0] if clauses else ""
    for i, clause in enumerate(clauses[1:], start=1):
        if i < len(clauses) - 1:
            text += lx.LIST_SEP + clause
        elif lx.AND.strip() in clauses[i - 1].split() or lx.AND.strip() in clause.split():
            text += lx.THEN_SEP + clause
        else:
            text += lx.AND + clause
    return text


def capitalise(text: str) -> str:
    """Upper-case the first letter only ("TV" and the rest stay as they are)."""
    return text[:1].upper() + text[1:]
