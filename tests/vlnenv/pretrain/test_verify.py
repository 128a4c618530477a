"""The verifier of generated instructions: the true instruction is accepted, one naming
another room is not, words the parser refuses are not, and the share counts them."""

from __future__ import annotations

import pytest

from vlnenv.errors import EvaluationError
from vlnenv.pretrain.verify import describes, true_actions, verified_share
from vlnenv.suites.load import load_suite


@pytest.fixture(scope="module")
def walk():
    """The first go_to_room episode of small/val_unseen: a walk to its dining room (C), in a
    house that also has one kitchen (E)."""
    suite = load_suite("small")
    episode = next(e for e in suite.episodes("val_unseen") if e.family == "go_to_room")
    house = suite.houses[episode.house]
    assert episode.task == {"family": "go_to_room", "room": "C"}
    assert [r.type.name for r in house.rooms].count("KITCHEN") == 1
    return episode, house, suite.houses


def test_the_true_instruction_and_another_phrasing_of_it_are_accepted(walk):
    episode, house, _ = walk
    assert describes(episode.instruction, episode, house)
    assert describes("Please walk into the dining room with the cabinet.", episode, house)


def test_a_walk_to_the_dining_room_does_not_describe_going_to_the_kitchen(walk):
    episode, house, _ = walk
    assert not describes("Go to the kitchen.", episode, house)
    actions = true_actions(episode, house)
    assert actions[-1] == 6  # stop
    assert describes(episode.instruction, episode, house, actions)
    assert not describes(episode.instruction, episode, house, actions[:-2] + [6])  # short


def test_words_the_parser_refuses_are_not_accepted(walk):
    episode, house, _ = walk
    assert not describes("Flibber the wobbly gronk.", episode, house)
    assert not describes("", episode, house)


def test_the_share_counts_accepted_texts(walk):
    episode, _, houses = walk
    texts = [episode.instruction, "Go to the kitchen.", "Flibber the gronk."]
    assert verified_share(texts, [episode] * 3, houses) == pytest.approx(1 / 3)
    with pytest.raises(EvaluationError, match="2 texts for 1 episodes"):
        verified_share(texts[:2], [episode], houses)
    # the trajectory given instead of worked out: a short one describes nothing
    stops_at_once = [[6]] * 3
    assert verified_share(texts, [episode] * 3, houses, stops_at_once) == 0.0
    with pytest.raises(EvaluationError, match="1 trajectories for 3 episodes"):
        verified_share(texts, [episode] * 3, houses, stops_at_once[:1])
