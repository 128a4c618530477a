"""Choosing the episodes to watch: one of a suite split (by id or index), tasks sampled
on a map file, or a typed instruction in a map file or a suite episode's house. ``vln
play``, ``vln run``, ``vln record`` and ``vln plot trajectory`` all pick their episodes
here."""

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
from vlnenv.tasks.from_text import typed_episode
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.dynamics import Pose
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


class TypedEpisodes:
    """A typed instruction in one house: draw ``i`` reads it with
    :func:`vlnenv.language.parse` from ``start`` (or from a start pose drawn with the
    generator seeded with ``(seed, i)``), as :func:`vlnenv.tasks.from_text.typed_episode`.

    Args:
        house: the house.
        text: the instruction as typed.
        start: the start pose ``(row, col, heading)``, or ``None`` to draw one.
        seed: the seed.
        house_id: the records' ``house`` field.
    """

    def __init__(self, house: House, text: str, start: Pose | None = None, seed: int = 0,
                 house_id: str | None = None) -> None:
        self.house, self.text, self.start = house, text, start
        self.seed = int(seed)
        self.house_id = house_id
        self.get(0)  # refuse words that cannot be read before anything runs

    def get(self, number: int) -> EpisodeRef:
        rng = np.random.default_rng([self.seed, int(number)])
        record = typed_episode(self.house, self.text, rng, self.start, self.house_id,
                               episode_id=f"typed-{self.seed}-{number}")
        return EpisodeRef(self.house, record, int(number))


def parse_start(text: str) -> Pose:
    """``"9,10,0"`` -> ``(9, 10, 0)``.

    Raises:
        EpisodeLookupError: not three comma-separated integers.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts):
        raise EpisodeLookupError(f"start {text!r}: expected ROW,COL,HEADING (three integers, "
                                 "heading 0 east, 1 south, 2 west, 3 north)")
    r, c, h = (int(p) for p in parts)
    return (r, c, h)


def choose_episodes(house: str | os.PathLike[str] | None, suite: str, split: str,
                    episode: str | int, instruction: str | None = None,
                    start: Pose | None = None, family: str = "go_to_room",
                    seed: int = 0) -> EpisodeProvider:
    """The episodes ``vln play`` and ``vln run`` show: a typed ``instruction`` in a map
    file (``house``) or in the house of a suite episode (from that episode's start unless
    ``start`` is given); without an instruction, fresh ``family`` tasks on the map file
    or the suite's episodes from ``episode`` on."""
    if house is not None:
        if instruction is None:
            return SampledEpisodes(house, family, seed)
        return TypedEpisodes(load_house(house), instruction, start, seed, Path(house).stem)
    episodes = SuiteEpisodes(suite, split, episode)
    if instruction is None:
        return episodes
    ref = episodes.get(0)
    return TypedEpisodes(ref.house, instruction, start or ref.episode.start, seed,
                         ref.episode.house)
