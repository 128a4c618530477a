"""Choosing the episodes to watch: one of a suite split (by id or index), or tasks sampled
on a map file. ``vln play``, ``vln record`` and ``vln plot trajectory`` all pick their
episodes here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from vlnenv.errors import VLNError
from vlnenv.language.instructions import FAMILIES
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.house import House
from vlnenv.world.mapfile import load_house


class EpisodeLookupError(VLNError):
    """An episode that is not in the split, or a task family that does not exist."""


@dataclass(frozen=True)
class EpisodeRef:
    """An episode with its house."""

    house: House
    """Where it takes place."""
    episode: Episode
    """The record."""
    index: int
    """Its index in its split (or the draw number for sampled tasks); policies get
    ``episode_seed(seed, index)`` from it, as in the benchmark."""


def episode_index(suite: Suite, split: str, episode: str | int) -> int:
    """The index in ``split`` of the episode with id ``episode``, or ``episode`` itself when
    it is an integer (or a string of digits) in range.

    Raises:
        EpisodeLookupError: no such id, or an index out of range.
    """
    episodes = suite.episodes(split)
    text = str(episode)
    if text.isdigit():
        index = int(text)
        if index >= len(episodes):
            raise EpisodeLookupError(f"episode index {index} out of range: split {split!r} of "
                                     f"suite {suite.name!r} has {len(episodes)} episodes")
        return index
    for index, record in enumerate(episodes):
        if record.episode_id == text:
            return index
    ids = [e.episode_id for e in episodes[:3]]
    raise EpisodeLookupError(f"no episode {text!r} in split {split!r} of suite {suite.name!r}; "
                             f"expected an index 0..{len(episodes) - 1} or an id like {ids}")


class EpisodeProvider(Protocol):
    """Episodes by number, for ``n`` (next episode) in ``vln play`` and ``--grid``."""

    def get(self, number: int) -> EpisodeRef:
        """The ``number``-th episode (0 is the first one asked for)."""
        ...


class SuiteEpisodes:
    """Consecutive episodes of a suite split, from ``first`` on, wrapping at the end.

    Args:
        suite: a loaded suite, or its name or folder.
        split: the split.
        first: the first episode, by id or index.
    """

    def __init__(self, suite: Suite | str, split: str, first: str | int = 0) -> None:
        self.suite = suite if isinstance(suite, Suite) else load_suite(suite)
        self.split = split
        self.first = episode_index(self.suite, split, first)
        self._episodes = self.suite.episodes(split)

    def get(self, number: int) -> EpisodeRef:
        index = (self.first + number) % len(self._episodes)
        record = self._episodes[index]
        return EpisodeRef(self.suite.houses[record.house], record, index)


class SampledEpisodes:
    """Fresh tasks of one family on one map file; draw ``i`` uses the generator seeded
    with ``(seed, i)``, so the same seed gives the same episodes.

    Args:
        path: the map file (``.toml``).
        family: task family (``go_to_room``, ``go_to_object``, ``fetch``, ``follow_route``,
            ``sequence``).
        seed: the seed.

    Raises:
        EpisodeLookupError: an unknown family.
        MapError: a malformed map file.
    """

    def __init__(self, path: str | os.PathLike[str], family: str, seed: int = 0) -> None:
        if family not in FAMILIES:
            raise EpisodeLookupError(f"unknown task family {family!r}; expected one of "
                                     f"{list(FAMILIES)}")
        self.path = Path(path)
        self.house = load_house(self.path)
        self.family = family
        self.seed = int(seed)

    def get(self, number: int) -> EpisodeRef:
        rng = np.random.default_rng([self.seed, int(number)])
        record = sample_episode(self.house, rng, [self.family], house_id=self.path.stem,
                                episode_id=f"{self.path.stem}-{self.family}-{self.seed}-{number}")
        return EpisodeRef(self.house, record, int(number))
