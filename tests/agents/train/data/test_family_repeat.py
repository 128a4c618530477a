"""Families played more often (``data.family_repeat``): the plays per demonstration, the
copies in the demonstration set and the shares of an epoch they give, the config's checks,
and the loader's demonstrations with and without it."""

from __future__ import annotations

import numpy as np
import pytest

from agents.train.config import resolve_config
from agents.train.data.demo_set import DemoSet
from agents.train.data.family_repeat import family_repeats, repeat_families
from agents.train.errors import TrainError
from vlnenv.suites.load import load_suite


def test_named_families_are_played_the_given_times_and_the_others_once():
    families = ["fetch", "follow_route", "go_to_room", "follow_route"]
    assert family_repeats(families, {"follow_route": 3}).tolist() == [1, 3, 1, 3]
    assert family_repeats(families, {}).tolist() == [1, 1, 1, 1]
    assert family_repeats([], {"fetch": 2}).tolist() == []


@pytest.fixture(scope="module")
def tiny_set():
    """The tiny suite's val_unseen episodes as a demonstration set, episode ``i`` with
    ``i + 1`` placeholder actions (repeating only picks episodes)."""
    episodes = load_suite("tiny").episodes("val_unseen")
    n = len(episodes)
    actions = [np.full(i + 1, i % 7, np.uint8) for i in range(n)]
    return DemoSet(episodes, actions, [a.copy() for a in actions], np.ones(n, bool),
                   np.ones(n, bool), [None] * n, {"suite": "tiny"})


def test_copies_sit_next_to_their_original_and_shift_the_epochs_shares(tiny_set):
    demos = tiny_set
    families = [ep.family for ep in demos.episodes]
    assert "fetch" in families and "go_to_room" in families
    repeated, added = repeat_families(demos, {"fetch": 2, "go_to_room": 1})
    expected = [i for i, f in enumerate(families) for _ in range(2 if f == "fetch" else 1)]
    assert [ep.episode_id for ep in repeated.episodes] == [demos.episodes[i].episode_id
                                                           for i in expected]
    assert all(np.array_equal(a, demos.actions[i])
               for a, i in zip(repeated.actions, expected, strict=True))
    assert added == {"fetch": families.count("fetch")}
    # share_f = r_f s_f / sum_g r_g s_g, with s_f the family's steps
    steps = {f: sum(i + 1 for i, g in enumerate(families) if g == f) for f in set(families)}
    total = sum(steps.values()) + steps["fetch"]
    fetch_steps = sum(len(a) for ep, a in zip(repeated.episodes, repeated.labels, strict=True)
                      if ep.family == "fetch")
    assert repeated.steps == total
    assert fetch_steps / repeated.steps == pytest.approx(2 * steps["fetch"] / total)
    same, none = repeat_families(demos, {})
    assert [ep.episode_id for ep in same.episodes] == [ep.episode_id for ep in demos.episodes]
    assert none == {}


def test_a_config_can_name_a_familys_plays_on_the_command_line():
    config = resolve_config("quickstart", ["data.family_repeat.follow_route=2"])
    assert config.data.family_repeat == {"follow_route": 2}
    assert resolve_config("quickstart").data.family_repeat == {}


@pytest.mark.parametrize("override, field", [
    ("data.family_repeat.walk=2", "data.family_repeat"),
    ("data.family_repeat.fetch=0", "data.family_repeat.fetch"),
    ("data.family_repeat.fetch=two", "data.family_repeat.fetch"),
])
def test_bad_family_repeats_name_the_field(override, field):
    with pytest.raises(TrainError, match=field):
        resolve_config(None, [override])


def test_a_set_repeated_holds_each_demonstration_its_times_in_a_row(tiny_set):
    demos = tiny_set
    times = [0, 2, 1] + [1] * (len(demos) - 3)
    out = demos.repeated(times)
    ids = [ep.episode_id for ep in demos.episodes]
    assert [ep.episode_id for ep in out.episodes] == [ids[1], ids[1], *ids[2:]]
    assert out.steps == demos.steps - len(demos.labels[0]) + len(demos.labels[1])
    assert out.success.tolist() == demos.success[[1, 1, *range(2, len(demos))]].tolist()
