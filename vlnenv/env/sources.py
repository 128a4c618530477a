"""Where episodes come from: fixed records, tasks sampled on given houses, or tasks on
freshly generated houses. Each source draws only from the generator it is handed, so an
environment reset with a seed replays the same episodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from vlnenv.env.prefetch import Prefetcher
from vlnenv.errors import TaskError
from vlnenv.expert.oracle import Oracle
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import DEFAULT_FAMILIES, sample_episode
from vlnenv.world.generate import GeneratorConfig, generate_house
from vlnenv.world.house import House


class EpisodeSource(Protocol):
    """Anything that hands out (house, episode) pairs."""

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        """The next episode, drawn with ``rng``."""
        ...


class FixedEpisodes:
    """Episodes from a list of records (a suite split, say), drawn uniformly.

    Args:
        episodes: the records.
        houses: house id -> house, covering every record's ``house``.
    """

    def __init__(self, episodes: Sequence[Episode], houses: Mapping[str, House]) -> None:
        if not episodes:
            raise TaskError("FixedEpisodes needs at least one episode")
        missing = sorted({ep.house for ep in episodes} - set(houses))
        if missing:
            raise TaskError(f"episodes name houses that were not given: {missing[:5]}")
        self.episodes = list(episodes)
        self.houses = houses  # kept as given: a suite loads its houses lazily

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        ep = self.episodes[int(rng.integers(len(self.episodes)))]
        return self.houses[ep.house], ep


class HouseTasks:
    """Fresh tasks sampled on a fixed set of houses.

    Args:
        houses: the houses (drawn uniformly).
        families: task families to sample.
    """

    def __init__(self, houses: Sequence[House], families: Sequence[str] = DEFAULT_FAMILIES):
        if not houses:
            raise TaskError("HouseTasks needs at least one house")
        self.houses = list(houses)
        self.families = tuple(families)
        self._oracles: dict[int, Oracle] = {}

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        i = int(rng.integers(len(self.houses)))
        house = self.houses[i]
        oracle = self._oracles.setdefault(i, Oracle(house))
        return house, sample_episode(house, rng, self.families, oracle=oracle)


def draw_generated(
    config: GeneratorConfig, families: Sequence[str], rng: np.random.Generator
) -> tuple[House, Episode]:
    """A fresh house (seed drawn from ``rng``) and an episode sampled in it with ``rng``."""
    seed = int(rng.integers(2**31))
    house = generate_house(config, seed)
    return house, sample_episode(house, rng, families, house_id=f"gen-{seed}")


class GeneratedTasks:
    """Fresh tasks on freshly generated houses.

    Args:
        config: the house generator's configuration.
        families: task families to sample.
        workers: background processes that draw ahead (0: every draw is made when asked);
            the same generator gives the same draws either way
            (:mod:`vlnenv.env.prefetch`).
        depth: draws prepared ahead of each generator (with ``workers``).
    """

    def __init__(self, config: GeneratorConfig, families: Sequence[str] = DEFAULT_FAMILIES,
                 workers: int = 0, depth: int = 2) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, got {workers}")
        self.config = config
        self.families = tuple(families)
        self.prefetcher = (Prefetcher(draw_generated, config, self.families, workers, depth)
                           if workers else None)

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        if self.prefetcher is not None:
            return self.prefetcher.draw(rng)
        return draw_generated(self.config, self.families, rng)

    def close(self) -> None:
        """Stop the background workers, if any."""
        if self.prefetcher is not None:
            self.prefetcher.close()
            self.prefetcher = None
