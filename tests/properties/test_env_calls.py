"""Property: whatever is passed to ``step`` and ``reset(options=...)``, the env acts (on
an int in 0..6, a numpy integer or a 0-d integer array; on no options or a fixed episode)
or raises a one-line project error (``EnvError``; ``TaskError`` for a bad record) and, for
``step``, stays as it was."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_house
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vlnenv import EpisodeSource, VLNEnv
from vlnenv.errors import EnvError, VLNError

HOUSE = make_house(["######", "#BB/K#", "######"], {"B": "bedroom", "K": "kitchen"}, {}, [],
                   name="tiny")

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.integers(), st.floats(),
    st.text(max_size=8), st.binary(max_size=4), st.lists(st.integers(0, 6), max_size=3),
    st.integers(-3, 9).map(np.int64), st.integers(0, 6).map(np.int8),
    st.floats(-1, 8).map(np.float32), st.integers(-2, 8).map(np.array),
    st.lists(st.integers(0, 6), min_size=1, max_size=3).map(np.array),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def is_action(value: object) -> bool:
    if isinstance(value, np.ndarray):
        value = value[()] if value.ndim == 0 else None
    return (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
            and 0 <= int(value) <= 6)


def check_step(action: object) -> None:
    """``step(action)`` acts on an action and refuses anything else in one line."""
    env = VLNEnv(EpisodeSource.houses([HOUSE]))
    env.reset(seed=0)
    try:
        env.step(action)
    except EnvError as err:
        assert not is_action(action)
        assert "\n" not in str(err)
        assert env.state.step == 0
        return
    assert is_action(action) and env.state.step == 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anything)
def test_step_acts_on_actions_and_refuses_the_rest_in_one_line(action: object) -> None:
    check_step(action)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anything)
def test_many_step_arguments_act_or_are_refused_in_one_line(action: object) -> None:
    check_step(action)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(anything, st.dictionaries(st.sampled_from(["episode", "house", "seed", "x"]),
                                           anything, max_size=3)))
def test_reset_options_other_than_none_or_a_fixed_episode_are_refused(options: object) -> None:
    env = VLNEnv(EpisodeSource.houses([HOUSE]))
    try:
        env.reset(seed=0, options=options)
    except VLNError as err:  # EnvError; a TaskError for an 'episode' that is no record
        assert "\n" not in str(err)
        return
    assert options is None or options == {}
