"""Weighted draws from a seeded generator: exactly the draws of ``Generator.choice`` with
probabilities ``p = w / w.sum()``, for the short weight lists of the house generator and
the instruction realiser.

``Generator.choice`` checks and converts its arguments with numpy calls that cost 10-30 µs
a call, several times the draw itself for a handful of weights, and a generated house and
its episode make dozens of such draws. The functions here make the same draws on plain
Python floats, step for step as numpy 2's ``Generator.choice`` does (the same
``rng.random`` calls, the same float operations in the same order), so a seed gives the
same houses and episodes as before; ``tests/vlnenv/world/test_weighted.py`` compares
them with ``Generator.choice`` on random weights.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

#: Longest weight list summed here in numpy's order (its pairwise block; longer lists are
#: summed by numpy itself).
_BLOCK = 128


def _numpy_sum(values: list[float]) -> float:
    """``np.sum`` of a float64 array of ``values``, in numpy's own order: one loop below 8
    values, else 8 running sums (numpy's pairwise summation, one block)."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n > _BLOCK:
        return float(np.sum(np.array(values, dtype=np.float64)))
    r = values[:8]
    end = n - n % 8
    for i in range(8, end, 8):
        for j in range(8):
            r[j] += values[i + j]
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(end, n):
        total += values[i]
    return total


def _cdf(p: list[float]) -> list[float]:
    """``cdf = np.cumsum(p); cdf /= cdf[-1]`` (``accumulate`` adds left to right, as
    ``cumsum`` does)."""
    cdf = list(accumulate(p))
    last = cdf[-1]
    return [c / last for c in cdf]


def _probabilities(weights: Sequence[float]) -> list[float] | None:
    """``w / w.sum()`` as plain floats, or ``None`` when ``Generator.choice`` would refuse
    them (the caller then lets numpy raise its own error)."""
    w = [float(x) for x in weights]
    if not w or min(w) < 0:
        return None
    total = _numpy_sum(w)
    if not 0 < total < float("inf"):
        return None
    return [x / total for x in w]


def weighted_index(rng: np.random.Generator, weights: Sequence[float]) -> int:
    """One index drawn with probability ``weights[i] / sum(weights)``: exactly
    ``int(rng.choice(len(w), p=w / w.sum()))`` for ``w = np.asarray(weights, float)``.

    Raises:
        ValueError: weights ``Generator.choice`` refuses (empty, negative, zero sum).
    """
    p = _probabilities(weights)
    if p is None:
        w = np.asarray(weights, dtype=np.float64)
        return int(rng.choice(len(w), p=w / w.sum()))
    return bisect_right(_cdf(p), rng.random())


def weighted_indices(rng: np.random.Generator, weights: Sequence[float],
                     size: int) -> list[int]:
    """``size`` indices drawn with replacement: exactly
    ``rng.choice(len(w), size=size, p=w / w.sum()).tolist()``.

    Raises:
        ValueError: weights ``Generator.choice`` refuses (empty, negative, zero sum).
    """
    p = _probabilities(weights)
    if p is None or size < 0:
        w = np.asarray(weights, dtype=np.float64)
        return rng.choice(len(w), size=size, p=w / w.sum()).tolist()
    cdf = _cdf(p)
    return [bisect_right(cdf, u) for u in rng.random(size).tolist()]


def weighted_sample(rng: np.random.Generator, weights: Sequence[float], size: int) -> list[int]:
    """``size`` distinct indices drawn with probabilities ``weights / sum(weights)``:
    exactly ``rng.choice(len(w), size=size, replace=False, p=w / w.sum()).tolist()``.

    Algorithm (numpy's): draw ``size - found`` uniforms, look each up in the cumulative
    distribution of the weights not yet drawn, keep the new indices in order of first
    appearance, repeat until ``size`` are found.

    Raises:
        ValueError: weights ``Generator.choice`` refuses, or fewer non-zero weights than
            ``size``.
    """
    p = _probabilities(weights)
    if p is None or size < 0 or sum(1 for x in p if x > 0) < size:
        w = np.asarray(weights, dtype=np.float64)
        return rng.choice(len(w), size=size, replace=False, p=w / w.sum()).tolist()
    found: list[int] = []
    while len(found) < size:
        x = rng.random(size - len(found)).tolist()
        for i in found:
            p[i] = 0.0
        cdf = _cdf(p)
        for u in x:
            i = bisect_right(cdf, u)
            if i not in found:
                found.append(i)
    return found
