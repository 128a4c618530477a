"""Aggregation statistics: t quantiles and probabilities against tables and closed forms,
the incomplete beta against exact identities, and the t-tests against published examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vlnenv.eval.metrics import MetricError
from vlnenv.eval.stats import (
    OVERALL,
    Estimate,
    aggregate,
    betainc,
    compare,
    mean_ci,
    t_cdf,
    t_pdf,
    t_ppf,
    t_sf,
)


# ------------------------------------------------------------------ t quantiles
@pytest.mark.parametrize(
    ("q", "df", "table"),
    [
        (0.975, 1, 12.7062),
        (0.975, 2, 4.3027),
        (0.975, 4, 2.7764),
        (0.975, 10, 2.2281),
        (0.975, 30, 2.0423),
        (0.975, 100, 1.9840),
        (0.995, 10, 3.1693),
        (0.95, 20, 1.7247),
        (0.975, math.inf, 1.95996),
    ],
)
def test_t_quantile_matches_printed_tables(q: float, df: float, table: float) -> None:
    places = len(str(table).split(".")[1])
    assert t_ppf(q, df) == pytest.approx(table, abs=0.5 * 10.0**-places)


def test_normal_quantile_to_full_precision() -> None:
    assert t_ppf(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-14)
    assert t_ppf(0.5, math.inf) == 0.0


@pytest.mark.parametrize("q", [0.51, 0.6, 0.9, 0.975, 0.995, 0.9999, 1 - 1e-9])
def test_t_quantile_matches_closed_forms_for_one_and_two_df(q: float) -> None:
    # df 1 (Cauchy): tan(pi (q - 1/2)) = 1 / tan(pi (1 - q)) (exact 1 - q for q > 1/2);
    # df 2: (2q - 1) / sqrt(2 q (1 - q)).
    assert t_ppf(q, 1) == pytest.approx(1 / math.tan(math.pi * (1 - q)), rel=1e-11)
    assert t_ppf(q, 2) == pytest.approx((2 * q - 1) / math.sqrt(2 * q * (1 - q)), rel=1e-11)


def test_t_quantile_is_odd_and_inverts_the_cdf() -> None:
    for df in (0.7, 3.0, 24.988, 1e4):
        for q in (0.001, 0.2, 0.8, 0.999):
            t = t_ppf(q, df)
            assert t_ppf(1 - q, df) == pytest.approx(-t, rel=1e-12)
            assert t_cdf(t, df) == pytest.approx(q, rel=1e-12)


# ------------------------------------------------------------------ t probabilities
@pytest.mark.parametrize("t", [-30.0, -2.0, -0.3, 0.0, 0.7, 1.0, 4.0, 1e3])
def test_t_cdf_matches_closed_forms_for_one_and_two_df(t: float) -> None:
    # df 1: 1/2 + atan(t)/pi; df 2: 1/2 + t / (2 sqrt(2 + t^2)).
    assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, rel=1e-12)
    assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), rel=1e-12)


def test_t_upper_tail_keeps_relative_precision() -> None:
    # df 1: P(T > t) = atan(1/t)/pi, about 1/(pi t), where 1 - cdf would lose it all.
    assert t_sf(1e8, 1) == pytest.approx(math.atan(1e-8) / math.pi, rel=1e-12)


def simpson_sf(t: float, df: float, n: int = 4000) -> float:
    """P(T > t) for t >= 0 as 1/2 minus Simpson's rule on the density over [0, t]."""
    x = np.linspace(0.0, t, n + 1)
    y = np.array([t_pdf(v, df) for v in x])
    integral = (t / n / 3) * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())
    return 0.5 - integral


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 6.0), st.floats(0.5, 200.0))
def test_t_survival_equals_integrated_density(t: float, df: float) -> None:
    assert t_sf(t, df) == pytest.approx(simpson_sf(t, df), abs=1e-10)


def test_t_density_integrates_to_the_normal_at_infinite_df() -> None:
    assert t_pdf(0.0, math.inf) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert t_pdf(1.3, 1e9) == pytest.approx(t_pdf(1.3, math.inf), rel=1e-8)
    assert t_sf(1.959963984540054, math.inf) == pytest.approx(0.025, rel=1e-14)


# ------------------------------------------------------------------ incomplete beta
def binomial_upper_tail(a: int, b: int, x: float) -> float:
    """I_x(a, b) for integers: P(Binomial(a + b - 1, x) >= a)."""
    n = a + b - 1
    return sum(math.comb(n, j) * x**j * (1 - x) ** (n - j) for j in range(a, n + 1))


@pytest.mark.parametrize(("a", "b"), [(1, 1), (2, 3), (5, 1), (1, 7), (10, 10), (40, 3)])
@pytest.mark.parametrize("x", [0.01, 0.2, 0.5, 0.77, 0.99])
def test_incomplete_beta_equals_binomial_tail_for_integer_parameters(
    a: int, b: int, x: float
) -> None:
    assert betainc(a, b, x) == pytest.approx(binomial_upper_tail(a, b, x), rel=1e-12, abs=1e-300)


def test_incomplete_beta_identities() -> None:
    assert betainc(2.5, 1.0, 0.3) == pytest.approx(0.3**2.5, rel=1e-13)
    assert betainc(1.0, 3.5, 0.3) == pytest.approx(1 - 0.7**3.5, rel=1e-13)
    assert betainc(7.3, 7.3, 0.5) == pytest.approx(0.5, rel=1e-13)
    assert betainc(0.5, 0.5, 0.25) == pytest.approx(2 / math.pi * math.asin(0.5), rel=1e-13)
    assert betainc(3.2, 0.7, 0.4) == pytest.approx(1 - betainc(0.7, 3.2, 0.6), rel=1e-13)
    assert betainc(2.0, 3.0, 0.0) == 0.0
    assert betainc(2.0, 3.0, 1.0) == 1.0


def test_incomplete_beta_rejects_invalid_arguments() -> None:
    with pytest.raises(MetricError, match="a > 0"):
        betainc(0.0, 1.0, 0.5)
    with pytest.raises(MetricError, match="0 <= x <= 1"):
        betainc(1.0, 1.0, 1.5)


# ------------------------------------------------------------------ mean and CI
def test_mean_ci_by_hand() -> None:
    # 1..5: mean 3, s = sqrt(2.5), half = t(0.975, 4) * s / sqrt(5) = 2.776445 * 0.707107.
    mean, half = mean_ci([1, 2, 3, 4, 5])
    assert mean == 3.0
    assert half == pytest.approx(2.7764451051977987 * math.sqrt(0.5), rel=1e-12)
    assert half == pytest.approx(1.9632, abs=5e-5)


def test_mean_ci_uses_the_requested_confidence() -> None:
    # s = sqrt(1/3), n = 4: half = t(0.995, 3) * s / 2, with t(0.995, 3) = 5.8409.
    _, half = mean_ci([0.0, 1.0, 1.0, 0.0], confidence=0.99)
    assert half == pytest.approx(t_ppf(0.995, 3) * math.sqrt(1 / 3) / 2, rel=1e-14)
    assert half == pytest.approx(5.8409 * math.sqrt(1 / 3) / 2, abs=5e-5)


def test_mean_ci_of_one_value_is_unbounded_and_of_constants_is_zero() -> None:
    assert mean_ci([0.4]) == (0.4, math.inf)
    assert mean_ci([1.0, 1.0, 1.0]) == (1.0, 0.0)


def test_mean_ci_rejects_empty_nan_and_bad_confidence() -> None:
    with pytest.raises(MetricError, match="empty"):
        mean_ci([])
    with pytest.raises(MetricError, match="NaN at index 1"):
        mean_ci([1.0, math.nan])
    with pytest.raises(MetricError, match="confidence is 95"):
        mean_ci([1.0, 2.0], confidence=95)


# ------------------------------------------------------------------ aggregate
RECORDS = [
    {"family": "goto", "sr": 1.0, "spl": 0.5},
    {"family": "goto", "sr": 0.0, "spl": 0.0},
    {"family": "find", "sr": 1.0, "spl": 1.0},
    {"family": "goto", "sr": 1.0, "spl": 1.0},
]


def test_aggregate_groups_by_family_and_pools_overall_last() -> None:
    out = aggregate(RECORDS, ["sr", "spl"])
    assert list(out) == ["find", "goto", OVERALL]
    assert out["find"]["sr"] == Estimate(1.0, math.inf, 1)
    goto = out["goto"]["spl"]
    assert (goto.mean, goto.n) == (0.5, 3)
    assert goto.ci == pytest.approx(t_ppf(0.975, 2) * 0.5 / math.sqrt(3), rel=1e-12)
    assert out[OVERALL]["sr"] == Estimate(*mean_ci([1, 0, 1, 1]), 4)


def test_aggregate_without_grouping_gives_only_overall() -> None:
    assert list(aggregate(RECORDS, ["sr"], by=None)) == [OVERALL]


def test_aggregate_names_the_record_missing_a_metric() -> None:
    with pytest.raises(MetricError, match=r"record 1 lacks \['ne'\]"):
        aggregate([{"family": "a", "ne": 1.0}, {"family": "a"}], ["ne"])


def test_aggregate_refuses_a_group_called_overall_and_no_records() -> None:
    with pytest.raises(MetricError, match="reserved"):
        aggregate([{"family": OVERALL, "sr": 1.0}], ["sr"])
    with pytest.raises(MetricError, match="no records"):
        aggregate([], ["sr"])


# ------------------------------------------------------------------ compare
# Wikipedia, "Welch's t-test", example 1: t = -2.46, df = 24.99, p = 0.021.
A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]


def test_welch_test_matches_the_published_example() -> None:
    result = compare(A1, A2)
    assert result.diff == pytest.approx(-2.1666666666666667, rel=1e-12)
    assert result.df == pytest.approx(24.99, abs=5e-3)
    assert result.p == pytest.approx(0.021, abs=5e-4)
    # scipy.stats.ttest_ind(A1, A2, equal_var=False): df 24.988529290231416,
    # p 0.021378001462866992, 95% CI (-3.984096267140929, -0.3492370661924069).
    assert result.df == pytest.approx(24.988529290231416, rel=1e-12)
    assert result.p == pytest.approx(0.021378001462866992, rel=1e-10)
    assert result.diff - result.ci == pytest.approx(-3.984096267140929, rel=1e-10)
    assert result.diff + result.ci == pytest.approx(-0.3492370661924069, rel=1e-10)


def test_paired_test_is_the_one_sample_test_on_differences() -> None:
    # Student (1908) sleep data: extra hours of sleep under two drugs, same 10 patients;
    # paired t = -4.062, df = 9, p = 0.002833, 95% CI of the mean difference
    # (-2.4598858, -0.7001142) (R: t.test(extra ~ group, data = sleep, paired = TRUE)).
    drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    result = compare(drug1, drug2, paired=True)
    assert result.diff == pytest.approx(-1.58, rel=1e-12)
    assert result.df == 9.0
    assert result.p == pytest.approx(0.002833, abs=5e-7)
    assert result.diff - result.ci == pytest.approx(-2.4598858, abs=5e-8)
    assert result.diff + result.ci == pytest.approx(-0.7001142, abs=5e-8)
    unpaired = compare(drug1, drug2)
    assert unpaired.p > 0.05  # the same data, ignoring the pairing: not significant


def test_compare_p_value_is_one_for_identical_samples_and_symmetric() -> None:
    same = compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.diff, same.p) == (0.0, 1.0)
    ab, ba = compare(A1, A2), compare(A2, A1)
    assert ab.p == ba.p and ab.diff == -ba.diff and ab.ci == ba.ci


def test_compare_without_spread() -> None:
    assert compare([1.0, 1.0], [1.0, 1.0]).p == 1.0
    differ = compare([1.0, 1.0], [0.0, 0.0])
    assert (differ.diff, differ.ci, differ.p, differ.df) == (1.0, 0.0, 0.0, 2.0)
    assert compare([1.0, 1.0, 1.0], [0.0, 1.0, 0.0], paired=True).p == pytest.approx(
        2 * t_sf(2.0, 2), rel=1e-14)


def test_compare_rejects_short_or_mismatched_samples() -> None:
    with pytest.raises(MetricError, match="a_values has 1 value"):
        compare([1.0], [1.0, 2.0])
    with pytest.raises(MetricError, match="differ in length: 2 and 3"):
        compare([1.0, 2.0], [1.0, 2.0, 3.0], paired=True)
