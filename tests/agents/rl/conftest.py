"""Fixtures of the RL tests: one torch thread, a tiny model, and a one-episode house that
PPO learns in seconds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import helpers
import pytest
from helpers import TINY_MODEL, one_thread  # noqa: F401 - the autouse fixture

from agents.rl.config import RLConfig
from agents.train.config import resolve_config
from vlnenv.env.config import EnvConfig
from vlnenv.env.sources import EpisodeSource
from vlnenv.vector import BatchedGridHouseEnv

#: A tiny model that reads sequences and routes part by part (its roll-outs keep stop rows).
PART_READER = ("model.read_parts=true", "model.read_route_parts=true", "model.gps=true")


def rl_config(out: Path, *overrides: str) -> RLConfig:
    """A fast PPO config on the tiny suite writing to ``out``."""
    return resolve_config(None, [*TINY_MODEL, "env.suite=tiny", "env.lanes=4",
                                 "ppo.rollout=8", "ppo.total_frames=128", "ppo.minibatches=2",
                                 "ppo.epochs=2", "eval.every=0", "eval.episodes=2",
                                 "eval.batch=2", "run.log_every=1", "run.progress_bar=false",
                                 "run.tensorboard=false", f"run.out={out}", *overrides],
                          base=RLConfig())


@pytest.fixture
def config(tmp_path: Path) -> Callable[..., RLConfig]:
    """``config(*overrides)``: a fast tiny-suite PPO config writing under ``tmp_path``."""
    return lambda *overrides: rl_config(tmp_path / "run", *overrides)


def corridor_env(lanes: int, dense_reward: float = 0.1) -> BatchedGridHouseEnv:
    """Every lane plays one episode: a bedroom and a kitchen in a row, the agent at the
    kitchen's east end facing west, told to go to the bedroom (optimal: three steps
    forward, then stop)."""
    house = helpers.make_house(["#######", "#AA/KK#", "#######"],
                               {"A": "bedroom", "K": "kitchen"})
    probe = BatchedGridHouseEnv(1, EpisodeSource.houses([house], ("go_to_room",)))
    probe.reset(seed=0)
    episode = probe.episode(0)
    assert episode.start == (1, 5, 2) and episode.instruction == "Go into the bedroom."
    return BatchedGridHouseEnv(lanes, EpisodeSource.episodes([episode], {episode.house: house}),
                               EnvConfig(dense_reward=dense_reward))
