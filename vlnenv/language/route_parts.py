"""A route description cut into *parts*, each a short instruction with a place where it
is done: "Walk up to the chest of drawers, turn left and exit the bedroom. Enter the
kitchen and turn left, walk two steps and stop there." becomes

    walk up to the chest of drawers | turn left |
    exit the bedroom. enter the kitchen and turn left | walk two steps and stop there

the fine-grained sub-instructions of Hong et al. (2020), "Sub-Instruction Aware
Vision-and-Language Navigation" (FG-R2R), found here by the route parser's own clause
reading.

**From the words alone** (:func:`route_part_texts`): the text is read as route clauses
(the templates of :func:`vlnenv.language.parse_route.read_atoms`), taking the reading
with the fewest clauses (:func:`~vlnenv.language.parse_route.read_spans`). Each clause
ends a part, except a clause whose end the words leave open (:data:`OPEN_ENDED`: walking
past a piece and crossing a room go on to the next clause; leaving a room goes on into
the room entered, whose name says which door) and a clause followed by a bare "stop"
("walk two steps and stop there" is one part).

**Where each part ends on a route** (:func:`route_part_ends`): the describer that wrote
the words says where each clause leaves the reader
(:func:`vlnenv.language.route.route_clauses`: a turn on its cell facing the new way, a walk
where it stops, an entry on the room's first cell). The route is described again and its
clauses read the same way; when they are the text's clauses, each part ends where its
last clause does, and the last part at the route's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vlnenv.errors import ParseError, TaskError
from vlnenv.language.parse_route import (
    Atom,
    Span,
    chunk_words,
    is_route,
    read_spans,
    route_chunks,
    route_words,
)
from vlnenv.language.route import End, route_clauses
from vlnenv.world.house import House, Pos

#: Clauses whose end the words leave open: the part goes on with the next clause.
OPEN_ENDED = frozenset({"past", "cross", "leave"})
#: The clause that only says to stop: it joins the clause before it.
BARE_STOP = "stop"
#: Clause tables that share words ("turn right into the hall" enters on the right, or
#: enters and turns right): a clause is matched by its class and slot values.
SAME_CLASS = {"enter_side": "enter", "enter_turn": "enter", "enter_after_turn": "enter",
              "enter_around": "enter", "walk_stop_at": "stop_at"}


def part_groups(kinds: Sequence[str]) -> list[list[int]]:
    """Clause indices grouped into parts: a part ends after a clause unless the clause is
    :data:`OPEN_ENDED` or the next one is a bare stop; the last part ends at the end."""
    groups: list[list[int]] = [[]]
    for i, kind in enumerate(kinds):
        groups[-1].append(i)
        last = i == len(kinds) - 1
        if not last and kind not in OPEN_ENDED and kinds[i + 1] != BARE_STOP:
            groups.append([])
    return groups


def _text(words: Sequence[str]) -> str:
    """Words back to text, punctuation against the word before it."""
    return " ".join(words).replace(" ,", ",").replace(" .", ".")


def _parts(text: str) -> tuple[list[Span], list[list[int]], list[str]] | None:
    """The clauses of ``text``, their part groups and the parts' texts; ``None`` when it is
    not a route description."""
    chunks = route_chunks(text)
    if not is_route(chunks):
        return None
    words = chunk_words(chunks)
    spans = read_spans(words)
    if spans is None:
        return None
    groups = part_groups([atom[0] for atom, _, _ in spans])
    texts = [_text(words[spans[g[0]][1]: spans[g[-1]][2]]) for g in groups]
    return spans, groups, texts


def route_part_texts(text: str) -> list[str]:
    """The parts of a route description, in order (see the module docstring); ``[text]``
    when ``text`` is not one (no route word, or its words are not route clauses).

    Raises:
        ParseError: a word outside the vocabulary.
    """
    found = _parts(text)
    return [text] if found is None else found[2]


def part_atoms(text: str) -> list[list[Atom]] | None:
    """The clauses of each part of the route description ``text`` (see the module
    docstring), as the route parser reads them (``("steps", ("{steps}", 3))``,
    ``("turn_left",)``, ...); ``None`` when ``text`` is not read as route clauses.

    Raises:
        ParseError: a word outside the vocabulary.
    """
    found = _parts(text)
    if found is None:
        return None
    spans, groups, _ = found
    return [[spans[i][0] for i in group] for group in groups]


def route_part_ends(house: House, route: Sequence[Pos], heading: int,
                    text: str) -> list[tuple[str, End]] | None:
    """Each part of ``text`` (a description of ``route`` from ``heading``) with where on
    the route it is done: ``(i, h)``, on route cell ``i`` facing ``h`` (``None``: any; the
    last part ends at the route's end). ``None`` when the parts cannot be placed: the
    text's clauses are not the describer's for this route, or a part ends on a clause
    whose end the describer leaves open (see the module docstring).
    """
    try:
        found = _parts(text)
        clauses = route_clauses(house, route, heading, np.random.default_rng(0))
    except (ParseError, TaskError):
        return None
    if found is None:
        return None
    spans, groups, texts = found
    said: list[tuple[Atom, End | None]] = []
    for clause in clauses:
        read = read_spans(route_words(clause.text))
        if read is None:
            return None
        said += [(atom, clause.end if j == len(read) - 1 else None)
                 for j, (atom, _, _) in enumerate(read)]
    if [_kind(a) for a, _ in said] != [_kind(a) for a, _, _ in spans]:
        return None
    ends = [said[g[-1]][1] for g in groups[:-1]] + [(len(route) - 1, None)]
    if any(end is None for end in ends):
        return None
    return [(t, e) for t, e in zip(texts, ends, strict=True) if e is not None]


def _kind(atom: Atom) -> tuple[Any, ...]:
    """What must agree between two readings of one route: the clause's class and slot
    values (the words for them may differ)."""
    return (SAME_CLASS.get(atom[0], atom[0]), *(value for _, value in atom[1:]))
