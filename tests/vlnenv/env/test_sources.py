"""EpisodeSource factories and EnvConfig: one source argument says where episodes come
from, one config how they are shown and scored, for both environments and every id."""

from __future__ import annotations

import copy
import re

import gymnasium as gym
import numpy as np
import pytest
from helpers import make_house

import vlnenv  # noqa: F401 - registers the ids
from vlnenv import EnvConfig, EpisodeSource, VLNEnv
from vlnenv.env.sources import FixedEpisodes, GeneratedTasks, HouseTasks
from vlnenv.errors import EnvError, TaskError
from vlnenv.expert.kinds import EnvExpert
from vlnenv.suites.load import load_suite
from vlnenv.vector import BatchedGridHouseEnv
from vlnenv.world.generate import HUGE, LARGE, SMALL

HOUSE = make_house(["#######", "#BB/KK#", "#BB#KK#", "#######"],
                   {"B": "bedroom", "K": "kitchen"}, name="flat")


def test_generated_sources_take_a_preset_name_or_a_config():
    small = EpisodeSource.generated()
    assert isinstance(small, GeneratedTasks) and small.config == SMALL
    assert small.capacity() == (SMALL.height[1], SMALL.width[1])
    large = EpisodeSource.generated("large", ("fetch",))
    assert large.config == LARGE and large.families == ("fetch",)
    assert EpisodeSource.generated(LARGE).config == LARGE
    huge = EpisodeSource.generated("huge", ("go_to_room",))
    house, episode = huge.draw(np.random.default_rng(0))
    assert huge.config == HUGE and huge.capacity() == (64, 64)
    assert min(house.height, house.width) >= 48 and episode.family == "go_to_room"


def test_a_houses_source_samples_its_families_on_its_houses():
    source = EpisodeSource.houses([HOUSE], ("go_to_room",))
    assert isinstance(source, HouseTasks) and source.capacity() == (4, 7)
    house, episode = source.draw(np.random.default_rng(0))
    assert house is HOUSE and episode.family == "go_to_room"
    assert dict(source.house_map) == {}


def test_a_suite_source_plays_the_split_and_knows_its_houses_by_id():
    suite = load_suite("tiny")
    source = EpisodeSource.suite("tiny", "train")
    assert isinstance(source, FixedEpisodes)
    assert source.episodes == list(suite.episodes("train"))
    assert set(source.house_map) == set(suite.houses)
    only = EpisodeSource.suite(suite, "train", ("go_to_room",))
    assert {ep.family for ep in only.episodes} == {"go_to_room"}
    assert len(only.episodes) == sum(ep.family == "go_to_room" for ep in suite.episodes("train"))


def test_an_episodes_source_lets_reset_find_a_records_house_by_id():
    suite = load_suite("tiny")
    episodes = list(suite.episodes("train"))
    env = VLNEnv(EpisodeSource.episodes(episodes, suite.houses))
    _, info = env.reset(options={"episode": episodes[3]})  # no house given: looked up
    assert info["episode_id"] == episodes[3].episode_id
    assert env.house is suite.houses[episodes[3].house]


def test_sources_refuse_what_cannot_give_episodes():
    with pytest.raises(TaskError, match="at least one episode"):
        EpisodeSource.episodes([], {})
    with pytest.raises(TaskError, match="at least one house"):
        EpisodeSource.houses([])
    with pytest.raises(TaskError, match=re.escape("houses that were not given: ['flat']")):
        EpisodeSource.episodes([EpisodeSource.houses([HOUSE]).draw(
            np.random.default_rng(1))[1]], {})


def test_settings_as_keywords_fill_the_config():
    env = VLNEnv(expert="oracle", view=5)
    assert env.config == EnvConfig(view=5, expert=EnvExpert.ORACLE)
    env = VLNEnv(config=EnvConfig(tile=4), dense_reward=0.5)
    assert env.config == EnvConfig(tile=4, dense_reward=0.5)
    assert env.observation_space["image"].shape == (28, 28, 3)


def test_a_former_source_argument_is_refused_with_the_way_to_say_it_now():
    with pytest.raises(EnvError, match=r"unknown setting\(s\) \['houses'\].*source=EpisodeSource"):
        VLNEnv(houses=[HOUSE])
    with pytest.raises(EnvError, match=r"unknown setting\(s\) \['prefetch'\]"):
        BatchedGridHouseEnv(2, prefetch=1)
    with pytest.raises(EnvError, match=r"unknown setting\(s\) \['colour'\]; expected EnvConfig"):
        VLNEnv(colour="red")


def test_both_envs_share_the_config_and_the_observation_space():
    config = EnvConfig(view=5, tile=4)
    source = EpisodeSource.houses([HOUSE])
    single, batched = VLNEnv(source, config), BatchedGridHouseEnv(3, source, config)
    assert batched.config is config and batched.source is source
    assert batched.single_observation_space == single.observation_space


def test_registered_ids_carry_their_source_and_take_a_config():
    env = gym.make("vlnenv/Fetch-Large-v0", config=EnvConfig(expert="oracle"))
    assert env.unwrapped.source.families == ("fetch",)
    assert env.unwrapped.source.config == LARGE
    _, info = env.reset(seed=0)
    assert info["family"] == "fetch" and "expert_action" in info
    vec = gym.make_vec("vlnenv/GoToRoom-v0", num_envs=2, dense_reward=0.5)
    assert vec.unwrapped.config.dense_reward == 0.5
    assert vec.unwrapped.source.families == ("go_to_room",)


def test_a_copied_generated_source_starts_no_workers():
    source = EpisodeSource.generated(prefetch=1)
    twin = copy.deepcopy(source)
    assert twin.workers == 1 and twin.prefetcher is None and source.prefetcher is None
