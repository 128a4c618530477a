"""The schedule fitted to the time budget: the step count worked by hand, the warm-up it
times, a fitted run that records its count, and a fitted run equal, weight for weight, to
a plain run told that count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.train import distributed
from agents.train.bc import load_demos_for, train_bc
from agents.train.budget import MARGIN, PROBE_MIN, PROBE_START, fitted_steps, probe_window
from agents.train.config import resolve_config
from agents.train.errors import TrainError
from agents.train.trainer import Trainer

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
