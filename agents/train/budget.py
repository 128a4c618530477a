"""Fitting the schedule to a wall-clock budget (``optim.fit_budget``).

A run given ``run.time_budget_s`` and a fixed ``optim.max_steps`` either ends its cosine
before the budget is spent (a fast machine idles) or is cut off before the cosine ends (a
slow one stops at a high learning rate). Budgeted training (Li, Yumer & Ramanan, "Budgeted
Training: Rethinking Deep Neural Network Training Under Resource Constraints", ICLR 2020)
decays the learning rate to its end exactly when the budget runs out. Here the rate of the
machine is first measured on the warm-up steps ``[PROBE_START, warmup_steps)``, whose
learning rates do not depend on ``max_steps`` (:func:`agents.train.schedule.lr_factor`),
and the cosine is set to end at the step that fits::

    max_steps = min(cap, step + floor(rate * seconds_left * (1 - MARGIN)))

A machine's pace is not constant (another program starts, or stops, during the warm-up),
so the pace is measured again every :func:`refit_interval` steps (about
:data:`REFIT_SHARE` of the budget) over the last :data:`RATE_WINDOW` intervals, and the
cosine re-aimed by the same formula, continuing from the progress it had reached
(:func:`agents.train.schedule.progress_at`): the learning rate never jumps, and the run
ends within a few per cent of its budget whatever the machine did on the way.

Every fit is recorded in the run's config (``optim.refits``, ``optim.max_steps``), so the
saved config (without the budget) repeats the run step for step on any machine.
"""

from __future__ import annotations

import math

#: Warm-up steps left out of the timing (first calls allocate and fill caches).
PROBE_START = 20
#: Fewest steps the timing spans.
PROBE_MIN = 30
#: Shortest warm-up that can be timed.
MIN_WARMUP = PROBE_START + PROBE_MIN
#: Share of the remaining budget kept back for checkpoints and timing noise.
MARGIN = 0.03
#: The pace is measured again (and the cosine re-aimed) after about this share of the budget.
REFIT_SHARE = 0.02
#: Fewest steps between two refits.
REFIT_MIN_STEPS = 5
#: Refit intervals the pace is measured over (the newest ones).
RATE_WINDOW = 2


def probe_window(warmup_steps: int) -> tuple[int, int]:
    """The steps ``[start, end)`` timed to measure the rate: the warm-up after its first
    :data:`PROBE_START` steps.

    Raises:
        ValueError: a warm-up too short to time (fewer than :data:`MIN_WARMUP` steps).
    """
    if warmup_steps < MIN_WARMUP:
        raise ValueError(f"a warm-up of {warmup_steps} steps is too short to time; expected "
                         f">= {MIN_WARMUP}")
    return PROBE_START, warmup_steps


def fitted_steps(step: int, rate: float, seconds_left: float, cap: int,
                 margin: float = MARGIN) -> int:
    """The step the cosine should end at: ``step`` plus the steps ``rate`` (steps per
    second) makes in ``seconds_left * (1 - margin)``, at most ``cap``, at least
    ``step + 1``."""
    more = math.floor(max(rate, 0.0) * max(seconds_left, 0.0) * (1.0 - margin))
    return max(step + 1, min(cap, step + more))


def refit_interval(rate: float, budget_s: float, share: float = REFIT_SHARE) -> int:
    """Steps until the next refit: those ``rate`` (steps per second) makes in ``share``
    of the budget, at least :data:`REFIT_MIN_STEPS`. Counted in steps, not seconds, so
    every rank of a distributed run refits at the same step."""
    return max(REFIT_MIN_STEPS, math.floor(max(rate, 0.0) * budget_s * share))


def recent_rate(marks: list[tuple[int, float]], window: int = RATE_WINDOW) -> float:
    """Steps per second over the last ``window`` spans of ``marks`` (``(step, time)``
    pairs in order, at least two)."""
    (first, began), (last, now) = marks[max(0, len(marks) - 1 - window)], marks[-1]
    return (last - first) / max(now - began, 1e-9)
