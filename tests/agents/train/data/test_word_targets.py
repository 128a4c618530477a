"""What the words name, as the word reader's labels: the goal room's floor, the object's
kind and colour as a view shows them, nothing for routes and sequences; and, when asked,
what the words tell a room apart by (the cue reader's label)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import TWO_BEDROOMS

from agents.models.cue import PLAIN
from agents.train.data.word_targets import word_targets
from vlnenv.errors import TaskError
from vlnenv.language.instructions import Fetch, GoToObject, GoToRoom
from vlnenv.render.codes import cell_codes, floor_code, furniture_code, symbolic_view
from vlnenv.suites.load import load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

HOUSE = TWO_BEDROOMS  # bedrooms A and B, bathroom C, hallway H; a green book at (3, 2)


def episode(task, words: str = "go") -> Episode:
    return Episode("e", "two_bedrooms", (5, 6, 0), words, task.to_task(), ((5, 6),),
                   tuple(sorted(task.goal_cells)), 60)


def test_a_room_goal_names_its_floor():
    ep = episode(GoToRoom(HOUSE, HOUSE.room_index("C")))
    assert word_targets(ep, HOUSE).tolist() == [floor_code(RoomType.BATHROOM), -1, -1, -1]


def test_an_object_goal_names_its_kind_and_colour_as_the_view_labels_them():
    task = GoToObject(HOUSE, HOUSE.object_at((3, 2)))
    shown = symbolic_view(cell_codes(HOUSE)[3, 2])  # (3,) base, kind + 1, colour + 1
    said = episode(task, "Go to the Green book on the desk.")
    unsaid = episode(task, "Go to the book in the greenhouse.")  # not the colour's word
    assert word_targets(said, HOUSE).tolist() == [-1, int(shown[1]), int(shown[2]), -1]
    assert word_targets(unsaid, HOUSE).tolist() == [-1, int(shown[1]), -1, -1]


def test_a_fetch_names_the_kind_and_the_colour_only_when_said():
    start = (5, 6)
    plain = episode(Fetch(HOUSE, ObjectKind.PILLOW, start), "Bring me a pillow.")
    red = episode(Fetch(HOUSE, ObjectKind.HAT, start, Color.RED), "Bring me the red hat.")
    assert word_targets(plain, HOUSE).tolist() == [-1, int(ObjectKind.PILLOW) + 1, -1, -1]
    assert word_targets(red, HOUSE).tolist() == [-1, int(ObjectKind.HAT) + 1,
                                                 int(Color.RED) + 1, -1]


def test_routes_and_sequences_name_nothing():
    suite = load_suite("tiny")
    seen = set()
    for ep in suite.episodes("val_unseen"):
        labels = word_targets(ep, suite.houses[ep.house])
        if ep.family in ("follow_route", "sequence"):
            assert np.array_equal(labels, [-1, -1, -1, -1])
        else:
            assert (labels >= 0).any()
        seen.add(ep.family)
    assert {"follow_route", "go_to_room", "go_to_object"} <= seen


@pytest.mark.parametrize(("words", "room", "cue"), [
    ("Walk into the bedroom next to the bathroom.", "B", floor_code(RoomType.BATHROOM)),
    ("Go to the bedroom with the desk.", "A", furniture_code(Furniture.DESK)),
    ("Go to the bathroom.", "C", PLAIN),
])
def test_the_cue_label_is_what_the_words_tell_the_room_apart_by(words, room, cue):
    ep = episode(GoToRoom(HOUSE, HOUSE.room_index(room)), words)
    labels = word_targets(ep, HOUSE, cue=True)
    assert labels.tolist() == [floor_code(HOUSE.rooms[HOUSE.room_index(room)].type), -1, -1,
                               cue]
    assert word_targets(ep, HOUSE).tolist()[3] == -1  # only when asked


@pytest.mark.parametrize(("words", "cell", "cue"), [
    ("Walk over to the red cup in the bedroom with the desk.", (2, 1),
     floor_code(RoomType.BEDROOM)),
    ("Go to the green book on the desk.", (3, 2), furniture_code(Furniture.DESK)),
    ("Go to the green book.", (3, 2), PLAIN),
])
def test_an_objects_cue_label_is_where_the_words_place_it(words, cell, cue):
    ep = episode(GoToObject(HOUSE, HOUSE.object_at(cell)), words)
    assert int(word_targets(ep, HOUSE, cue=True)[3]) == cue


def test_fetches_and_routes_cues_are_plain_but_a_sequences_is_not_labelled():
    suite = load_suite("tiny")
    seen = set()
    for ep in suite.episodes("val_unseen"):
        label = int(word_targets(ep, suite.houses[ep.house], cue=True)[3])
        if ep.family == "sequence":
            assert label == -1
        elif ep.family in ("fetch", "follow_route"):
            assert label == PLAIN
        else:
            assert 0 <= label <= PLAIN
        seen.add(ep.family)
    assert {"follow_route", "go_to_object", "go_to_room"} <= seen


def test_words_that_read_as_another_room_are_refused_for_the_cue():
    ep = episode(GoToRoom(HOUSE, HOUSE.room_index("A")),
                 "Walk into the bedroom next to the bathroom.")  # that is B
    with pytest.raises(TaskError):
        word_targets(ep, HOUSE, cue=True)
