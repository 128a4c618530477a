"""English surface forms of structured tasks.

:func:`realise` turns a task dict (see each instruction's ``to_task()`` in
:mod:`vlnenv.language.instructions`) into one paraphrase, chosen with the generator it is
given. Referents are described so that they pick out exactly one room or object
(:mod:`vlnenv.language.refer`); a task whose referent has no unambiguous description
raises :class:`~vlnenv.errors.TaskError` rather than being said ambiguously.

Parts of a task are verb phrases (:class:`Clause`) that can be inflected ("after going to
the kitchen", "once you have gone to the kitchen"), or, for routes, whole sentences. Only
the last part of a sequence may say "stop": an earlier one is passed through, not stopped
at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.language import lexicon as lx
from vlnenv.language.phrasing import Phrasing, allowed, as_phrasing, says
from vlnenv.language.refer import (
    choose,
    describe_object,
    describe_room,
    fetch_descriptions,
    pick,
)
from vlnenv.language.route import capitalise, route_sentences
from vlnenv.world.colors import Color
from vlnenv.world.house import House, Item
from vlnenv.world.objects import ObjectKind

#: Chance that a single-sentence instruction is said plainly (no "please", "could you").
PLAIN_SHARE = 0.5

Template = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Clause:
    """A verb phrase: ``(verb, rest)`` pairs joined by "and" ("find the kitchen and stop
    there"). Every verb is a key of :data:`~vlnenv.language.lexicon.VERB_FORMS`."""

    pairs: tuple[tuple[str, str], ...]

    def form(self, which: int) -> str:
        """0 base ("go to the kitchen"), 1 gerund ("going ..."), 2 participle ("gone ...")."""
        words = []
        for verb, rest in self.pairs:
            head = verb if which == 0 else lx.VERB_FORMS[verb][which - 1]
            words.append(f"{head} {rest}".strip())
        return lx.AND.join(words)

    @property
    def base(self) -> str:
        return self.form(0)


def _clause(template: Template, **slots: str) -> Clause:
    return Clause(tuple((verb, rest.format(**slots)) for verb, rest in template))


def _choose_template(rng: np.random.Generator, phrasing: Phrasing,
                     *tables: Sequence[Template]) -> Template:
    options = [t for table in tables for t in allowed(table, phrasing)]
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------------------- families
def _room_index(house: House, letter: Any, where: str) -> int:
    try:
        return house.room_index(letter)
    except KeyError:
        raise TaskError(f"{where}: no room {letter!r} in house {house.name!r}") from None


def _field(task: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(task, dict) or key not in task:
        raise TaskError(f"{where}: missing field {key!r}")
    return task[key]


def _go_to_room(task: dict[str, Any], house: House, rng: np.random.Generator,
                final: bool, phrasing: Phrasing) -> Clause:
    room = _room_index(house, _field(task, "room", "task"), "task.room")
    text = describe_room(house, room, rng, phrasing)
    tables = (lx.GO_TO_ROOM, lx.GO_TO_ROOM_FINAL) if final else (lx.GO_TO_ROOM,)
    return _clause(_choose_template(rng, phrasing, *tables), room=text)


def _item(task: dict[str, Any], house: House) -> Item:
    obj = _field(task, "object", "task")
    cell = tuple(_field(obj, "cell", "task.object"))
    item = house.object_at(cell)  # type: ignore[arg-type]
    if (item is None or item.kind.word != obj.get("kind")
            or item.color.word != obj.get("color")):
        raise TaskError(f"task.object: no {obj.get('color')} {obj.get('kind')} at {list(cell)} "
                        f"in house {house.name!r}")
    return item


def _go_to_object(task: dict[str, Any], house: House, rng: np.random.Generator,
                  final: bool, phrasing: Phrasing) -> Clause:
    text, pronoun = describe_object(house, _item(task, house), rng).phrase(rng, phrasing)
    tables = (lx.GO_TO_OBJECT, lx.GO_TO_OBJECT_FINAL) if final else (lx.GO_TO_OBJECT,)
    return _clause(_choose_template(rng, phrasing, *tables), object=text, pronoun=pronoun)


def _fetch(task: dict[str, Any], house: House, rng: np.random.Generator,
           final: bool, phrasing: Phrasing) -> Clause:
    obj = _field(task, "object", "task")
    try:
        kind = ObjectKind.from_word(_field(obj, "kind", "task.object"))
        color = None if obj.get("color") is None else Color[str(obj["color"]).upper()]
    except KeyError as err:
        raise TaskError(f"task.object: unknown kind or colour {err}") from None
    room = obj.get("room")
    room = None if room is None else _room_index(house, room, "task.object.room")
    descs = fetch_descriptions(house, kind, color, room)
    if not descs:
        letter = house.rooms[room].letter if room is not None else None
        raise TaskError(f"fetch from room {letter} of house {house.name!r}: the room has no "
                        "unambiguous description")
    desc = choose(descs, rng)
    text, pronoun = desc.phrase(rng, phrasing)
    if desc.room is None:
        return _clause(_choose_template(rng, phrasing, lx.FETCH_ANY), object=text,
                       pronoun=pronoun)
    return _clause(_choose_template(rng, phrasing, lx.FETCH_ROOM), object=text,
                   pronoun=pronoun, room=desc.room_surface(rng, phrasing))


_CLAUSE_FAMILIES = {"go_to_room": _go_to_room, "go_to_object": _go_to_object, "fetch": _fetch}


def _part(task: dict[str, Any], house: House, rng: np.random.Generator,
          final: bool, alone: bool, phrasing: Phrasing) -> Clause | list[str]:
    """One part: a clause, or sentences (routes). ``final``: the part ends the task;
    ``alone``: it is the whole task (only then may a clause add "and stop there", which
    would read badly inside a sequence)."""
    family = _field(task, "family", "task")
    if family in _CLAUSE_FAMILIES:
        return _CLAUSE_FAMILIES[family](task, house, rng, final and alone, phrasing)
    if family == "follow_route":
        route = [tuple(c) for c in _field(task, "route", "task")]
        return route_sentences(house, route, int(task.get("heading", 0)), rng, final,
                               phrasing)
    raise TaskError(f"task.family: cannot realise {family!r} here")


# ---------------------------------------------------------------------------- sequences
def _sequence(task: dict[str, Any], house: House, rng: np.random.Generator,
              phrasing: Phrasing) -> list[str]:
    specs = _field(task, "parts", "task")
    if not isinstance(specs, list) or len(specs) < 2:
        raise TaskError("task.parts: a sequence needs at least two parts")
    parts = [_part(p, house, rng, i == len(specs) - 1, False, phrasing)
             for i, p in enumerate(specs)]
    earlier, last = parts[:-1], parts[-1]
    after = task.get("connective", "then") == "after"
    clauses = [p for p in parts if isinstance(p, Clause)]
    if len(clauses) == len(parts):
        before = clauses[:-1]
        slots = {
            "a": (lx.THEN_JOIN_GERUND if after else lx.THEN_JOIN).join(p.base for p in before),
            "a_gerund": lx.THEN_JOIN_GERUND.join(p.form(1) for p in before),
            "a_participle": lx.THEN_JOIN_GERUND.join(p.form(2) for p in before),
            "b": clauses[-1].base,
        }
        text = pick(rng, lx.AFTER if after else lx.THEN, phrasing).format(**slots)
        return text.split(". ")
    if after and isinstance(last, Clause):
        intro = pick(rng, lx.BEFORE_ROUTE, phrasing).format(b=last.base)
        return [intro] + [s for p in earlier for s in _sentences_of(p)]
    out = _sentences_of(parts[0])
    for part in parts[1:]:
        sentences = _sentences_of(part)
        out += [pick(rng, lx.NEXT_SENTENCE, phrasing).format(b=sentences[0])] + sentences[1:]
    return out


def _sentences_of(part: Clause | list[str]) -> list[str]:
    return [part.base] if isinstance(part, Clause) else list(part)


# ---------------------------------------------------------------------------- top level
def _finish(sentences: list[str]) -> str:
    """Capitalised sentences with final punctuation and correct articles."""
    out = []
    for sentence in sentences:
        sentence = lx.fix_articles(sentence.strip())
        if not sentence.endswith((".", "?")):
            sentence += "."
        out.append(capitalise(sentence))
    return " ".join(out)


def realise(task: dict[str, Any], house: House, rng: np.random.Generator,
            phrasing: Phrasing | str = Phrasing.ANY) -> str:
    """One English paraphrase of ``task`` in ``house``.

    Args:
        task: a structured task, as returned by an instruction's ``to_task()``.
        house: the house the task refers to.
        rng: the only source of randomness; the same seed gives the same text.
        phrasing: which alternatives may be said: ``any`` (all), ``trained`` or
            ``held_out`` (see :mod:`vlnenv.language.phrasing`).

    Returns:
        One or more sentences, each capitalised and ending with a period (or a question
        mark for "could you ...?").

    Raises:
        TaskError: the task is malformed, a referent (room or object) has no
            unambiguous description in ``house``, or ``phrasing`` is unknown.
    """
    phrasing = as_phrasing(phrasing, "realise")
    family = _field(task, "family", "task")
    if family == "sequence":
        return _finish(_sequence(task, house, rng, phrasing))
    part = _part(task, house, rng, True, True, phrasing)
    if isinstance(part, list):
        return _finish(part)
    plain = rng.random() < PLAIN_SHARE and says(lx.POLITE[0], phrasing)
    wrapper = lx.POLITE[0] if plain else pick(rng, lx.POLITE[1:], phrasing)
    return _finish([wrapper.format(vp=part.base)])
