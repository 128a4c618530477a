"""GridHouseEnv refuses what is not an action, a reset option or a setting, with an
``EnvError`` (a ``VLNError`` and a ``ValueError``) on one line, instead of guessing."""

import re

import numpy as np
import pytest
from helpers import make_house

from vlnenv import EnvConfig, EpisodeSource, VLNEnv
from vlnenv.actions import as_action
from vlnenv.errors import EnvError, VLNError
from vlnenv.expert.kinds import EnvExpert
from vlnenv.tasks.episode import Episode

HOUSE = make_house(["######", "#BB/K#", "######"], {"B": "bedroom", "K": "kitchen"}, {}, [],
                   name="tiny")
EPISODE = Episode(episode_id="k1", house="tiny", start=(1, 1, 0), instruction="Go to the kitchen.",
                  task={"family": "go_to_room", "room": "K"},
                  reference_path=((1, 1), (1, 2), (1, 3), (1, 4)), goal=((1, 4),), max_steps=10)


def fresh_env() -> VLNEnv:
    env = VLNEnv(EpisodeSource.houses([HOUSE]))
    env.reset(options={"episode": EPISODE, "house": HOUSE})
    return env


@pytest.mark.parametrize("action", [2.5, 2.0, "2", "forward", None, True,
                                    np.array([2]), np.array([[1, 2], [3, 4]]), 7, -1,
                                    np.float32(2)])
def test_step_refuses_what_is_not_an_action_in_0_to_6(action):
    env = fresh_env()
    with pytest.raises(EnvError, match=r"expected an integer in 0\.\.6") as info:
        env.step(action)
    assert "\n" not in str(info.value)
    assert env.state.step == 0  # nothing happened


@pytest.mark.parametrize("action", [2, np.int64(2), np.int8(2), np.array(2)])
def test_step_accepts_ints_numpy_integer_scalars_and_0d_integer_arrays(action):
    assert as_action(action) == 2
    env = fresh_env()
    env.step(action)
    assert env.state.pos == (1, 2)


def test_env_errors_are_project_errors_and_value_errors():
    assert issubclass(EnvError, VLNError) and issubclass(EnvError, ValueError)


@pytest.mark.parametrize("options, message", [
    ([1], "expected None or a dict"),
    ({"episodes": EPISODE}, "unknown key\\(s\\) 'episodes'; expected"),
    ({"episode": EPISODE, "seed": 3}, r"unknown key\(s\)"),
    ({"episode": EPISODE, "instruction": "go to the kitchen"}, "'episode' already has"),
    ({"episode": EPISODE, "start": (1, 1, 0)}, "'episode' already has"),
])
def test_reset_refuses_unknown_or_malformed_options(options, message):
    env = VLNEnv(EpisodeSource.houses([HOUSE]))
    with pytest.raises(EnvError, match=message):
        env.reset(options=options)


@pytest.mark.parametrize("weight", [-1, -0.5, float("nan"), float("inf"), "1"])
def test_a_negative_or_non_finite_dense_reward_is_refused(weight):
    with pytest.raises(EnvError, match="dense_reward must be a finite number >= 0"):
        VLNEnv(EpisodeSource.houses([HOUSE]), EnvConfig(dense_reward=weight))


@pytest.mark.parametrize("kwargs, message", [
    ({"view": "7"}, "view must be an odd integer in 3..9, got '7'"),
    ({"view": 4}, "view must be an odd integer in 3..9, got 4"),
    ({"tile": 2.5}, "tile must be an integer number of pixels in 1..64, got 2.5"),
    ({"tile": 10**6}, "tile must be an integer number of pixels in 1..64"),
    ({"families": []}, "families must be a non-empty list"),
    ({"families": "go_to_room"}, "families must be a non-empty list"),
    ({"houses": [1]}, "houses must be a list of House objects"),
    ({"dense_reward": True}, "dense_reward must be a finite number >= 0"),
])
def test_bad_constructor_settings_are_env_errors(kwargs, message):
    """Where episodes come from (houses, families) is the source's to check; the rest the
    config's."""
    settings = dict(kwargs)
    with pytest.raises(EnvError, match=message.replace("(", r"\(").replace(".", r"\.")):
        source = EpisodeSource.houses(settings.pop("houses", [HOUSE]),
                                      settings.pop("families", ("go_to_room",)))
        VLNEnv(source, EnvConfig(**settings))


@pytest.mark.parametrize("make, message", [
    (lambda: EnvConfig(expert="teacher"), "expert must be None or one of ['oracle', "
                                          "'explorer', 'both', 'rules'], got 'teacher'"),
    (lambda: EnvConfig(render_view="side"), "render_view must be one of ('topdown', "
                                            "'egocentric'), got 'side'"),
    (lambda: VLNEnv(source=[HOUSE]), "source must be an EpisodeSource (EpisodeSource."
                                     "generated(...), .houses(...), .episodes(...) or "
                                     ".suite(...)), got list"),
    (lambda: VLNEnv(config={"view": 5}), "config must be an EnvConfig, got dict"),
    (lambda: EpisodeSource.generated("medium"), "size must be one of ['huge', 'large', 'small'] "
                                                "or a GeneratorConfig, got 'medium'"),
    (lambda: EpisodeSource.generated(prefetch=-1), "prefetch must be an integer >= 0"),
    (lambda: EpisodeSource.generated(families=[]), "families must be a non-empty list"),
    (lambda: VLNEnv(render_mode="video"), "render_mode must be one of"),
])
def test_bad_sources_and_configs_are_env_errors(make, message):
    with pytest.raises(EnvError, match=re.escape(message)):
        make()


def test_a_config_reads_the_expert_by_name():
    assert EnvConfig(expert="both").expert is EnvExpert.BOTH
    assert EnvConfig(expert=EnvExpert.RULES).expert == "rules"
    assert EnvConfig().expert is None
