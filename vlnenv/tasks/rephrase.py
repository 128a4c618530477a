"""The same episode said again: only the instruction text changes.

Used for the ``*_phrasing`` splits of a suite (the episodes of another split said in
held-out or trained phrasing, :mod:`vlnenv.language.phrasing`) and for training and
pretraining data said in trained phrasing only (:func:`said_in`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from vlnenv.language.phrasing import Phrasing
from vlnenv.language.realise import realise
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House

#: Second spawn-key entry of the generator :func:`said_in` says episode ``i`` with.
PHRASING_KEY = 1


def rephrase(episode: Episode, house: House, rng: np.random.Generator,
             phrasing: Phrasing | str) -> Episode:
    """``episode`` with its task realised afresh in ``phrasing``; house, start, task,
    reference path, goal, budget and id are kept.

    Raises:
        TaskError: the task does not fit ``house`` or ``phrasing`` is unknown.
    """
    text = realise(episode.task, house, rng, phrasing)
    return dataclasses.replace(episode, instruction=text)


def said_in(episode: Episode, house: House, phrasing: str, seed: int, index: int) -> Episode:
    """Episode ``index`` of a data set as training reads it: unchanged for ``phrasing ==
    "any"``, otherwise said again in ``phrasing`` (:func:`rephrase`) with the generator
    ``SeedSequence(seed, (index, PHRASING_KEY))``."""
    if phrasing == "any":
        return episode
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, PHRASING_KEY)))
    return rephrase(episode, house, rng, phrasing)


def said_all(episodes: Sequence[Episode], houses: Mapping[str, House], phrasing: str,
             seed: int) -> list[Episode]:
    """A data set's episodes as training reads them: :func:`said_in` of episode ``j`` at
    index ``j`` (the list as it is for ``phrasing == "any"``)."""
    if phrasing == "any":
        return list(episodes)
    return [said_in(ep, houses[ep.house], phrasing, seed, j) for j, ep in enumerate(episodes)]
