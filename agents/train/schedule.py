"""Schedules, as pure functions of the step (or iteration) number."""

from __future__ import annotations

import math


def lr_factor(step: int, warmup_steps: int, max_steps: int, min_ratio: float) -> float:
    """The learning-rate multiplier at ``step`` (0-based, the step about to be taken).

    Linear warm-up, then cosine decay (Loshchilov & Hutter, 2017) to ``min_ratio``::

        step < warmup:            (step + 1) / warmup
        warmup <= step < max:     min_ratio + (1 - min_ratio) * (1 + cos(pi * p)) / 2,
                                  p = (step - warmup) / (max_steps - warmup)
        step >= max_steps:        min_ratio

    The first step already gets ``1 / warmup`` of the peak (a zero learning rate would
    waste it), and the peak is reached on step ``warmup``.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if step >= max_steps or max_steps <= warmup_steps:
        return min_ratio
    progress = (step - warmup_steps) / (max_steps - warmup_steps)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def dagger_beta(iteration: int, beta0: float, decay: float) -> float:
    """``beta_i = beta0 * decay ** i``: the probability that the teacher acts in DAgger
    iteration ``i`` (0-based)."""
    return beta0 * decay ** iteration
