"""The bytes of the default ids' fresh houses and episodes, pinned: generated houses
(small and large), episodes sampled in them (every family) and ``gym.make``'s
transitions with a fresh house at every reset (observations, rewards, ends, infos) hash to
the values recorded before the speed-ups of docs/throughput.md ("Fresh houses"), so a
rewrite for speed that changes a single draw, pixel or info value fails here.

If a numpy upgrade changes ``Generator`` streams, every digest moves together: re-pin
them from a tree known to be right, and say so in the commit.
"""

from __future__ import annotations

import hashlib

import gymnasium as gym
import numpy as np

import vlnenv  # noqa: F401  (registers the ids)
from vlnenv.env.config import EnvConfig
from vlnenv.env.sources import draw_generated
from vlnenv.tasks.sample import DEFAULT_FAMILIES, sample_episode
from vlnenv.world.generate import LARGE, SMALL, generate_house
from vlnenv.world.mapfile import dumps_house

#: Recorded on the tree before those speed-ups (0198542).
HOUSES = "beb166aa633658d29b5f7ac0c1fc62111ccbbd82abcf1302af7d23c6c70eb635"
EPISODES = "062d69389a42d115f216a508103b954cc813d3c005ba7ca57864f5448e112b91"
TRANSITIONS = "1f8ec947cc9a8dfcd22324b7cb78515599ec9d3f7371d97ddf90a21946fe90b8"


def houses_digest() -> str:
    digest = hashlib.sha256()
    for config, seeds in ((SMALL, range(40)), (LARGE, range(3))):
        for seed in seeds:
            house = generate_house(config, seed)
            digest.update(dumps_house(house).encode() + repr(house.pieces).encode())
            digest.update(house.room_map.tobytes())
    return digest.hexdigest()


def episodes_digest() -> str:
    digest = hashlib.sha256()
    rng = np.random.default_rng(1)
    for _ in range(40):
        _, episode = draw_generated(SMALL, DEFAULT_FAMILIES, rng)
        digest.update(episode.dumps().encode())
    for family in DEFAULT_FAMILIES:
        rng = np.random.default_rng(2)
        for seed in range(8):
            house = generate_house(SMALL, 1000 + seed)
            digest.update(sample_episode(house, rng, (family,), house_id="x").dumps().encode())
    return digest.hexdigest()


def transitions_digest() -> str:
    digest = hashlib.sha256()
    for config in (EnvConfig(), EnvConfig(dense_reward=0.1, expert="oracle")):
        env = gym.make("vlnenv/GridHouse-v0", config=config)
        obs, info = env.reset(seed=0)
        for action in np.random.default_rng(0).integers(0, 7, 1500).tolist():
            obs, reward, terminated, truncated, info = env.step(action)
            digest.update(obs["image"].tobytes() + repr((
                obs["direction"], obs["carrying"], obs["instruction"], obs["gps"].tolist(),
                reward, terminated, truncated, sorted(info.items()))).encode())
            if terminated or truncated:
                obs, info = env.reset()
                digest.update(obs["image"].tobytes() + repr(sorted(info.items())).encode())
    return digest.hexdigest()


def test_generated_houses_are_the_pinned_bytes():
    assert houses_digest() == HOUSES


def test_sampled_episodes_are_the_pinned_bytes():
    assert episodes_digest() == EPISODES


def test_fresh_house_transitions_are_the_pinned_bytes():
    assert transitions_digest() == TRANSITIONS
