"""Prefetched fresh houses: the same seed gives the same episodes with or without the pool
of background workers, and a draw a worker prepared is served from the pool."""

from concurrent.futures import wait

import gymnasium as gym
import numpy as np
import pytest

import vlnenv  # noqa: F401 - registers the ids
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.prefetch import Prefetcher, state_key
from vlnenv.env.sources import EpisodeSource, draw_generated
from vlnenv.tasks.sample import DEFAULT_FAMILIES
from vlnenv.world.generate import SMALL


def episodes_after_reset(env, seed, count):
    """(house, episode) of the reset with ``seed`` and the ``count`` plain resets after it."""
    env.reset(seed=seed)
    out = [(env.house, env.episode)]
    for _ in range(count):
        env.reset()
        out.append((env.house, env.episode))
    return out


def test_same_seed_same_episodes_with_or_without_prefetch():
    plain = episodes_after_reset(GridHouseEnv(), 11, 5)
    env = GridHouseEnv(EpisodeSource.generated(prefetch=1))
    try:
        pooled = episodes_after_reset(env, 11, 5)
    finally:
        env.close()
    assert [e for _, e in pooled] == [e for _, e in plain]
    assert [h for h, _ in pooled] == [h for h, _ in plain]
    assert len({e.house for _, e in plain}) == 6  # a fresh house at every reset


def test_batched_env_with_prefetch_plays_the_same_episodes():
    def rounds(env):
        env.reset(seed=3)
        out = [[env.episode(i) for i in range(env.num_envs)]]
        for _ in range(2):
            env.reset(options={"reset_mask": np.ones(env.num_envs, bool)})
            out.append([env.episode(i) for i in range(env.num_envs)])
        return out

    plain = rounds(gym.make_vec("vlnenv/GridHouse-v0", num_envs=3))
    env = gym.make_vec("vlnenv/GridHouse-v0", num_envs=3,
                       source=EpisodeSource.generated(prefetch=1))
    try:
        assert rounds(env) == plain
    finally:
        env.close()


def test_prepared_draws_are_served_from_the_pool_and_leave_the_generator_as_drawn():
    reference = np.random.default_rng(5)
    expected = [draw_generated(SMALL, DEFAULT_FAMILIES, reference) for _ in range(4)]
    pool = Prefetcher(draw_generated, SMALL, DEFAULT_FAMILIES, workers=1, depth=3)
    try:
        rng = np.random.default_rng(5)
        got = [pool.draw(rng)]  # nothing prepared yet: drawn here, the next three queued
        wait(list(pool._pending.values()))
        got += [pool.draw(rng) for _ in range(3)]
    finally:
        pool.close()
    assert pool.hits == 3
    assert got == expected
    assert state_key(rng.bit_generator.state) == state_key(reference.bit_generator.state)


def test_state_key_names_pcg64_states_only():
    assert state_key(np.random.default_rng(0).bit_generator.state)[0] == "PCG64"
    assert state_key(np.random.Generator(np.random.MT19937(0)).bit_generator.state) is None


def test_prefetch_belongs_to_generated_houses_only():
    """Only ``EpisodeSource.generated`` takes ``prefetch`` (it was an env argument refused
    with any other source); a negative count is refused."""
    for factory in (EpisodeSource.houses, EpisodeSource.episodes, EpisodeSource.suite):
        with pytest.raises(TypeError, match="prefetch"):
            factory([], {}, prefetch=1)
    with pytest.raises(ValueError, match="prefetch must be an integer >= 0"):
        GridHouseEnv(EpisodeSource.generated(prefetch=-1))
