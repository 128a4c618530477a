"""Trained and held-out phrasing: a fixed partition of the realiser's word choices.

Every choice set of :mod:`vlnenv.language.lexicon` with two or more alternatives (the
names of a room, furniture or object kind; a route sentence template; a family's verb
phrases; the politeness frames and sequence connectives) has some of its alternatives
listed in :data:`HELD_OUT` (about a quarter, at least one, never all) and the others
*trained*. Sets with one form (and :data:`~vlnenv.language.lexicon.ON_IN_ROOM`, whose two
forms differ in structure, not in words) are *shared*: said the same in every phrasing.

The realiser (:func:`vlnenv.language.realise.realise`) takes a :class:`Phrasing`:

* ``any``: every alternative, exactly as before this partition existed (the same seed
  gives the same text);
* ``trained``: trained and shared forms only: what training data is said in;
* ``held_out``: in every set that has held-out forms, only those; shared forms elsewhere.
  The ``*_phrasing`` splits of a suite say the same episodes as another split this way,
  to measure how a policy does on words and templates it never read in training.

A form is identified by its value (a string, a :class:`~vlnenv.language.lexicon.Noun`'s
text, or a verb-phrase template), so a string held out in one set is held out in every
set that contains it (``"step into the {room}"`` is in two). Tests check that every listed
form exists, that every set keeps at least one trained form and has at least one held-out
one, and that texts of one phrasing never contain a word only the other says.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from functools import cache
from typing import TypeVar

from vlnenv.errors import TaskError
from vlnenv.language import lexicon as lx

T = TypeVar("T")


class Phrasing(str, Enum):
    """Which alternatives the realiser may choose (see the module docstring)."""

    ANY = "any"
    TRAINED = "trained"
    HELD_OUT = "held_out"


#: Room names held out (one per room type that has several names).
HELD_OUT_ROOM_WORDS: frozenset[str] = frozenset({
    "washroom", "lounge", "study", "corridor", "utility room", "baby room",
    "exercise room", "larder", "conference room",
})
#: Furniture names held out.
HELD_OUT_FURNITURE_WORDS: frozenset[str] = frozenset({
    "night table", "closet", "chest of drawers", "bookcase", "couch", "easy chair",
    "TV cabinet", "countertop", "refrigerator", "cooker", "basin", "tub", "washer",
    "tumble dryer", "cot", "running machine", "tool bench", "cupboard", "houseplant",
})
#: Object nouns held out (:class:`~vlnenv.language.lexicon.Noun` texts).
HELD_OUT_NOUNS: frozenset[str] = frozenset({
    "cushion", "throw", "mug", "dish", "laptop computer", "cell phone", "TV remote",
    "bunch of keys", "bar of soap", "teddy", "cap", "spanner", "weight",
})
#: Referring, route and framing templates held out.
HELD_OUT_TEMPLATES: frozenset[str] = frozenset({
    # referring expressions
    "the {room} where the {furniture} is",
    "the {room} connected to {other}",
    "sitting on the {place}",
    # turns
    "make a right", "spin around", "make a left",
    # walks
    "move ahead {steps}",
    "continue straight until you hit the wall",
    "follow the {room} to the end",
    "go as far as the {furniture}",
    "walk by the {furniture}",
    "head across the {room}",
    "step out of the {room}",
    # entering
    "take the door on your {side} into the {room}",
    "enter the {room} ahead of you",
    "turn {side}, then go into the {room}",
    "step into the {room}",
    "walk into the {room}, then turn {turn}",
    "walk into the {room} and turn back",
    # stopping (and passing, in an earlier part of a sequence)
    "wait next to the {furniture}",
    "stop beside the {furniture}",
    "walk over to the {furniture} and wait there",
    "continue to the {furniture} and stop next to it",
    "head for the {furniture}",
    "stop right in the doorway",
    "head for the doorway",
    "wait at the entrance of the {room}",
    "halt",
    # frames and connectives
    "can you {vp}?",
    "I would like you to {vp}.",
    "{a}. After that, {b}",
    "start by {a_gerund}, then {b}",
    "{b}, but first {a}",
    "before you {b}, {a}",
    "from there, {b}",
    "your task is to {b}, but first do the following",
    "next, {b}",
})
#: Verb-phrase templates of the task families held out.
HELD_OUT_VERB_PHRASES: frozenset[tuple[tuple[str, str], ...]] = frozenset({
    (("visit", "{room}"),),
    (("walk", "over to {room}"),),
    (("make your way", "to {room}"), ("wait", "there")),
    (("approach", "{object}"),),
    (("get", "close to {object}"),),
    (("look for", "{object}"), ("stop", "when you reach {pronoun}")),
    (("pick up", "{object} in {room}"), ("bring", "{pronoun} to me")),
    (("head", "to {room}"), ("fetch", "{object} for me")),
    (("look for", "{object}"), ("bring", "{pronoun} back here")),
    (("pick up", "{object}"), ("take", "{pronoun} to me")),
})
#: Every held-out form.
HELD_OUT: frozenset[object] = (HELD_OUT_ROOM_WORDS | HELD_OUT_FURNITURE_WORDS | HELD_OUT_NOUNS
                               | HELD_OUT_TEMPLATES | HELD_OUT_VERB_PHRASES)


def choice_sets() -> dict[str, tuple[object, ...]]:
    """Every partitioned choice set of the lexicon, by name ("ROOM_WORDS.BATHROOM",
    "TURN_PHRASES.1", "WALK_STEPS"): the sets with two or more alternatives, less
    :data:`~vlnenv.language.lexicon.ON_IN_ROOM`."""
    out: dict[str, tuple[object, ...]] = {}
    for name in ("ROOM_WORDS", "FURNITURE_WORDS", "OBJECT_WORDS", "TURN_PHRASES"):
        for key, forms in getattr(lx, name).items():
            out[f"{name}.{getattr(key, 'name', key)}"] = tuple(forms)
    for name, value in vars(lx).items():
        if (name.isupper() and isinstance(value, tuple) and len(value) >= 2
                and name not in ("ON_IN_ROOM", "NUMBER_WORDS", "TENS_WORDS", "MOTION_VERBS")):
            out[name] = value
    return {k: v for k, v in out.items() if len(v) >= 2}


def form_key(option: object) -> object:
    """The value a form is identified by: a noun's text, otherwise the form itself."""
    return option.text if isinstance(option, lx.Noun) else option


@cache
def trained_forms() -> frozenset[object]:
    """Every form of a partitioned choice set that is not held out."""
    return frozenset(form_key(o) for forms in choice_sets().values() for o in forms
                     if form_key(o) not in HELD_OUT)


def allowed(options: Sequence[T], phrasing: Phrasing | str) -> Sequence[T]:
    """The alternatives of ``options`` that ``phrasing`` may say.

    ``any``: ``options`` itself (so the realiser draws exactly as without a partition);
    ``trained``: those not held out; ``held_out``: the held-out ones, or ``options`` when
    it holds only shared forms.

    Raises:
        TaskError: no alternative is left (a choice set the partition empties; the tests
            check no lexicon set does), or ``phrasing`` is unknown.
    """
    phrasing = as_phrasing(phrasing, "phrasing")
    if phrasing is Phrasing.ANY:
        return options
    if phrasing is Phrasing.TRAINED:
        kept = [o for o in options if form_key(o) not in HELD_OUT]
    else:
        kept = [o for o in options if form_key(o) in HELD_OUT]
        if not kept:
            if not any(form_key(o) in trained_forms() for o in options):
                kept = list(options)
    if not kept:
        raise TaskError(f"no {phrasing.value} phrasing among {list(options)!r}; expected each "
                        "choice set to keep trained and held-out forms")
    return kept


def says(form: object, phrasing: Phrasing | str) -> bool:
    """Whether ``phrasing`` may say ``form`` (a shared form: every phrasing)."""
    phrasing = as_phrasing(phrasing, "phrasing")
    key = form_key(form)
    if phrasing is Phrasing.TRAINED:
        return key not in HELD_OUT
    if phrasing is Phrasing.HELD_OUT:
        return key in HELD_OUT or key not in trained_forms()
    return True


def as_phrasing(value: str | Phrasing, where: str) -> Phrasing:
    """``value`` as a :class:`Phrasing`.

    Raises:
        TaskError: not one of ``any``, ``trained``, ``held_out``.
    """
    try:
        return Phrasing(value)
    except ValueError:
        raise TaskError(f"{where}: phrasing {value!r}; expected one of "
                        f"{[p.value for p in Phrasing]}") from None
