"""View questions with answers read off the view (:mod:`vlnenv.pretrain.scene`).

Five kinds, phrased with the shipped vocabulary's words only (it has no "what", "which",
"how" or "colour", so each kind has its own fixed wording):

=========  ======================================  ==================================
kind       question                                answer
=========  ======================================  ==================================
room       "where are you ?"                       the room type's word
exists     "is there a towel ?"                    ``yes`` / ``no``
color      "the towel is ?" (a unique object)      its colour
count      "all the towel ?"                       ``one`` / ``two`` / ``three``
side       "where is the towel ?" (unique)         ``left`` / ``ahead`` / ``right``
=========  ======================================  ==================================

Counts of three or more answer ``three``. The answer set is closed (:data:`ANSWERS`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from vlnenv.language.lexicon import ROOM_WORDS
from vlnenv.pretrain.scene import SIDES, object_name, room_here, things
from vlnenv.world.colors import Color
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

KINDS: tuple[str, ...] = ("room", "exists", "color", "count", "side")
COUNT_WORDS: tuple[str, ...] = ("one", "two", "three")
#: Every answer, in a fixed order (the answer head's classes).
ANSWERS: tuple[str, ...] = (("yes", "no") + tuple(c.word for c in Color)
                            + tuple(ROOM_WORDS[r][0] for r in RoomType) + COUNT_WORDS + SIDES)
TEMPLATES: dict[str, tuple[str, ...]] = {
    "room": ("where are you ?", "where is this ?"),
    "exists": ("is there a {noun} ?", "is there a {noun} here ?", "can you find a {noun} ?"),
    "color": ("the {noun} is ?", "look at the {noun} , it is ?"),
    "count": ("all the {noun} ?",),
    "side": ("where is the {noun} ?",),
}


@dataclass(frozen=True)
class Question:
    """One question about a view."""

    kind: str
    """One of :data:`KINDS`."""
    subject: int
    """:class:`ObjectKind` value asked about (-1 for ``room``)."""
    text: str
    """The question."""
    answer: str
    """The answer, one of :data:`ANSWERS`."""


def answer(codes: np.ndarray, kind: str, subject: int) -> str:
    """The answer to a question of ``kind`` about object kind ``subject`` in the view
    ``codes``, read off the view."""
    if kind == "room":
        return ROOM_WORDS[room_here(codes)][0]
    objects = [t for t in things(codes) if t.what == "object" and t.kind == subject]
    if kind == "exists":
        return "yes" if objects else "no"
    if kind == "count":
        return COUNT_WORDS[min(len(objects), 3) - 1]
    if len(objects) != 1:
        raise ValueError(f"a {kind} question needs exactly one {object_name(subject)} in "
                         f"view, found {len(objects)}")
    if kind == "color":
        return Color(objects[0].color).word
    if kind == "side":
        return objects[0].side(codes.shape[0])
    raise ValueError(f"unknown question kind {kind!r}; expected one of {KINDS}")


def _text(kind: str, subject: int, rng: np.random.Generator) -> str:
    options = TEMPLATES[kind]
    template = options[int(rng.integers(len(options)))]
    return template.format(noun=object_name(subject)) if subject >= 0 else template


def questions(codes: np.ndarray, rng: np.random.Generator) -> list[Question]:
    """Questions about one view: ``room``; ``exists`` for a visible object kind and for
    one absent kind (drawn); ``count`` for a visible kind; ``color`` and ``side`` for a
    kind seen exactly once."""
    counts = Counter(t.kind for t in things(codes) if t.what == "object")
    asked: list[tuple[str, int]] = [("room", -1)]
    absent = [k for k in ObjectKind if k not in counts]
    if absent:
        asked.append(("exists", int(absent[int(rng.integers(len(absent)))])))
    if counts:
        seen = sorted(counts)
        kind = seen[int(rng.integers(len(seen)))]
        asked += [("exists", kind), ("count", kind)]
        unique = [k for k in seen if counts[k] == 1]
        if unique:
            one = unique[int(rng.integers(len(unique)))]
            asked += [("color", one), ("side", one)]
    return [Question(k, s, _text(k, s, rng), answer(codes, k, s)) for k, s in asked]
