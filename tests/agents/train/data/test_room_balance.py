"""Rare room types played more often (``data.room_balance``): the repeat counts worked out
by hand, the copies in the demonstration set, and the config's checks; rooms with a
look-alike played more often (``data.lookalike_repeat``)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from helpers import TWO_BEDROOMS

from agents.train.config import resolve_config
from agents.train.data.demo_set import DemoSet
from agents.train.data.room_balance import (
    balance_repeats,
    balance_rooms,
    goal_room,
    goal_room_type,
    has_lookalike,
    repeat_lookalikes,
)
from agents.train.errors import TrainError
from vlnenv.language.instructions import GoToObject, GoToRoom
from vlnenv.suites.load import load_suite
from vlnenv.tasks.episode import Episode


def test_repeats_give_rare_types_about_an_even_share_up_to_the_cap():
    # N = 9 goal-finding demonstrations of K = 3 types: a 6, b 2, c 1 -> N / (K n_t) is
    # 0.5, 1.5 and 3: played 1 (round(0.5) = 0, clipped to 1), 2 and 3 times
    types = ["a"] * 6 + ["b"] * 2 + ["c", None, None]
    assert balance_repeats(types, 1.0, 8).tolist() == [1] * 6 + [2, 2, 3, 1, 1]
    assert balance_repeats(types, 1.0, 2).tolist() == [1] * 6 + [2, 2, 2, 1, 1]
    # sqrt(1.5) = 1.22 -> 1, sqrt(3) = 1.73 -> 2
    assert balance_repeats(types, 0.5, 8).tolist() == [1] * 6 + [1, 1, 2, 1, 1]


def test_power_zero_and_an_even_mix_play_everything_once():
    assert balance_repeats(["a", "b", "b", None], 0.0, 8).tolist() == [1, 1, 1, 1]
    assert balance_repeats(["a", "b", "c"], 2.0, 8).tolist() == [1, 1, 1]
    assert balance_repeats([None, None], 1.0, 8).tolist() == [1, 1]
    assert balance_repeats([], 1.0, 8).tolist() == []


@pytest.fixture(scope="module")
def tiny_set():
    """The tiny suite's val_unseen episodes as a demonstration set (placeholder actions:
    balancing only picks episodes)."""
    suite = load_suite("tiny")
    episodes = suite.episodes("val_unseen")
    n = len(episodes)
    actions = [np.full(i + 1, i % 7, np.uint8) for i in range(n)]
    demos = DemoSet(episodes, actions, [a.copy() for a in actions], np.ones(n, bool),
                    np.ones(n, bool), [None] * n, {"suite": "tiny"})
    return suite, demos


def test_the_goal_room_type_is_the_named_room_or_the_targets_room(tiny_set):
    suite, demos = tiny_set
    seen = Counter()
    for ep in demos.episodes:
        house = suite.houses[ep.house]
        if ep.family == "go_to_room":
            room = house.room_index(ep.task["room"])
        elif ep.family == "go_to_object":
            room = house.room_of(tuple(ep.task["object"]["cell"]))
        else:
            assert goal_room(ep, house) is None and goal_room_type(ep, house) is None
            continue
        assert goal_room(ep, house) == room
        assert ep.goal[0] in house.room_cells(room) or ep.family == "go_to_object"
        assert goal_room_type(ep, house) == house.rooms[room].type.name.lower()
        seen[ep.family] += 1
    assert seen["go_to_room"] > 0 and seen["go_to_object"] > 0


def test_balanced_demonstrations_hold_each_copy_next_to_its_original(tiny_set):
    suite, demos = tiny_set
    types = [goal_room_type(ep, suite.houses[ep.house]) for ep in demos.episodes]
    # kitchen 2, bedroom 1, bathroom 1: (4 / 3) ** 2 = 1.78 -> bedroom and bathroom twice
    repeats = balance_repeats(types, 2.0, 3)
    assert sorted(repeats.tolist()) == [1] * 8 + [2, 2]
    balanced, added = balance_rooms(demos, suite.houses, 2.0, 3)
    assert len(balanced) == int(repeats.sum())
    expected = [i for i, r in enumerate(repeats) for _ in range(r)]
    assert [ep.episode_id for ep in balanced.episodes] == [demos.episodes[i].episode_id
                                                           for i in expected]
    assert all(np.array_equal(a, demos.actions[i]) for a, i in zip(balanced.actions, expected,
                                                                  strict=True))
    assert balanced.steps == sum(len(demos.labels[i]) for i in expected)
    want: Counter = Counter()
    for t, r in zip(types, repeats, strict=True):
        if r > 1:
            want[t] += int(r) - 1
    assert added == Counter({"bedroom": 1, "bathroom": 1}) == want
    assert sum(added.values()) == len(balanced) - len(demos)
    once = balance_rooms(demos, suite.houses, 0.0, 3)[0]
    assert [ep.episode_id for ep in once.episodes] == [ep.episode_id for ep in demos.episodes]


def two_bedroom_episode(episode_id: str, task: GoToRoom | GoToObject) -> Episode:
    family = "go_to_room" if isinstance(task, GoToRoom) else "go_to_object"
    ep = Episode(episode_id, "two_bedrooms", (5, 6, 0), "go", task.to_task(), ((5, 6),),
                 tuple(sorted(task.goal_cells)), 60)
    assert ep.family == family
    return ep


def test_only_room_goals_with_a_room_of_their_type_beside_them_are_repeated():
    house = TWO_BEDROOMS  # bedrooms A and B, bathroom C, hallway H
    episodes = [two_bedroom_episode("a", GoToRoom(house, house.room_index("A"))),
                two_bedroom_episode("c", GoToRoom(house, house.room_index("C"))),
                two_bedroom_episode("b", GoToRoom(house, house.room_index("B"))),
                two_bedroom_episode("book", GoToObject(house, house.object_at((3, 2)))),
                two_bedroom_episode("h", GoToRoom(house, house.room_index("H")))]
    assert [has_lookalike(ep, house) for ep in episodes] == [True, False, True, False, False]
    n = len(episodes)
    actions = [np.full(i + 1, i, np.uint8) for i in range(n)]
    demos = DemoSet(episodes, actions, [a.copy() for a in actions], np.ones(n, bool),
                    np.ones(n, bool), [None] * n, {"suite": "test"})
    repeated, copies = repeat_lookalikes(demos, {"two_bedrooms": house}, 3)
    assert copies == 4
    assert [ep.episode_id for ep in repeated.episodes] == ["a"] * 3 + ["c"] + ["b"] * 3 + [
        "book", "h"]
    assert [len(a) for a in repeated.actions] == [1, 1, 1, 2, 3, 3, 3, 4, 5]


@pytest.mark.parametrize("override, field", [("data.room_balance=-0.5", "data.room_balance"),
                                             ("data.room_balance=9", "data.room_balance"),
                                             ("data.room_balance_cap=0",
                                              "data.room_balance_cap"),
                                             ("data.lookalike_repeat=0",
                                              "data.lookalike_repeat")])
def test_bad_balance_settings_name_the_field(override, field):
    with pytest.raises(TrainError, match=field):
        resolve_config(None, [override])
