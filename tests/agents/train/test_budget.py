"""The schedule fitted to the time budget: the step count worked by hand, the warm-up it
times, the pace measured again as the run goes (a fake clock slow during the warm-up and
fast afterwards, and the reverse: the run still ends within 3% of its budget), a fitted
run that records its count, and fitted runs equal, weight for weight, to plain runs told
their schedule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.train import distributed
from agents.train.bc import load_demos_for, train_bc
from agents.train.budget import (
    MARGIN,
    PROBE_MIN,
    PROBE_START,
    REFIT_MIN_STEPS,
    REFIT_SHARE,
    fitted_steps,
    probe_window,
    recent_rate,
    refit_interval,
)
from agents.train.config import resolve_config
from agents.train.errors import TrainError
from agents.train.trainer import STEP_MEANS, Trainer

#: Fit the schedule: a warm-up long enough to time, and a cap the tiny runs reach.
FIT = ["optim.fit_budget=true", "optim.warmup_steps=50", "run.checkpoint_every=1000"]


def test_the_warmup_after_its_first_steps_is_timed():
    assert probe_window(200) == (PROBE_START, 200)
    assert probe_window(PROBE_START + PROBE_MIN) == (20, 50)
    with pytest.raises(ValueError, match="too short to time"):
        probe_window(49)


@pytest.mark.parametrize(("step", "rate", "left", "cap", "expected"), [
    (200, 10.0, 100.0, 5000, 200 + 970),  # 10 steps/s x 100 s x (1 - 0.03)
    (200, 10.0, 1000.0, 5000, 5000),  # capped
    (200, 10.0, 0.0, 5000, 201),  # no time left: one more step
    (200, 10.0, -5.0, 5000, 201),  # past the deadline already
    (0, 5.5, 40.0, 10**6, 213),  # floor(5.5 x 40 x 0.97) = floor(213.4)
])
def test_fitted_steps_by_hand(step, rate, left, cap, expected):
    assert MARGIN == 0.03
    assert fitted_steps(step, rate, left, cap) == expected


def test_fit_budget_needs_a_warmup_long_enough_to_time(tiny_config):
    with pytest.raises(TrainError, match="optim.warmup_steps.*expected >= 50, got 10"):
        tiny_config("optim.fit_budget=true", "optim.warmup_steps=10")


def test_fit_budget_needs_a_time_budget(tiny_config):
    with pytest.raises(TrainError, match="run.time_budget_s, which is not set"):
        train_bc(tiny_config(*FIT))


def test_dagger_refuses_fit_budget(tiny_config):
    from agents.train.dagger import dagger_config

    with pytest.raises(TrainError, match="for behaviour cloning"):
        dagger_config(tiny_config(*FIT, "dagger.init=runs/none/best"))


def test_a_fitted_run_records_its_count_and_ends_there(tiny_config):
    # 70 steps fit in 120 s on any machine this runs on, so the cap decides the count
    result = train_bc(tiny_config(*FIT, "optim.max_steps=70", "run.time_budget_s=120"))
    fit = result.extra["fit_budget"]
    assert fit["timed_steps"] == [20, 50] and fit["steps_per_s"] > 0
    assert fit["max_steps"] == 70 and fit["cap"] == 70
    assert result.steps == 70 and result.stopped_by == "max_steps"
    saved = json.loads(Path(result.out, "config.json").read_text())["config"]
    for config in (result.config, saved):
        assert config["optim"]["max_steps"] == 70 and config["optim"]["fit_budget"] is False


def test_a_cap_inside_the_timed_warmup_is_kept_and_nothing_is_fitted(tiny_config):
    result = train_bc(tiny_config(*FIT, "optim.max_steps=3", "run.time_budget_s=120"))
    assert result.steps == 3 and result.stopped_by == "max_steps"
    assert "fit_budget" not in result.extra
    saved = json.loads(Path(result.out, "config.json").read_text())["config"]
    for config in (result.config, saved):
        assert config["optim"]["max_steps"] == 3 and config["optim"]["fit_budget"] is False
        assert list(config["optim"]["refits"]) == []


def test_changing_the_count_after_the_warmup_equals_a_plain_run(overrides, demos_dir: Path,
                                                                tmp_path: Path):
    """The warm-up's learning rates do not depend on ``max_steps``: a run told its count at
    step 50 ends with the weights of one that knew it from the start."""
    digests = []
    for name, extra in (("fitted", ["optim.max_steps=100000"]), ("plain", ["optim.max_steps=80"])):
        config = resolve_config(None, [*overrides(tmp_path / name, demos_dir), *FIT, *extra,
                                       "optim.fit_budget=false"])
        ctx = distributed.setup("cpu")
        trainer = Trainer(config, ctx, "bc")
        try:
            trainer.set_data(load_demos_for(config, trainer.suite, ctx))
            trainer.fit(50)
            if name == "fitted":
                trainer.set_max_steps(80)
                assert trainer.config.optim.max_steps == 80
            trainer.fit(80)
            lrs = [g["lr"] for g in trainer.optimizer.param_groups]  # decay and no decay
            digests.append((distributed.weights_digest(trainer.model), lrs))
        finally:
            trainer.close()
            distributed.teardown(ctx)
    assert digests[0] == digests[1]


def test_refit_interval_and_recent_rate_by_hand():
    assert REFIT_SHARE == 0.02 and REFIT_MIN_STEPS == 5
    assert refit_interval(10.0, 780.0) == 156  # floor(10 x 780 x 0.02)
    assert refit_interval(0.1, 780.0) == 5  # at least REFIT_MIN_STEPS
    marks = [(50, 10.0), (60, 12.0), (90, 14.0), (130, 16.0)]
    assert recent_rate(marks) == (130 - 60) / (16.0 - 12.0)  # the last two spans
    assert recent_rate(marks[:2]) == 10 / 2.0


def test_a_training_step_returns_the_logged_means_and_the_rate_and_norm(tiny_config):
    """The stub of :func:`_paced` returns these keys: a step that returns others would
    fail here, not in the stubbed runs."""
    config = tiny_config()
    ctx = distributed.setup("cpu")
    trainer = Trainer(config, ctx, "bc")
    try:
        trainer.set_data(load_demos_for(config, trainer.suite, ctx))
        assert set(trainer.train_step()) == {*STEP_MEANS, "lr", "grad_norm"}
    finally:
        trainer.close()
        distributed.teardown(ctx)


class FakeClock:
    """Seconds that pass only when a training step is taken: ``seconds_per_step(step)``."""

    def __init__(self, seconds_per_step):
        self.now, self.seconds_per_step = 1000.0, seconds_per_step

    def __call__(self) -> float:
        return self.now


def _paced(trainer: Trainer, clock: FakeClock, real: bool) -> None:
    """Each training step advances ``clock`` by its pace; ``real=False`` replaces the step
    with a stub that only counts (the budget's arithmetic needs no gradients)."""
    step = trainer.train_step

    def paced_step() -> dict[str, float]:
        clock.now += clock.seconds_per_step(trainer.step)
        if real:
            return step()
        trainer.step += 1
        return dict.fromkeys((*STEP_MEANS, "lr", "grad_norm"), 0.0)

    trainer.clock, trainer._started = clock, clock()
    trainer.train_step = paced_step  # type: ignore[method-assign]


def _fit_with_clock(config, seconds_per_step, budget: float, real: bool = False):
    """Run ``fit_budget`` on a fake clock; returns the trainer (closed) and the seconds
    the run used."""
    ctx = distributed.setup("cpu")
    trainer = Trainer(config, ctx, "bc")
    try:
        trainer.set_data(load_demos_for(config, trainer.suite, ctx))
        clock = FakeClock(seconds_per_step)
        _paced(trainer, clock, real)
        start = clock()
        stopped_by = trainer.fit_budget(start + budget)
        return trainer, stopped_by, clock() - start
    finally:
        trainer.close()
        distributed.teardown(ctx)


@pytest.mark.parametrize(("warmup_pace", "later_pace"), [
    (0.4, 0.1),  # another program slows the warm-up, then stops: 4x faster afterwards
    (0.1, 0.4),  # the reverse: a program starts as the warm-up ends
])
def test_the_run_uses_its_budget_whatever_the_pace_did_during_the_warmup(
        tiny_config, warmup_pace, later_pace):
    budget = 120.0
    config = tiny_config(*FIT, "run.time_budget_s=120", "optim.max_steps=100000")
    trainer, stopped_by, used = _fit_with_clock(
        config, lambda step: warmup_pace if step < 50 else later_pace, budget)
    assert stopped_by == "max_steps"
    assert 0.97 * budget <= used <= budget  # within 3% of the budget, never past it
    fit = trainer.extra["fit_budget"]
    assert fit["steps_per_s"] == pytest.approx(1 / warmup_pace)
    assert fit["final_steps_per_s"] == pytest.approx(1 / later_pace)
    refits = trainer.config.optim.refits
    assert refits[0] == (50, 0.0, refits[0][2]) and len(refits) > 5
    assert refits[-1][2] == trainer.config.optim.max_steps == trainer.step


def test_a_fixed_fit_to_the_warmups_pace_would_miss_the_budget():
    """What the refits mend: the warm-up's pace alone aims the end 4x too early."""
    slow_warmup = fitted_steps(50, 1 / 0.4, 120.0 - 20.0, 10**6)  # 242 steps
    seconds = 20.0 + (slow_warmup - 50) * 0.1  # then run at 0.1 s a step
    assert seconds < 0.5 * 120.0


def test_a_refitted_run_is_repeated_step_for_step_by_its_saved_config(tiny_config):
    config = tiny_config(*FIT, "run.time_budget_s=12", "optim.max_steps=100000")
    fitted, _, _ = _fit_with_clock(
        config, lambda step: 0.1 if step < 50 else 0.05, 12.0, real=True)
    saved = json.loads(Path(config.run.out, "config.json").read_text())["config"]
    assert saved["optim"]["refits"] == [list(r) for r in fitted.config.optim.refits]
    assert len(saved["optim"]["refits"]) > 2
    repeat = resolve_config(Path(config.run.out, "config.json"),
                            ["run.time_budget_s=none", f"run.out={config.run.out}_repeat"])
    ctx = distributed.setup("cpu")
    plain = Trainer(repeat, ctx, "bc")
    try:
        plain.set_data(load_demos_for(repeat, plain.suite, ctx))
        assert plain.fit(repeat.optim.max_steps) == "max_steps"
        assert plain.step == fitted.step
        assert ([g["lr"] for g in plain.optimizer.param_groups]
                == [g["lr"] for g in fitted.optimizer.param_groups])
        assert distributed.weights_digest(plain.model) == distributed.weights_digest(
            fitted.model)
    finally:
        plain.close()
        distributed.teardown(ctx)
