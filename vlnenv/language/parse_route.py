"""Route descriptions back to routes, by analysis by synthesis.

A route description ("Turn left and leave the bedroom. Enter the kitchen on your right and
stop next to the fridge.") is read into *atoms*: one per clause, naming the lexicon table
the clause comes from and its slot values (``("enter_side", 3, (KITCHEN, False))``). Some
clauses read two ways ("turn left into the kitchen" is both "turn, then enter" and
"enter, then turn"), so a text gives a *set* of atom sequences.

The sampler's routes are the shortest-path oracle's path from the start pose to an end
cell (:func:`vlnenv.tasks.sample._draw_follow_route`), and a route's description is
fixed by the route up to word choice. So the route a text describes is found by
describing the oracle's path to each candidate end cell and keeping the ends whose
description reads as an atom sequence the text also reads as. Candidates are the cells of
the rooms of the type the text names last (the start room when it names none), and only
routes through every room type the text names are described.

A text no candidate fits is walked literally when its clauses fix the way
(:mod:`vlnenv.language.walk`: "turn left and walk three steps"), and otherwise raises
:class:`~vlnenv.errors.RouteError`. Descriptions are
lossy (a last one-cell sidestep goes unsaid; "stop just inside the bedroom" is one or two
cells in), so several ends may fit: the text is read as the shortest fitting route when
every other fitting end lies on or next to its end (stopping at either then succeeds for
both), and refused with :class:`~vlnenv.errors.AmbiguousReferenceError` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

import numpy as np

from vlnenv.errors import AmbiguousReferenceError, ParseError, RouteError, TaskError
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.language import lexicon as lx
from vlnenv.language.chunks import NUMBERS, Chunk, names
from vlnenv.language.instructions import FollowRoute, Instruction
from vlnenv.language.legs import route_legs
from vlnenv.language.route import describe_route
from vlnenv.language.walk import walk_atoms
from vlnenv.world.dynamics import Pose
from vlnenv.world.house import CELL_FLOOR, House

#: Words that only route descriptions use: a text with one of them is read as a route.
ROUTE_WORDS = frozenset(
    "turn left right around step steps straight forward ahead leave exit past pass cross "
    "across through wall doorway door halt spin continue keep follow end entrance until "
    "hit directions route out soon".split())

#: Lexicon tables of route clauses, by atom name ("enter" merges the two tables the
#: describer draws from together).
TABLES: dict[str, tuple[str, ...]] = {
    "turn_right": lx.TURN_PHRASES[1], "turn_around": lx.TURN_PHRASES[2],
    "turn_left": lx.TURN_PHRASES[3], "steps": lx.WALK_STEPS, "wall": lx.WALK_TO_WALL,
    "end": lx.WALK_TO_END, "up_to": lx.WALK_UP_TO, "past": lx.WALK_PAST,
    "cross": lx.CROSS_ROOM, "leave": lx.LEAVE_ROOM, "enter_side": lx.ENTER_SIDE,
    "enter": lx.ENTER_AHEAD + lx.ENTER_PLAIN, "enter_after_turn": lx.ENTER_AFTER_TURN,
    "enter_turn": lx.ENTER_TURN, "enter_around": lx.ENTER_AROUND,
    "stop_at": lx.STOP_AT_FURNITURE, "walk_stop_at": lx.WALK_TO_STOP_AT_FURNITURE,
    "pass_at": lx.PASS_AT_FURNITURE, "stop_door": lx.STOP_IN_DOORWAY,
    "pass_door": lx.PASS_IN_DOORWAY, "stop_entering": lx.STOP_ON_ENTERING,
    "pass_entering": lx.PASS_ON_ENTERING, "stop": lx.STOP_HERE,
}
#: Words between clauses.
SEPARATORS: tuple[tuple[str, ...], ...] = (
    (",",), (".",), ("and",), ("then",), ("after", "that"), ("next",))
SIDES = {"left": 3, "right": 1}

Atom = tuple[Any, ...]
Template = tuple[str, ...]
#: A clause read from words ``start .. end - 1``.
Span = tuple[Atom, int, int]


def is_route(chunks: list[Chunk]) -> bool:
    """Whether the text uses a word only route descriptions use (or a step count)."""
    return any(c.text in ROUTE_WORDS or c.kind == "num" for c in chunks)


@cache
def _templates() -> dict[str, list[tuple[str, Template]]]:
    """Templates as word tuples (slots kept as ``{name}``), by first word."""
    out: dict[str, list[tuple[str, Template]]] = {}
    for name, table in TABLES.items():
        for template in table:
            words = tuple(w for w in template.lower().replace(",", " , ").split())
            out.setdefault(words[0], []).append((name, words))
    return out


def _slot(slot: str, words: list[str], i: int) -> Iterator[tuple[int, Any]]:
    """``(end, value)`` for each way the slot can be read at ``i``."""
    if slot in ("{side}", "{turn}"):
        if i < len(words) and words[i] in SIDES:
            yield i + 1, SIDES[words[i]]
        return
    if slot == "{steps}":
        for n in (2, 1):
            number = " ".join(words[i: i + n])
            if number in NUMBERS and i + n < len(words) and words[i + n] in ("step", "steps"):
                yield i + n + 1, NUMBERS[number]
        return
    kind = "room" if slot == "{room}" else "furn"
    nxt = kind == "room" and i < len(words) and words[i] == "next"
    j = i + 1 if nxt else i
    for n in (4, 3, 2, 1):
        found = names().get(tuple(words[j: j + n])) if j + n <= len(words) else None
        if found is not None and found[0] == kind:
            yield j + n, (found[1], nxt) if kind == "room" else found[1]


def _match(template: Template, words: list[str], i: int,
           slots: tuple[Any, ...] = ()) -> Iterator[tuple[int, tuple[Any, ...]]]:
    if not template:
        yield i, slots
        return
    head, rest = template[0], template[1:]
    if head.startswith("{"):
        for end, value in _slot(head, words, i):
            yield from _match(rest, words, end, (*slots, (head, value)))
    elif i < len(words) and words[i] == head:
        yield from _match(rest, words, i + 1, slots)


def read_atoms(words: list[str]) -> frozenset[tuple[Atom, ...]]:
    """Every way to read ``words`` as a sequence of route clauses (empty: none)."""
    memo: dict[int, frozenset[tuple[Atom, ...]]] = {}
    templates = _templates()

    def rest(i: int) -> frozenset[tuple[Atom, ...]]:
        if i == len(words):
            return frozenset({()})
        if i in memo:
            return memo[i]
        memo[i] = frozenset()
        out: set[tuple[Atom, ...]] = set()
        for sep in SEPARATORS:
            if tuple(words[i: i + len(sep)]) == sep:
                out |= rest(i + len(sep))
        for name, template in templates.get(words[i], []):
            for end, slots in _match(template, words, i):
                atom = (name, *sorted(slots, key=lambda s: s[0]))
                out |= {(atom, *tail) for tail in rest(end)}
        memo[i] = frozenset(out)
        return memo[i]

    return rest(0)


def read_spans(words: Sequence[str]) -> list[Span] | None:
    """The reading of ``words`` as route clauses (see :func:`read_atoms`) with the fewest
    clauses (ties: the first in template order), each with the words it covers; ``None``
    when they do not read as route clauses. Used to cut a description into parts
    (:mod:`vlnenv.language.route_parts`)."""
    words = list(words)
    templates = _templates()
    best: dict[int, tuple[Span, ...] | None] = {len(words): ()}
    for i in range(len(words) - 1, -1, -1):
        options: list[tuple[Span, ...]] = []
        for sep in SEPARATORS:
            tail = best.get(i + len(sep))
            if tuple(words[i: i + len(sep)]) == sep and tail is not None:
                options.append(tail)
        for name, template in templates.get(words[i], []):
            for end, slots in _match(template, words, i):
                tail = best.get(end)
                if tail is not None:
                    atom = (name, *sorted(slots, key=lambda s: s[0]))
                    options.append(((atom, i, end), *tail))
        best[i] = min(options, key=len) if options else None
    out = best[0]
    return list(out) if out else None


def _rooms_said(readings: frozenset[tuple[Atom, ...]]) -> tuple[set[Any], set[Any]]:
    """Room types named anywhere, and those named last, over all readings."""
    said, last = set(), set()
    for atoms in readings:
        types = [value[0] for atom in atoms for slot, value in atom[1:] if slot == "{room}"]
        said.update(types)
        if types:
            last.add(types[-1])
    return said, last


def _candidates(house: House, start: Pose, last: set[Any], door: bool) -> list[tuple[int, int]]:
    start_room = house.room_of(start[:2])
    walk = house.traversable_mask()
    out = []
    for r, c in np.argwhere(walk).tolist():
        room = house.room_of((r, c))
        if (r, c) == tuple(start[:2]):
            continue
        if room is None:
            if door and int(house.structure[r, c]) != CELL_FLOOR:
                out.append((r, c))
        elif (house.rooms[room].type in last) if last else room == start_room:
            out.append((r, c))
    return out


def parse_route(chunks: list[Chunk], house: House, start: Pose | None) -> Instruction:
    """The :class:`FollowRoute` whose description ``chunks`` are (see the module
    docstring)."""
    said = " ".join(c.text for c in chunks)
    if start is None:
        raise RouteError("a route description needs the start pose: pass start=(row, col, "
                         "heading)")
    words = said.split()
    readings = read_atoms(words)
    if not readings:
        raise ParseError(f"could not read {said!r} as a route: expected clauses such as "
                         "'turn left', 'walk three steps', 'leave the kitchen'")
    rooms, last = _rooms_said(readings)
    door = any(atom[0] in ("stop_door", "pass_door") for atoms in readings for atom in atoms)
    oracle = Oracle(house)
    pose = (int(start[0]), int(start[1]), int(start[2]) % 4)
    fits = []
    for end in _candidates(house, pose, last, door):
        try:
            path = oracle.path(pose, Goal.stand([end]))
            if len(path) < 2:
                continue
            types = {house.rooms[leg.room].type for leg in route_legs(house, path)}
            if not rooms <= types:
                continue
            text = describe_route(house, path, pose[2], np.random.default_rng(0))
        except TaskError:
            continue
        words_of = route_words(text)
        if read_atoms(words_of) & readings:
            fits.append(path)
    if not fits:
        return _literal(house, pose, readings, said)
    best = FollowRoute(house, min(fits, key=len), pose[2])
    others = sorted({tuple(p[-1]) for p in fits} - best.goal_cells)
    if others:
        raise AmbiguousReferenceError(
            f"the route could end at {list(best.route[-1])} or at "
            f"{', '.join(str(list(c)) for c in others)} - say where to stop")
    return best


def _literal(house: House, pose: Pose, readings: frozenset[tuple[Atom, ...]],
             said: str) -> Instruction:
    """The route walked clause by clause (:mod:`vlnenv.language.walk`), when the words
    fix one; otherwise :class:`RouteError`."""
    paths, reasons = set(), []
    for atoms in readings:
        try:
            path = walk_atoms(house, pose, atoms)
        except RouteError as err:
            reasons.append(str(err))
            continue
        if path is not None and len(path) >= 2:
            paths.add(tuple(path))
    if len(paths) == 1:
        return FollowRoute(house, list(paths.pop()), pose[2])
    if len(paths) > 1:
        ends = sorted({p[-1] for p in paths})
        raise AmbiguousReferenceError(f"{said!r} can be walked to {ends} - say where to stop")
    why = f": {reasons[0]}" if reasons else ""
    raise RouteError(f"no way from {list(pose)} in this house fits {said!r}{why}")


def chunk_words(chunks: list[Chunk]) -> list[str]:
    """The words of ``chunks`` as the clause templates are matched against (a name of
    several words is several words)."""
    return " ".join(c.text for c in chunks).split()


def route_words(text: str) -> list[str]:
    """The words of ``text`` as the route parser reads them (punctuation as ``","`` and
    ``"."`` words).

    Raises:
        ParseError: a word outside the vocabulary (:class:`~vlnenv.errors.UnknownWordError`).
    """
    return chunk_words(route_chunks(text))


def route_chunks(text: str) -> list[Chunk]:
    """The chunks of ``text``, a question mark read as a full stop."""
    from vlnenv.language.chunks import chunk

    return [c if c.text != "?" else Chunk("punct", ".", ".", c.pos) for c in chunk(text)]
