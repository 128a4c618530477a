"""Schedules, as pure functions of the step (or iteration) number."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.train.sections import OptimConfig

#: A re-aimed cosine: from ``step`` on, its progress runs linearly from ``progress`` to 1
#: at ``end`` (:func:`progress_at`).
Refit = tuple[int, float, int]


def progress_at(step: int, warmup_steps: int, max_steps: int,
                refits: Sequence[Refit] = ()) -> float:
    """How far along the cosine ``step`` is, in ``[0, 1]`` (``step >= warmup_steps``).

    Without refits ``p = (step - warmup) / (max_steps - warmup)``. A schedule re-aimed
    while it ran (:mod:`agents.train.budget`) keeps the progress it had reached and runs
    it on to 1 at the new end: with ``(s, p_s, e)`` the last refit at or before ``step``,
    ``p = p_s + (1 - p_s) (step - s) / (e - s)``. The learning rate never jumps, and the
    recorded refits repeat the schedule float for float.
    """
    start, done, end = warmup_steps, 0.0, max_steps
    for refit in refits:
        if refit[0] <= step:
            start, done, end = refit
    if end <= start:
        return 1.0
    return min(1.0, done + (1.0 - done) * (step - start) / (end - start))


def refitted(step: int, warmup_steps: int, max_steps: int, refits: Sequence[Refit],
             end: int) -> tuple[Refit, ...]:
    """The refits of a schedule re-aimed at ``step`` to end at ``end``: those before
    ``step`` (the plain cosine run so far counts as a refit at the warm-up's end), then
    ``(step, progress reached, end)``. Still warming up: none (a plain cosine to ``end``).
    """
    if step < warmup_steps:
        return ()
    done = progress_at(step, warmup_steps, max_steps, refits) if step > warmup_steps else 0.0
    kept = tuple(r for r in (refits or ((warmup_steps, 0.0, max_steps),)) if r[0] < step)
    return (*kept, (step, done, end))


def lr_factor(step: int, warmup_steps: int, max_steps: int, min_ratio: float,
              refits: Sequence[Refit] = ()) -> float:
    """The learning-rate multiplier at ``step`` (0-based, the step about to be taken).

    Linear warm-up, then cosine decay (Loshchilov & Hutter, 2017) to ``min_ratio``::

        step < warmup:            (step + 1) / warmup
        warmup <= step < max:     min_ratio + (1 - min_ratio) * (1 + cos(pi * p)) / 2,
                                  p = progress_at(step, warmup, max_steps, refits)
        step >= max_steps:        min_ratio

    The first step already gets ``1 / warmup`` of the peak (a zero learning rate would
    waste it), and the peak is reached on step ``warmup``.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if step >= max_steps or max_steps <= warmup_steps:
        return min_ratio
    progress = progress_at(step, warmup_steps, max_steps, refits)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def dagger_beta(iteration: int, beta0: float, decay: float) -> float:
    """``beta_i = beta0 * decay ** i``: the probability that the teacher acts in DAgger
    iteration ``i`` (0-based)."""
    return beta0 * decay ** iteration


def schedule_of(opt: OptimConfig) -> partial[float]:
    """The learning-rate multiplier of ``opt`` as a function of the step
    (:func:`lr_factor`), for ``LambdaLR``."""
    return partial(lr_factor, warmup_steps=opt.warmup_steps, max_steps=opt.max_steps,
                   min_ratio=opt.min_lr_ratio, refits=opt.refits)
