"""The PPO losses on hand-made batches."""

from __future__ import annotations

import math

import pytest
import torch

from agents.rl.losses import (
    clipped_policy_loss,
    clipped_value_loss,
    entropy,
    kl_to_reference,
    normalise,
)


def test_clipped_policy_loss_takes_the_pessimistic_term_per_sample():
    ratio = torch.tensor([0.5, 1.0, 1.5, 0.7, 1.3])
    adv = torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0])
    # per sample max(-A r, -A clip(r, .8, 1.2)):
    #   -0.5 (below the clip, A > 0: unclipped), -1, -1.2 (clipped), 0.8 (clipped), 1.3
    loss = clipped_policy_loss(ratio.log(), torch.zeros(5), adv, clip=0.2)
    assert loss.item() == pytest.approx((-0.5 - 1.0 - 1.2 + 0.8 + 1.3) / 5)


def test_clipped_policy_loss_has_no_gradient_where_the_ratio_is_clipped():
    new_logp = torch.tensor([1.5, 0.5]).log().requires_grad_()
    clipped_policy_loss(new_logp, torch.zeros(2), torch.tensor([1.0, 1.0]), 0.2).backward()
    assert new_logp.grad[0] == 0  # r = 1.5 > 1.2 with A > 0: clipped
    assert new_logp.grad[1] == pytest.approx(-0.5 / 2)  # d(-A r)/dlogp = -A r, averaged


def test_clipped_value_loss_is_pessimistic_over_the_clipped_value():
    new, old, ret = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 2.0]), torch.zeros(2)
    # errors 1 and 9; clipped values 1.5 and 2.5 give 2.25 and 6.25; max: 2.25, 9
    assert clipped_value_loss(new, old, ret, clip=0.5).item() == pytest.approx(0.5 * 5.625)
    assert clipped_value_loss(new, old, ret, clip=0.0).item() == pytest.approx(0.5 * 5.0)


def test_entropy_of_uniform_logits_is_log_of_the_actions():
    assert entropy(torch.zeros(3, 4)).item() == pytest.approx(math.log(4))


def test_kl_to_reference_is_exact_over_the_actions():
    p, q = torch.tensor([0.5, 0.5]), torch.tensor([0.25, 0.75])
    assert kl_to_reference(p.log(), p.log()).item() == 0.0
    assert kl_to_reference(p.log(), q.log()).item() == pytest.approx(
        0.5 * math.log(2) + 0.5 * math.log(2 / 3))


def test_normalise_gives_zero_mean_unit_std():
    out = normalise(torch.tensor([1.0, 2.0, 3.0, 6.0]))
    assert out.mean().item() == pytest.approx(0.0, abs=1e-6)
    assert out.std().item() == pytest.approx(1.0, abs=1e-6)
