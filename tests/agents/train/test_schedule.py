"""The learning-rate and DAgger schedules, against values worked by hand."""

from __future__ import annotations

import math

import pytest
import torch

from agents.train.schedule import dagger_beta, lr_factor, progress_at


@pytest.mark.parametrize(("step", "expected"), [
    (0, 0.25),  # warm-up: (step + 1) / warmup
    (1, 0.5),
    (3, 1.0),  # the peak on the last warm-up step
    (4, 1.0),  # cosine starts at its top: 0.1 + 0.9 * (1 + cos 0) / 2
    (6, 0.1 + 0.45 * (1 + math.sqrt(0.5))),  # p = 2/8: cos(pi/4)
    (8, 0.55),  # p = 1/2: cos(pi/2) = 0
    (10, 0.1 + 0.45 * (1 - math.sqrt(0.5))),  # p = 3/4
    (12, 0.1),  # the end
    (1000, 0.1),  # stays there
])
def test_warmup_then_cosine_by_hand(step: int, expected: float):
    assert lr_factor(step, warmup_steps=4, max_steps=12, min_ratio=0.1) == pytest.approx(expected)


def test_no_warmup_starts_at_the_peak():
    assert lr_factor(0, 0, 10, 0.0) == 1.0
    assert lr_factor(5, 0, 10, 0.0) == pytest.approx(0.5)
    assert lr_factor(10, 0, 10, 0.0) == 0.0


def test_schedule_drives_lambda_lr():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=2.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, 4, 12, 0.1))
    seen = []
    for _ in range(13):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == pytest.approx([2.0 * lr_factor(s, 4, 12, 0.1) for s in range(13)])


def test_dagger_beta_decays_geometrically():
    assert dagger_beta(0, 0.5, 0.5) == 0.5
    assert dagger_beta(2, 0.5, 0.5) == 0.125
    assert dagger_beta(3, 1.0, 0.0) == 0.0


@pytest.mark.parametrize(("step", "expected"), [
    (4, 0.0),  # the warm-up's end: (4 - 4) / (12 - 4)
    (6, 0.25),  # before the refit, the first aim: 2 / 8
    (8, 0.5),  # the refit's own step keeps the progress reached: 4 / 8
    (10, 0.5 + 0.5 * 2 / 12),  # then runs on to 1 at the new end, 20
    (20, 1.0),
    (25, 1.0),  # never past the end
])
def test_a_refit_keeps_the_progress_reached_and_runs_on_to_the_new_end(step, expected):
    refits = ((4, 0.0, 12), (8, 0.5, 20))
    assert progress_at(step, 4, 20, refits) == pytest.approx(expected)


def test_without_refits_the_progress_is_the_plain_cosines_bit_for_bit():
    for step in range(4, 200):
        assert progress_at(step, 4, 200) == (step - 4) / (200 - 4)
        assert lr_factor(step, 4, 200, 0.1, ((4, 0.0, 200),)) == lr_factor(step, 4, 200, 0.1)


def test_a_refit_changes_no_learning_rate_before_it_and_none_at_its_step():
    before = [lr_factor(s, 4, 12, 0.1) for s in range(9)]
    done = progress_at(8, 4, 12)
    refits = ((4, 0.0, 12), (8, done, 20))
    after = [lr_factor(s, 4, 20, 0.1, refits) for s in range(9)]
    assert after == before  # float for float: the learning rate never jumps
    assert lr_factor(9, 4, 20, 0.1, refits) > lr_factor(9, 4, 12, 0.1)
