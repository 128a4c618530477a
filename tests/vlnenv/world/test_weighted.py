"""Weighted draws: the same indices, and the generator left in the same state, as
``Generator.choice`` with ``p = w / w.sum()``."""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.world.weighted import weighted_index, weighted_indices, weighted_sample


def random_weights(rng: np.random.Generator, n: int) -> list[float]:
    """Weights like the callers' (small integers, 1.0/3.0, exponentials) and arbitrary ones."""
    kind = int(rng.integers(4))
    if kind == 0:
        return rng.integers(1, 6, n).astype(float).tolist()
    if kind == 1:
        return rng.choice([1.0, 3.0], n).tolist()
    if kind == 2:
        return np.exp(-rng.random(n) * 5).tolist()
    return (rng.random(n) * 10.0 ** rng.integers(-3, 4)).tolist()


@pytest.mark.parametrize("seed", range(4))
def test_weighted_index_draws_what_generator_choice_draws(seed):
    source = np.random.default_rng(seed)
    for _ in range(500):
        weights = random_weights(source, int(source.integers(1, 200)))
        state = int(source.integers(2**31))
        ours, theirs = np.random.default_rng(state), np.random.default_rng(state)
        w = np.asarray(weights)
        assert weighted_index(ours, weights) == int(theirs.choice(len(w), p=w / w.sum()))
        assert ours.bit_generator.state == theirs.bit_generator.state


@pytest.mark.parametrize("seed", range(4))
def test_weighted_sample_draws_what_generator_choice_draws_without_replacement(seed):
    source = np.random.default_rng(100 + seed)
    for _ in range(500):
        n = int(source.integers(1, 200))
        weights = random_weights(source, n)
        size = int(source.integers(0, min(n, 12) + 1))
        state = int(source.integers(2**31))
        ours, theirs = np.random.default_rng(state), np.random.default_rng(state)
        w = np.asarray(weights)
        expected = theirs.choice(n, size=size, replace=False, p=w / w.sum()).tolist()
        assert weighted_sample(ours, weights, size) == expected
        assert ours.bit_generator.state == theirs.bit_generator.state


@pytest.mark.parametrize("seed", range(2))
def test_weighted_indices_draw_what_generator_choice_draws_with_replacement(seed):
    source = np.random.default_rng(200 + seed)
    for _ in range(500):
        n = int(source.integers(1, 200))
        weights = random_weights(source, n)
        size = int(source.integers(0, 12))
        state = int(source.integers(2**31))
        ours, theirs = np.random.default_rng(state), np.random.default_rng(state)
        w = np.asarray(weights)
        expected = theirs.choice(n, size=size, p=w / w.sum()).tolist()
        assert weighted_indices(ours, weights, size) == expected
        assert ours.bit_generator.state == theirs.bit_generator.state


def test_refused_weights_raise_numpys_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        weighted_index(rng, [1.0, -1.0, 2.0])
    with pytest.raises(ValueError):
        weighted_sample(rng, [1.0, 0.0, 0.0], 2)
