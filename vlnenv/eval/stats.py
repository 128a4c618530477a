"""Aggregating per-episode metrics: means with Student-t confidence intervals, and
comparisons of two agents (Welch's or the paired t-test), without scipy.

The t distribution is computed from the regularized incomplete beta function,
``I_x(a, b)``, evaluated by its continued fraction (Numerical Recipes in C, 2nd ed.,
section 6.4, ``betai`` and ``betacf``, modified Lentz's method). The t quantile inverts
the t survival function by Newton's method kept inside a bisection bracket (NR 9.4,
``rtsafe``). Any real df > 0 is accepted (Welch's df is not an integer); against
scipy, t probabilities and quantiles agree to within 1e-12 relative for df up to 1e3,
1e-11 up to 1e5 and 1e-10 up to 1e6, the error growing about in proportion to df beyond
(rounding in the continued fraction near ``x = 1``); ``df = inf`` is the normal
distribution, exact.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from vlnenv.eval.metrics import MetricError

#: Name of the group that pools every record in :func:`aggregate`.
OVERALL = "overall"

_EPS = 3e-16
_TINY = 1e-300


# ---------------------------------------------------------------------------- distributions
def _betacf(a: float, b: float, x: float, y: float) -> float:
    """Continued fraction of the incomplete beta function (NR ``betacf``, modified Lentz):
    ``I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * betacf(a, b, x)``; converges fast for
    ``x < (a + 1) / (a + b + 2)``. ``y = 1 - x``: the first denominator
    ``1 - (a+b) x / (a+1)`` is computed as ``(1 - b + (a+b) y) / (a+1)``, which keeps
    its precision when ``x`` is near 1 and ``a`` large (the t distribution at large df)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, (1.0 - b + qab * y) / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    max_iter = 200 + int(20 * math.sqrt(max(a, b)))
    for m in range(1, max_iter + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise MetricError(f"incomplete beta continued fraction did not converge for a={a}, "
                      f"b={b}, x={x}")


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function
    ``I_x(a, b) = (1 / B(a, b)) * int_0^x t^(a-1) (1-t)^(b-1) dt`` for ``a, b > 0`` and
    ``0 <= x <= 1`` (NR ``betai``: the continued fraction, on ``I_{1-x}(b, a)`` when
    ``x > (a + 1) / (a + b + 2)``).
    """
    return _betainc(a, b, x, 1.0 - x)


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """:func:`betainc` given both ``x`` and ``y = 1 - x``, so that a caller who knows
    ``y`` more precisely than ``1 - x`` (``x`` near 1) keeps that precision."""
    if not (a > 0 and b > 0):
        raise MetricError(f"betainc needs a > 0 and b > 0, got a={a}, b={b}")
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise MetricError(f"betainc needs 0 <= x <= 1, got x={x}")
    if x == 0.0 or y == 0.0:
        return 0.0 if x == 0.0 else 1.0
    log_x = math.log(x) if x < 0.5 else math.log1p(-y)
    log_y = math.log(y) if y < 0.5 else math.log1p(-x)
    log_front = a * log_x + b * log_y - _log_beta(a, b)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x, y) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, y, x) / b


def _stirling_tail(x: float) -> float:
    """``lgamma(x) - ((x - 1/2) ln x - x + ln(2 pi)/2)``, the Stirling series
    ``1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7)`` (error below 1e-20 for
    ``x >= 100``)."""
    x2 = x * x
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * x2)) / x2) / x2) / x


def _log_beta(a: float, b: float) -> float:
    """``ln B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)``. When the larger argument
    is 100 or more, ``lgamma(a + b) - lgamma(a)`` (``a >= b``) is taken from Stirling's
    series as ``(a - 1/2) ln(1 + b/a) + b ln(a + b) - b + tail(a + b) - tail(a)``, which
    avoids cancelling two huge numbers (the t distribution at large df)."""
    a, b = max(a, b), min(a, b)
    if a < 100.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    ratio = ((a - 0.5) * math.log1p(b / a) + b * math.log(a + b) - b
             + _stirling_tail(a + b) - _stirling_tail(a))
    return math.lgamma(b) - ratio


def _require_df(df: float) -> None:
    if not df > 0:
        raise MetricError(f"degrees of freedom are {df}; expected > 0")


def t_sf(t: float, df: float) -> float:
    """Survival function ``P(T > t)`` of Student's t with ``df`` degrees of freedom:
    ``0.5 * I_{df/(df+t^2)}(df/2, 1/2)`` for ``t >= 0`` and ``1 - P(T > -t)`` for
    ``t < 0`` (NR 6.4, eq. 6.4.9). ``df = inf`` gives the normal distribution."""
    _require_df(df)
    if math.isinf(df):
        return 0.5 * math.erfc(t / math.sqrt(2.0))
    if t < 0:
        return 1.0 - t_sf(-t, df)
    if math.isinf(t):
        return 0.0
    return 0.5 * _betainc(0.5 * df, 0.5, df / (df + t * t), t * t / (df + t * t))


def t_cdf(t: float, df: float) -> float:
    """Cumulative distribution ``P(T <= t)`` of Student's t (see :func:`t_sf`)."""
    return t_sf(-t, df)


def t_pdf(t: float, df: float) -> float:
    """Density of Student's t:
    ``(1 + t^2/df)^(-(df+1)/2) / (sqrt(df) B(df/2, 1/2))``, which is
    ``Gamma((df+1)/2) / (sqrt(df pi) Gamma(df/2)) * (1 + t^2/df)^(-(df+1)/2)``."""
    _require_df(df)
    if math.isinf(df):
        return math.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)
    log_norm = 0.5 * math.log(df) + _log_beta(0.5 * df, 0.5)
    return math.exp(-0.5 * (df + 1) * math.log1p(t * t / df) - log_norm)


def t_ppf(q: float, df: float) -> float:
    """Quantile ``t_q`` of Student's t, ``P(T <= t_q) = q`` (``df = inf``: the normal
    quantile ``z_q``).

    Solves ``P(T > t) = 1 - q`` for ``q > 1/2`` by Newton's method on the survival
    function (derivative ``-pdf``), falling back to bisection whenever a step leaves the
    bracket (NR 9.4 ``rtsafe``); ``q < 1/2`` uses ``t_q = -t_{1-q}``.
    E.g. ``t_ppf(0.975, 1) = 12.7062``, ``t_ppf(0.975, 10) = 2.2281``,
    ``t_ppf(0.975, inf) = 1.95996``.
    """
    _require_df(df)
    if not 0.0 < q < 1.0:
        raise MetricError(f"quantile level is {q}; expected 0 < q < 1")
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    if q == 0.5:
        return 0.0
    target = 1.0 - q
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > target:
        lo, hi = hi, 2.0 * hi
    t = 0.5 * (lo + hi)
    tol = 4 * _EPS
    for _ in range(200):
        excess = t_sf(t, df) - target  # decreasing in t
        if excess == 0:
            return t
        if excess > 0:
            lo = t
        else:
            hi = t
        slope = t_pdf(t, df)
        newton = t + excess / slope if slope > 0 else math.inf
        if abs(newton - t) <= tol * max(1.0, abs(t)):
            return newton
        t = newton if lo < newton < hi else 0.5 * (lo + hi)
        if hi - lo <= tol * max(1.0, hi):
            return t
    return t


# ---------------------------------------------------------------------------- estimates
class Estimate(NamedTuple):
    """A mean with the half-width of its confidence interval and the sample size."""

    mean: float
    ci: float
    n: int


class Comparison(NamedTuple):
    """A difference of means ``mean(a) - mean(b)`` with its confidence half-width, the
    two-sided p-value of ``H0: equal means`` and the t-test's degrees of freedom."""

    diff: float
    ci: float
    p: float
    df: float


def _as_sample(values: Iterable[float], what: str = "values") -> np.ndarray:
    x = np.asarray(list(values), dtype=float)  # (n,)
    if x.ndim != 1:
        raise MetricError(f"{what} must be a flat sequence of numbers, got shape {x.shape}")
    if len(x) == 0:
        raise MetricError(f"{what} are empty; expected at least one number")
    nan = np.flatnonzero(np.isnan(x))
    if len(nan):
        raise MetricError(f"{what} contain NaN at index {int(nan[0])}")
    return x


def _require_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise MetricError(f"confidence is {confidence}; expected 0 < confidence < 1")


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float]:
    """Sample mean and the half-width of its Student-t confidence interval:
    ``half = t_{(1+c)/2, n-1} * s / sqrt(n)``, ``s`` the sample standard deviation
    (``ddof = 1``).

    A single value has an unbounded interval: ``(x, inf)``.

    Raises:
        MetricError: no values, a NaN, or ``confidence`` outside (0, 1).
    """
    _require_confidence(confidence)
    x = _as_sample(values)
    mean = float(np.mean(x))
    n = len(x)
    if n == 1:
        return mean, math.inf
    sem = float(np.std(x, ddof=1)) / math.sqrt(n)
    return mean, t_ppf(0.5 * (1.0 + confidence), n - 1) * sem


def aggregate(
    records: Iterable[Mapping[str, Any]],
    metrics: Sequence[str],
    by: str | None = "family",
    confidence: float = 0.95,
) -> dict[Hashable, dict[str, Estimate]]:
    """Per-group :class:`Estimate` (mean, CI half-width, n) of each metric.

    Args:
        records: one mapping per episode holding every metric and the ``by`` key.
        metrics: metric keys to aggregate (e.g. :data:`vlnenv.eval.metrics.METRIC_KEYS`).
        by: record key that names the group; ``None`` gives only the overall group.
        confidence: confidence level of the intervals.

    Returns:
        ``{group: {metric: Estimate}}`` with groups sorted by name, then
        :data:`OVERALL` pooling every record.

    Raises:
        MetricError: no records, a record without a metric or the ``by`` key, or a group
            named :data:`OVERALL`.
    """
    rows = list(records)
    if not rows:
        raise MetricError("no records to aggregate")
    groups: dict[Hashable, list[Mapping[str, Any]]] = {}
    for i, row in enumerate(rows):
        missing = [k for k in (*metrics, *([by] if by else [])) if k not in row]
        if missing:
            raise MetricError(f"record {i} lacks {missing}; it has {sorted(row)}")
        if by is not None:
            if row[by] == OVERALL:
                raise MetricError(f"record {i} has {by}={OVERALL!r}, the name reserved for "
                                  "the pooled group")
            groups.setdefault(row[by], []).append(row)
    ordered = {key: groups[key] for key in sorted(groups, key=str)}
    ordered[OVERALL] = rows
    return {key: _summarise(members, metrics, confidence) for key, members in ordered.items()}


def _summarise(
    rows: Sequence[Mapping[str, Any]], metrics: Sequence[str], confidence: float
) -> dict[str, Estimate]:
    out = {}
    for metric in metrics:
        mean, half = mean_ci((row[metric] for row in rows), confidence)
        out[metric] = Estimate(mean, half, len(rows))
    return out


# ---------------------------------------------------------------------------- comparisons
def _t_test(diff: float, se: float, df: float, confidence: float) -> Comparison:
    """Two-sided t-test of ``diff / se`` on ``df`` degrees of freedom:
    ``p = 2 P(T > |t|) = I_{df/(df+t^2)}(df/2, 1/2)``, half-width ``t_{(1+c)/2} * se``.
    With ``se = 0`` the samples have no spread: ``p`` is 1 when ``diff = 0``, else 0."""
    if se == 0:
        return Comparison(diff, 0.0, 1.0 if diff == 0 else 0.0, df)
    t = diff / se
    p = min(1.0, 2.0 * t_sf(abs(t), df))
    return Comparison(diff, t_ppf(0.5 * (1.0 + confidence), df) * se, p, df)


def compare(
    a_values: Iterable[float],
    b_values: Iterable[float],
    *,
    paired: bool = False,
    confidence: float = 0.95,
) -> Comparison:
    """Difference of means ``mean(a) - mean(b)`` with a confidence interval and a
    two-sided p-value.

    Unpaired (default): Welch's t-test, ``se = sqrt(s_a^2/n_a + s_b^2/n_b)`` and the
    Welch–Satterthwaite ``df = se^4 / ((s_a^2/n_a)^2/(n_a-1) + (s_b^2/n_b)^2/(n_b-1))``
    (Welch 1947). Paired (``paired=True``, e.g. two agents on the same episodes): the
    one-sample t-test on ``d_i = a_i - b_i``, ``se = s_d / sqrt(n)``, ``df = n - 1``.

    If both samples have zero variance, ``se = 0``: the half-width is 0 and ``p`` is 1
    when the means are equal, else 0; Welch's df is then ``n_a + n_b - 2``.

    Raises:
        MetricError: a sample with fewer than 2 values or a NaN; ``paired`` samples of
            different lengths.
    """
    _require_confidence(confidence)
    a, b = _as_sample(a_values, "a_values"), _as_sample(b_values, "b_values")
    if paired:
        if len(a) != len(b):
            raise MetricError(f"paired samples differ in length: {len(a)} and {len(b)}")
        d = _require_two(a - b, "paired differences")
        return _t_test(float(np.mean(d)), float(np.std(d, ddof=1)) / math.sqrt(len(d)),
                       len(d) - 1.0, confidence)
    a, b = _require_two(a, "a_values"), _require_two(b, "b_values")
    va, vb = float(np.var(a, ddof=1)) / len(a), float(np.var(b, ddof=1)) / len(b)
    se2 = va + vb
    df = (se2 * se2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1)) if se2 > 0
          else len(a) + len(b) - 2.0)
    return _t_test(float(np.mean(a) - np.mean(b)), math.sqrt(se2), df, confidence)


def _require_two(x: np.ndarray, what: str) -> np.ndarray:
    if len(x) < 2:
        raise MetricError(f"{what} has {len(x)} value; a t-test needs at least 2")
    return x

