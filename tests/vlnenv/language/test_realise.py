"""Realisation of every task family: many natural surface forms, deterministic per seed,
faithful referents, and refusals for ambiguous ones."""

from __future__ import annotations

import re

import numpy as np
import pytest

from vlnenv.errors import TaskError
from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
)
from vlnenv.language.realise import realise
from vlnenv.world.colors import Color
from vlnenv.world.house import House
from vlnenv.world.objects import ObjectKind

SEEDS = range(60)
ROUTE = [(2, 3), (3, 3), (4, 3), (4, 4), (4, 5), (4, 6), (4, 7), (4, 8), (3, 8), (2, 8), (1, 8)]


def forms(instruction: Instruction) -> set[str]:
    return {instruction.surface(np.random.default_rng(s)) for s in SEEDS}


def is_sentences(text: str) -> bool:
    """Capitalised sentences, each ending with a period or question mark."""
    parts = re.split(r"(?<=[.?]) ", text)
    return all(p[:1].isupper() and p[-1] in ".?" and p.count(".") + p.count("?") == 1
               for p in parts)


def cases(h: House, corridor: House) -> dict[str, Instruction]:
    a, c, hall = (h.room_index(x) for x in "ACH")
    pillow = h.object_at((1, 3))
    towel = h.object_at((2, 10))
    assert pillow is not None and towel is not None
    return {
        "go_to_room": GoToRoom(h, a),
        "go_to_object": GoToObject(h, towel),
        "fetch_room": Fetch(h, ObjectKind.PILLOW, (5, 1), None, a),
        "fetch": Fetch(h, ObjectKind.CUP, (5, 1), Color.RED),
        "follow_route": FollowRoute(corridor, ROUTE, 3),
        "then": SequenceInstr(h, [GoToRoom(h, c), GoToObject(h, pillow)], "then"),
        "after": SequenceInstr(h, [GoToRoom(h, hall), GoToRoom(h, c)], "after"),
        "then_fetch": SequenceInstr(h, [GoToRoom(h, c), Fetch(h, ObjectKind.BOOK, (5, 1))]),
        "then_route": SequenceInstr(corridor, [FollowRoute(corridor, ROUTE, 3),
                                               GoToRoom(corridor, 0)], "then"),
        "after_route": SequenceInstr(corridor, [FollowRoute(corridor, ROUTE, 3),
                                                GoToRoom(corridor, 0)], "after"),
    }


@pytest.fixture
def instructions(two_bedrooms, corridor) -> dict[str, Instruction]:
    return cases(two_bedrooms, corridor)


@pytest.mark.parametrize("name", ["go_to_room", "go_to_object", "fetch_room", "fetch",
                                  "follow_route", "then", "after", "then_fetch",
                                  "then_route", "after_route"])
def test_each_construct_has_at_least_five_forms(instructions, name):
    texts = forms(instructions[name])
    assert len(texts) >= 5, texts
    for text in texts:
        assert is_sentences(text), text
        assert not re.search(r"\b[aA] [aeiou]", text), text
        assert "  " not in text and " ," not in text and " ." not in text, text


def test_same_seed_same_text(instructions):
    for instruction in instructions.values():
        one = instruction.surface(np.random.default_rng(3))
        two = instruction.surface(np.random.default_rng(3))
        assert one == two


def test_room_is_named_by_what_sets_it_apart(instructions):
    for text in forms(instructions["go_to_room"]):
        assert "bedroom" in text and "desk" in text, text


def test_object_is_named_by_its_room(instructions):
    for text in forms(instructions["go_to_object"]):
        assert "towel" in text and re.search(r"bathroom|restroom|washroom", text), text


def test_fetch_without_room_names_no_room(instructions):
    for text in forms(instructions["fetch"]):
        assert re.search(r"\b(cup|mug)\b", text) and "red" in text, text
        assert not re.search(r"\b(from|in) the\b", text), text
        assert re.search(r"\bme\b|\bhere\b", text), text


def test_fetch_with_room_names_the_room(instructions):
    for text in forms(instructions["fetch_room"]):
        assert "desk" in text and re.search(r"pillow|cushion", text), text


def test_sequence_names_both_parts_and_only_the_last_may_stop(instructions):
    for text in forms(instructions["then"]) | forms(instructions["after"]):
        assert re.search(r"bathroom|restroom|washroom", text), text
        assert not re.search(r"\b(stop|halt)\b", text.lower()), text


def test_sequence_connectives_vary(instructions):
    then = " ".join(forms(instructions["then"])).lower()
    after = " ".join(forms(instructions["after"])).lower()
    assert "then" in then and "first" in then
    assert "after" in after and ("once you have" in after or "before you" in after)


def test_earlier_route_in_a_sequence_does_not_say_stop(instructions):
    for text in forms(instructions["then_route"]) | forms(instructions["after_route"]):
        assert not re.search(r"\b(stop|halt)\b", text.lower()), text
        assert "bedroom" in text


def test_ambiguous_referents_are_never_said(twins):
    a = twins.room_index("A")
    pillow = twins.object_at((1, 3))
    assert pillow is not None
    for instruction in (GoToRoom(twins, a), GoToObject(twins, pillow),
                        Fetch(twins, ObjectKind.PILLOW, (4, 1), None, a),
                        SequenceInstr(twins, [GoToRoom(twins, twins.room_index("H")),
                                              GoToRoom(twins, a)])):
        with pytest.raises(TaskError):
            instruction.surface(np.random.default_rng(0))


def test_unambiguous_task_in_an_ambiguous_house_is_said(twins):
    cup = twins.object_at((4, 4))
    assert cup is not None
    assert "cup" in GoToObject(twins, cup).surface(np.random.default_rng(0)) or "mug" in \
        GoToObject(twins, cup).surface(np.random.default_rng(0))
    text = Fetch(twins, ObjectKind.PILLOW, (4, 1)).surface(np.random.default_rng(0))
    assert re.search(r"pillow|cushion", text)


@pytest.mark.parametrize("task", [
    {"family": "go_to_room"},
    {"family": "go_to_room", "room": "Z"},
    {"family": "go_to_object", "object": {"kind": "cup", "color": "red", "cell": [1, 1]}},
    {"family": "fetch", "object": {"kind": "unicorn"}, "requester": [5, 1]},
    {"family": "sequence", "parts": [{"family": "go_to_room", "room": "A"}]},
    {"family": "dance"},
])
def test_malformed_tasks_raise(two_bedrooms, task):
    with pytest.raises(TaskError):
        realise(task, two_bedrooms, np.random.default_rng(0))


def test_random_tasks_read_as_sentences(houses, make_instructions, surfaces):
    rng = np.random.default_rng(0)
    for name in ("two_bedrooms", "corridor", "big"):
        texts = surfaces(make_instructions(houses[name], rng, 150), rng)
        assert len(texts) > 100
        for text in texts:
            assert is_sentences(text), text
            assert not re.search(r"\b[aA] [aeiou]", text), text
