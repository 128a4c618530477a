"""Training on several suites at once (``data.extra_suites``): the tiny suite's small
houses and a one-house suite of the generator's ``large`` preset, in one behaviour-cloning
run whose maps grow (the ``far`` part)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from agents.train.bc import load_demos_for, train_bc
from agents.train.data.suite_mix import mixed_houses
from agents.train.distributed import Context
from agents.train.errors import TrainError
from vlnenv.suites import load_suite
from vlnenv.suites.build import build_suite

SPEC = """
name = "mix-large"
seed = 5
families = ["go_to_room", "go_to_object"]
[houses]
source = "generated"
preset = "large"
[splits.train]
houses = 1
episodes = 3
"""


@pytest.fixture(scope="module")
def large_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mix")
    (folder / "spec").mkdir()
    (folder / "spec" / "spec.toml").write_text(SPEC)
    return build_suite(folder / "spec" / "spec.toml", folder / "mix-large")


def test_the_demonstrations_of_extra_suites_join_with_their_houses_keyed_by_suite(
        tiny_config, large_suite):
    ctx = Context(0, 1, 0, torch.device("cpu"))
    tiny, large = load_suite("tiny"), load_suite(large_suite)
    alone = load_demos_for(tiny_config(), tiny, ctx)
    config = tiny_config(f"data.extra_suites={large_suite}")
    mixed = load_demos_for(config, tiny, ctx, extra=[large])
    extra = mixed.episodes[len(alone):]
    assert [ep.house for ep in mixed.episodes[:len(alone)]] == [ep.house for ep in alone.episodes]
    assert len(extra) >= 1 and {ep.house for ep in extra} == {"mix-large/train-h0000"}
    houses = mixed_houses(tiny, [large], (ep.house for ep in mixed.episodes))
    big = houses["mix-large/train-h0000"]
    assert big is large.houses["train-h0000"]
    assert houses["train-h0000"] is tiny.houses["train-h0000"]
    assert big.structure.size > max(h.structure.size for k, h in houses.items() if "/" not in k)
    with pytest.raises(TrainError, match="in no suite"):
        mixed_houses(tiny, [large], ["other/train-h0000"])
    with pytest.raises(TrainError, match="data.extra_suites"):
        tiny_config("data.extra_suites=tiny")


def test_extra_suites_can_play_fresh_episodes_on_their_houses_while_the_main_suite_keeps_its_own(
        tiny_config, large_suite):
    ctx = Context(0, 1, 0, torch.device("cpu"))
    tiny, large = load_suite("tiny"), load_suite(large_suite)
    own = load_demos_for(tiny_config(f"data.extra_suites={large_suite}"), tiny, ctx,
                         extra=[large])
    config = tiny_config(f"data.extra_suites={large_suite}", "data.extra_sampled_episodes=7")
    sampled = load_demos_for(config, tiny, ctx, extra=[large])
    alone = load_demos_for(tiny_config(), tiny, ctx)
    main = [ep.episode_id for ep in alone.episodes]
    assert [ep.episode_id for ep in sampled.episodes[:len(main)]] == main
    fresh = sampled.episodes[len(main):]
    split_ids = {ep.episode_id for ep in large.episodes("train")}
    assert 1 <= len(fresh) <= 7 and len(fresh) > len(own.episodes) - len(main)
    assert {ep.house for ep in fresh} == {"mix-large/train-h0000"}
    assert not split_ids & {ep.episode_id for ep in fresh}
    with pytest.raises(TrainError, match="extra_sampled_episodes"):
        tiny_config("data.extra_sampled_episodes=-1")


@pytest.mark.slow
def test_a_run_on_small_and_large_houses_trains_with_growing_maps(tiny_config, large_suite):
    result = train_bc(tiny_config(f"data.extra_suites={large_suite}", "optim.max_steps=3",
                                  "model.preset=quickstart", "model.n_embd=32",
                                  "model.far.reach=256", "eval.episodes=1", "eval.batch=1",
                                  "run.checkpoint_every=3"))
    saved = json.loads((Path(result.out) / "result.json").read_text())
    assert result.steps == 3 and saved["config"]["data"]["extra_suites"] == [str(large_suite)]
    assert saved["config"]["model"]["far"] == {"reach": 256, "grow": True, "exact": 0}
