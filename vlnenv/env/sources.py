"""Where episodes come from: fixed records (a suite split), tasks sampled on given houses,
or tasks on freshly generated houses. Build one with the named factories of
:class:`EpisodeSource`:

* ``EpisodeSource.generated(size="small", families=..., prefetch=0)``: fresh houses;
* ``EpisodeSource.houses(houses, families=...)``: fresh tasks on these houses;
* ``EpisodeSource.episodes(episodes, houses)``: these records, ``houses`` by id;
* ``EpisodeSource.suite(name, split)``: a suite split's records.

Each source draws only from the generator it is handed, so an environment reset with a
seed replays the same episodes. A source also knows houses by id (``house_map``: the
records' houses, plus any given) for the environment's ``reset`` options, and the task
families ``reset`` samples from when asked for an instruction in a house of its choosing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from vlnenv.env.checks import check_families, check_houses
from vlnenv.env.prefetch import Prefetcher
from vlnenv.errors import EnvError, TaskError
from vlnenv.expert.oracle import Oracle
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import DEFAULT_FAMILIES, sample_episode
from vlnenv.world.generate import PRESETS, GeneratorConfig, generate_house
from vlnenv.world.house import House

if TYPE_CHECKING:
    from vlnenv.suites.load import Suite

_NO_HOUSES: Mapping[str, House] = MappingProxyType({})


class EpisodeSource(ABC):
    """Anything that hands out (house, episode) pairs; made by the factories below.

    Attributes:
        families: task families sampled (by the source, or by ``reset`` options that ask
            for a fresh instruction).
        house_map: house id -> house, for ``reset(options=...)``.
    """

    families: tuple[str, ...] = DEFAULT_FAMILIES
    house_map: Mapping[str, House] = _NO_HOUSES

    @abstractmethod
    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        """The next episode, drawn with ``rng``."""

    def capacity(self) -> tuple[int, int]:
        """``(rows, cols)`` of the largest house the source can hand out, where known
        (at least 3x3; a batched env grows its blocks if a larger one comes)."""
        return 3, 3

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the source holds (background workers)."""

    # ------------------------------------------------------------------ factories
    @staticmethod
    def generated(size: str | GeneratorConfig = "small",
                  families: Sequence[str] = DEFAULT_FAMILIES, prefetch: int = 0,
                  house_map: Mapping[str, House] | None = None) -> GeneratedTasks:
        """Fresh tasks on freshly generated houses.

        Args:
            size: a preset name (``"small"``: 3-6 rooms, ``"large"``: 8-14 rooms,
                ``"huge"``: 16-24 rooms) or a generator config.
            families: task families to sample.
            prefetch: background processes that generate houses ahead (0: none); the same
                seed gives the same episodes either way (:mod:`vlnenv.env.prefetch`).
            house_map: houses known by id for ``reset`` options.

        Raises:
            EnvError: an unknown preset, bad families or a negative ``prefetch``.
        """
        if isinstance(size, str):
            if size not in PRESETS:
                raise EnvError(f"size must be one of {sorted(PRESETS)} or a GeneratorConfig, "
                               f"got {size!r}")
            size = PRESETS[size]
        elif not isinstance(size, GeneratorConfig):
            raise EnvError(f"size must be one of {sorted(PRESETS)} or a GeneratorConfig, got "
                           f"{type(size).__name__}")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
            raise EnvError(f"prefetch must be an integer >= 0 (background processes), got "
                           f"{prefetch!r}")
        return GeneratedTasks(size, check_families(families), workers=prefetch,
                              house_map=house_map)

    @staticmethod
    def houses(houses: Sequence[House], families: Sequence[str] = DEFAULT_FAMILIES,
               house_map: Mapping[str, House] | None = None) -> HouseTasks:
        """Fresh tasks sampled on ``houses`` (drawn uniformly).

        Raises:
            EnvError: ``houses`` not a list of houses, or bad families.
            TaskError: no house.
        """
        return HouseTasks(check_houses(houses), check_families(families), house_map)

    @staticmethod
    def episodes(episodes: Sequence[Episode], houses: Mapping[str, House],
                 families: Sequence[str] = DEFAULT_FAMILIES) -> FixedEpisodes:
        """These episode records, drawn uniformly.

        Args:
            episodes: the records.
            houses: house id -> house, covering every record's ``house``.
            families: what ``reset`` samples when asked for a fresh instruction.

        Raises:
            TaskError: no episode, or a record names a house not given.
        """
        return FixedEpisodes(episodes, houses, check_families(families))

    @staticmethod
    def suite(suite: str | Suite, split: str,
              families: Sequence[str] | None = None) -> FixedEpisodes:
        """The records of a suite split (those of ``families`` only, when given).

        Raises:
            SuiteError: an unknown suite or split.
            TaskError: no episode of ``families`` in the split.
        """
        from vlnenv.suites.load import Suite, load_suite

        suite = suite if isinstance(suite, Suite) else load_suite(suite)
        records = suite.episodes(split)
        if families is not None:
            keep = set(check_families(families))
            records = [ep for ep in records if ep.family in keep]
        return FixedEpisodes(records, suite.houses,
                             DEFAULT_FAMILIES if families is None else tuple(families))


class FixedEpisodes(EpisodeSource):
    """Episodes from a list of records (a suite split, say), drawn uniformly
    (:meth:`EpisodeSource.episodes`).

    Args:
        episodes: the records.
        houses: house id -> house, covering every record's ``house``.
        families: what ``reset`` samples when asked for a fresh instruction.
    """

    def __init__(self, episodes: Sequence[Episode], houses: Mapping[str, House],
                 families: Sequence[str] = DEFAULT_FAMILIES) -> None:
        if not episodes:
            raise TaskError("FixedEpisodes needs at least one episode")
        missing = sorted({ep.house for ep in episodes} - set(houses))
        if missing:
            raise TaskError(f"episodes name houses that were not given: {missing[:5]}")
        self.episodes = list(episodes)
        self.houses = houses  # kept as given: a suite loads its houses lazily
        self.house_map = houses
        self.families = tuple(families)

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        ep = self.episodes[int(rng.integers(len(self.episodes)))]
        return self.houses[ep.house], ep

    def capacity(self) -> tuple[int, int]:
        return _largest(list(self.houses.values()))


class HouseTasks(EpisodeSource):
    """Fresh tasks sampled on a fixed set of houses (:meth:`EpisodeSource.houses`).

    Args:
        houses: the houses (drawn uniformly).
        families: task families to sample.
        house_map: houses known by id for ``reset`` options.
    """

    def __init__(self, houses: Sequence[House], families: Sequence[str] = DEFAULT_FAMILIES,
                 house_map: Mapping[str, House] | None = None) -> None:
        if not houses:
            raise TaskError("HouseTasks needs at least one house")
        self.houses = list(houses)
        self.families = tuple(families)
        self.house_map = _NO_HOUSES if house_map is None else house_map
        self._oracles: dict[int, Oracle] = {}

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        i = int(rng.integers(len(self.houses)))
        house = self.houses[i]
        oracle = self._oracles.setdefault(i, Oracle(house))
        return house, sample_episode(house, rng, self.families, oracle=oracle)

    def capacity(self) -> tuple[int, int]:
        return _largest(self.houses)


def draw_generated(
    config: GeneratorConfig, families: Sequence[str], rng: np.random.Generator
) -> tuple[House, Episode]:
    """A fresh house (seed drawn from ``rng``) and an episode sampled in it with ``rng``."""
    seed = int(rng.integers(2**31))
    house = generate_house(config, seed)
    return house, sample_episode(house, rng, families, house_id=f"gen-{seed}")


class GeneratedTasks(EpisodeSource):
    """Fresh tasks on freshly generated houses (:meth:`EpisodeSource.generated`).

    Args:
        config: the house generator's configuration.
        families: task families to sample.
        workers: background processes that draw ahead (0: every draw is made when asked);
            the same generator gives the same draws either way
            (:mod:`vlnenv.env.prefetch`). They start at the first draw.
        depth: draws prepared ahead of each generator (with ``workers``).
        house_map: houses known by id for ``reset`` options.
    """

    def __init__(self, config: GeneratorConfig, families: Sequence[str] = DEFAULT_FAMILIES,
                 workers: int = 0, depth: int = 2,
                 house_map: Mapping[str, House] | None = None) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, got {workers}")
        self.config = config
        self.families = tuple(families)
        self.workers, self.depth = workers, depth
        self.house_map = _NO_HOUSES if house_map is None else house_map
        self.prefetcher: Prefetcher | None = None

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        if self.workers and self.prefetcher is None:
            self.prefetcher = Prefetcher(draw_generated, self.config, self.families,
                                         self.workers, self.depth)
        if self.prefetcher is not None:
            return self.prefetcher.draw(rng)
        return draw_generated(self.config, self.families, rng)

    def capacity(self) -> tuple[int, int]:
        return self.config.height[1], self.config.width[1]

    def close(self) -> None:
        """Stop the background workers, if any."""
        if self.prefetcher is not None:
            self.prefetcher.close()
            self.prefetcher = None

    def __deepcopy__(self, memo: dict) -> GeneratedTasks:
        """A copy with no workers started (``gym.make`` copies its registered source)."""
        return GeneratedTasks(self.config, self.families, self.workers, self.depth,
                              self.house_map)


def _largest(houses: Sequence[House]) -> tuple[int, int]:
    if not houses:
        return 3, 3
    return max(h.height for h in houses), max(h.width for h in houses)
