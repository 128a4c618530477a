"""CLIP's symmetric InfoNCE and its learnable temperature, against hand-worked values."""

from __future__ import annotations

import math

import torch

from agents.pretrain.contrastive import (
    LOGIT_SCALE_MAX,
    ContrastiveHead,
    clip_loss,
    similarity_loss,
)

SIM = [[0.9, 0.1, 0.0],
       [0.2, 0.8, 0.1],
       [0.0, 0.3, 0.7]]


def _row_ce(rows: list[list[float]], t: float) -> float:
    """Mean over rows of ``-t S_ii + log sum_j exp(t S_ij)``, written out by hand."""
    return sum(-t * r[i] + math.log(sum(math.exp(t * x) for x in r))
               for i, r in enumerate(rows)) / len(rows)


def test_infonce_of_a_3x3_similarity_matrix_is_the_mean_of_both_directions():
    cols = [list(c) for c in zip(*SIM, strict=True)]
    for t in (1.0, 10.0):
        want = (_row_ce(SIM, t) + _row_ce(cols, t)) / 2
        got = similarity_loss(torch.tensor(SIM, dtype=torch.float64),
                              torch.tensor(math.log(t), dtype=torch.float64))
        assert math.isclose(float(got), want, rel_tol=1e-12)
    # by hand, rows at t = 1: -0.9 + ln 4.5648 = 0.6183, -0.8 + ln 4.5521 = 0.7156,
    # -0.7 + ln 4.3637 = 0.7733; mean 0.7024
    assert math.isclose(_row_ce(SIM, 1.0), 0.70242, abs_tol=1e-5)


def test_identical_unit_pairs_at_the_largest_scale_cost_almost_nothing():
    x = torch.eye(3, dtype=torch.float64)
    loss = clip_loss(x, 2 * x, torch.tensor(LOGIT_SCALE_MAX, dtype=torch.float64))
    assert math.isclose(float(loss), math.log(1 + 2 * math.exp(-100)), rel_tol=1e-9)


def test_logit_scale_gradient_is_t_times_expected_minus_positive_similarity():
    sim = torch.tensor(SIM, dtype=torch.float64)
    s = torch.tensor(math.log(5.0), dtype=torch.float64, requires_grad=True)
    similarity_loss(sim, s).backward()
    t = 5.0
    want = 0.0
    for m in (sim, sim.T):
        p = torch.softmax(t * m, dim=1)
        want += float(t * (-m.diag() + (p * m).sum(1)).mean()) / 2
    assert math.isclose(float(s.grad), want, rel_tol=1e-10)


def test_logit_scale_starts_at_log_1_over_007_and_stops_at_log_100():
    head = ContrastiveHead(4, 3)
    assert math.isclose(head.logit_scale.item(), math.log(1 / 0.07), rel_tol=1e-6)
    with torch.no_grad():
        head.logit_scale.fill_(6.0)
    assert math.isclose(head.scale().item(), math.log(100), rel_tol=1e-6)
    gen = torch.Generator().manual_seed(0)
    head(torch.randn(5, 4, generator=gen), torch.randn(5, 4, generator=gen)).backward()
    assert head.logit_scale.grad.item() == 0.0
    with torch.no_grad():
        head.logit_scale.fill_(2.0)
    head.zero_grad()
    head(torch.randn(5, 4, generator=gen), torch.randn(5, 4, generator=gen)).backward()
    assert head.logit_scale.grad.item() != 0.0
