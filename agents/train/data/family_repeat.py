"""Families learned more slowly seen more often: each demonstration of a family played
``data.family_repeat[family]`` times an epoch.

Behaviour cloning sees each family in proportion to its demonstrations' steps. In the
quickstart's data (``small/train``, routes cut into their parts) ``fetch`` holds 35% of
the labelled steps and ``follow_route`` 24%, yet routes are learned last: at half pace
(one thread beside two CPU-bound processes, ~3,200 steps) the quickstart met every
family's target on ``small/test`` but routes' (docs/experiments/37-words-read-directly.md).
Routes played twice there did not gain and cost the other families 6 points
(docs/experiments/39-long-walks-counted.md), so no shipped config sets it. With ``r_f``
plays of family ``f`` and ``s_f`` its steps, family ``f`` holds

    share_f = r_f · s_f / Σ_g r_g · s_g

of an epoch's samples (a family left out of the mapping is played once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from agents.train.data.demo_set import DemoSet


def family_repeats(families: Sequence[str], repeat: Mapping[str, int]) -> np.ndarray:
    """Plays an epoch of each demonstration, by its family (1 where ``repeat`` is silent).

    >>> family_repeats(["fetch", "follow_route", "go_to_room"], {"follow_route": 2}).tolist()
    [1, 2, 1]
    """
    return np.asarray([int(repeat.get(f, 1)) for f in families], np.int64)  # (n,)


def repeat_families(demos: DemoSet, repeat: Mapping[str, int]) -> tuple[DemoSet, dict[str, int]]:
    """``demos`` with each demonstration played :func:`family_repeats` times an epoch
    (copies next to their original), and the copies added per family."""
    families = [ep.family for ep in demos.episodes]
    times = family_repeats(families, repeat)  # (n,)
    added: dict[str, int] = {}
    for family, t in zip(families, times, strict=True):
        if t > 1:
            added[family] = added.get(family, 0) + int(t) - 1
    return demos.repeated(times), added
