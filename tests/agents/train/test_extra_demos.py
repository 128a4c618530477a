"""Extra demonstration files (``data.extra_demos``): trained on after the suite's own, as
they are; a file made on another suite, or missing, is refused."""

from __future__ import annotations

import dataclasses

import pytest

from agents.train import distributed
from agents.train.bc import load_demos_for
from agents.train.data.demo_set import save_demos
from agents.train.data.demos import generate_demos
from agents.train.errors import TrainError
from vlnenv.suites.load import load_suite


def _demos(config):
    ctx = distributed.setup("cpu")
    try:
        return load_demos_for(config, load_suite(config.data.suite), ctx)
    finally:
        distributed.teardown(ctx)


def test_extra_files_follow_the_suites_demonstrations(tiny_config, tmp_path):
    extra = generate_demos("tiny", "train", "oracle", sampled=6, seed=3)
    extra.episodes = [dataclasses.replace(ep, instruction="go to the kitchen .")
                      for ep in extra.episodes]
    save_demos(extra, tmp_path / "extra.npz")
    real = _demos(tiny_config())
    both = _demos(tiny_config(f'data.extra_demos=["{tmp_path / "extra.npz"}"]'))
    assert [e.episode_id for e in both.episodes] == (
        [e.episode_id for e in real.episodes] + [e.episode_id for e in extra.episodes])
    assert {e.instruction for e in both.episodes[len(real):]} == {"go to the kitchen ."}


def test_a_file_of_another_suite_or_none_is_refused(tiny_config, tmp_path):
    other = generate_demos("tiny", "train", "oracle", sampled=2, seed=3)
    other.meta = {**other.meta, "suite": "small"}
    save_demos(other, tmp_path / "other.npz")
    with pytest.raises(TrainError, match="made on suite 'small'.*expected 'tiny'"):
        _demos(tiny_config(f'data.extra_demos=["{tmp_path / "other.npz"}"]'))
    with pytest.raises(TrainError, match="nowhere.npz"):
        _demos(tiny_config(f'data.extra_demos=["{tmp_path / "nowhere.npz"}"]'))
