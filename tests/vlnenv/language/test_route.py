"""Route descriptions: turns, rooms, landmarks and stops on hand-made routes whose right
description is known."""

from __future__ import annotations

import re

import numpy as np
import pytest

from vlnenv.errors import TaskError
from vlnenv.language import lexicon as lx
from vlnenv.language.legs import Run, relative_turn, route_directions, route_legs, runs_between
from vlnenv.language.route import describe_route, route_sentences
from vlnenv.world.rooms import RoomType

#: In CORRIDOR: from the bedroom (facing north, away from its door) down into the
#: corridor, east to the plant, north into the kitchen.
BEDROOM_TO_KITCHEN = [(2, 3), (3, 3), (4, 3), (4, 4), (4, 5), (4, 6), (4, 7), (4, 8), (3, 8),
                      (2, 8), (1, 8)]

SEEDS = range(30)


def first_index(text: str, words: tuple[str, ...]) -> int:
    found = [m.start() for w in words for m in re.finditer(rf"\b{w}\b", text)]
    return min(found) if found else -1


def test_relative_turns():
    assert [relative_turn(0, h) for h in range(4)] == [0, 1, 2, 3]
    assert relative_turn(3, 0) == 1  # north to east is a right turn
    assert relative_turn(0, 3) == 3  # east to north is a left turn


def test_runs_merge_straight_moves_and_absorb_sidesteps():
    dirs = [0, 0, 1, 0, 0, 0, 3, 3]
    assert runs_between(dirs, 0, len(dirs)) == [Run(0, 0, 6, 5), Run(3, 6, 8, 2)]
    assert runs_between([0, 1, 2], 0, 3) == [Run(0, 0, 1, 1), Run(1, 1, 2, 1), Run(2, 2, 3, 1)]


def test_route_must_be_connected():
    with pytest.raises(TaskError, match="not 4-adjacent"):
        route_directions([(1, 1), (1, 3)])


def test_route_needs_two_cells(corridor):
    with pytest.raises(TaskError):
        describe_route(corridor, [(1, 1)], 0, np.random.default_rng(0))


def test_legs_follow_the_rooms_in_order(corridor):
    legs = route_legs(corridor, BEDROOM_TO_KITCHEN)
    types = [corridor.rooms[leg.room].type for leg in legs]
    assert types == [RoomType.BEDROOM, RoomType.HALLWAY, RoomType.KITCHEN]
    assert [(leg.first, leg.last) for leg in legs] == [(0, 0), (2, 7), (9, 10)]


def test_corridor_route_mentions_turns_and_rooms_in_order(corridor):
    hall_words = lx.ROOM_WORDS[RoomType.HALLWAY]
    for seed in SEEDS:
        text = describe_route(corridor, BEDROOM_TO_KITCHEN, 3, np.random.default_rng(seed))
        sentences = text.split(". ")
        assert len(sentences) == 3, text
        assert any(p in sentences[0].lower() for p in lx.TURN_PHRASES[2]), text
        assert first_index(text, ("bedroom",)) < first_index(text, hall_words), text
        assert first_index(text, hall_words) < first_index(text, ("kitchen",)), text
        assert text.count("left") == 2 and "right" not in text, text
        assert "plant" in sentences[1], text


def test_walk_along_a_corridor_stops_next_to_the_landmark(corridor):
    route = [(5, c) for c in range(1, 10)]
    for seed in SEEDS:
        text = describe_route(corridor, route, 0, np.random.default_rng(seed))
        assert "plant" in text and re.search(r"\b(stop|wait)\b", text.lower()), text
        assert "turn" not in text.lower(), text


def test_counted_steps(corridor):
    route = [(5, c) for c in range(1, 5)]
    texts = {describe_route(corridor, route, 0, np.random.default_rng(s)) for s in SEEDS}
    assert all("three steps" in t for t in texts)
    assert {t for t in texts if "turn" in t.lower()} == set()


def test_turn_then_walk_from_the_start_heading(corridor):
    route = [(5, c) for c in range(1, 5)]
    texts = [describe_route(corridor, route, 3, np.random.default_rng(s)) for s in SEEDS]
    assert all(any(p in t.lower() for p in lx.TURN_PHRASES[1]) for t in texts)


def test_stop_in_the_doorway(corridor):
    route = [(2, 1), (2, 2), (2, 3), (3, 3)]
    for seed in SEEDS:
        text = describe_route(corridor, route, 0, np.random.default_rng(seed))
        assert re.search(r"\bdoor(way)?\b", text), text


def test_stop_on_entering_a_room(corridor):
    route = [(5, 8), (4, 8), (3, 8), (2, 8)]
    for seed in SEEDS:
        text = describe_route(corridor, route, 3, np.random.default_rng(seed))
        assert "kitchen" in text, text


def test_earlier_part_of_a_sequence_never_says_stop(corridor):
    for seed in SEEDS:
        sentences = route_sentences(corridor, BEDROOM_TO_KITCHEN, 3,
                                    np.random.default_rng(seed), final=False)
        assert not re.search(r"\b(stop|halt|wait)\b", " ".join(sentences)), sentences


def test_same_seed_same_description(big, route_between):
    route = route_between(big, (9, 5), (2, 14))
    a = describe_route(big, route, 1, np.random.default_rng(7))
    b = describe_route(big, route, 1, np.random.default_rng(7))
    assert a == b


def test_descriptions_are_sentences_and_concise(big, route_between):
    rng = np.random.default_rng(0)
    floor = [c for i in range(len(big.rooms)) for c in big.room_cells(i)]
    for _ in range(200):
        a, b = (floor[int(i)] for i in rng.choice(len(floor), 2, replace=False))
        route = route_between(big, a, b)
        text = describe_route(big, route, int(rng.integers(4)), rng)
        sentences = text.split(". ")
        assert text.endswith(".") and all(s[0].isupper() for s in sentences), text
        assert len(route) > 40 or len(sentences) <= 5, text


def test_route_forms_vary(corridor):
    texts = {describe_route(corridor, BEDROOM_TO_KITCHEN, 3, np.random.default_rng(s))
             for s in SEEDS}
    assert len(texts) >= 5
