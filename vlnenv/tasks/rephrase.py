"""The same episode said again: only the instruction text changes.

Used for the ``*_phrasing`` splits of a suite (the episodes of another split said in
held-out or trained phrasing, :mod:`vlnenv.language.phrasing`) and for training data
said in trained phrasing only.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vlnenv.language.phrasing import Phrasing
from vlnenv.language.realise import realise
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


def rephrase(episode: Episode, house: House, rng: np.random.Generator,
             phrasing: Phrasing | str) -> Episode:
    """``episode`` with its task realised afresh in ``phrasing``; house, start, task,
    reference path, goal, budget and id are kept.

    Raises:
        TaskError: the task does not fit ``house`` or ``phrasing`` is unknown.
    """
    text = realise(episode.task, house, rng, phrasing)
    return dataclasses.replace(episode, instruction=text)
