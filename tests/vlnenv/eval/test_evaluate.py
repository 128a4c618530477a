"""The evaluator: oracle is perfect, random is hopeless, and records depend on nothing but
the policy, the episodes and the seed."""

import numpy as np
import pytest

from vlnenv.eval.baselines import ForwardPolicy, OraclePolicy, RandomPolicy
from vlnenv.eval.evaluate import (
    EvaluationError,
    episode_seed,
    evaluate,
    evaluate_episodes,
    select_episodes,
    stack_obs,
)
from vlnenv.eval.metrics import METRIC_KEYS
from vlnenv.suites.load import load_suite


@pytest.fixture(scope="module")
def tiny():
    return load_suite("tiny")


def mean(records, key):
    return float(np.mean([r[key] for r in records]))


def test_oracle_succeeds_on_every_tiny_episode_with_spl_and_ndtw_1(tiny):
    for split in tiny.splits:
        records = evaluate(OraclePolicy(), tiny, split, batch=4)
        assert len(records) == len(tiny.episodes(split))
        for r in records:
            assert r["success"] and r["stopped"]
            assert r["sr"] == r["spl"] == r["sr_goal"] == r["osr"] == 1.0
            assert r["ne"] == 0.0
            assert r["ndtw"] == pytest.approx(1.0) and r["sdtw"] == pytest.approx(1.0)
            assert r["cls"] == pytest.approx(1.0)


def test_oracle_walks_the_reference_path(tiny):
    records = evaluate(OraclePolicy(), tiny, "test")
    for ep, r in zip(tiny.episodes("test"), records, strict=True):
        assert r["path"] == [list(c) for c in ep.reference_path]
        assert r["actions"][-1] == 6
        assert r["steps"] == len(r["actions"])


def test_random_policy_almost_never_succeeds(tiny):
    records = []
    for split in tiny.splits:
        records += evaluate(RandomPolicy(0), tiny, split)
    assert mean(records, "sr") <= 0.15
    assert mean(records, "spl") <= 0.1


def test_records_hold_every_metric_and_come_in_episode_order(tiny):
    records = evaluate(RandomPolicy(1), tiny, "val_seen", batch=3)
    eps = tiny.episodes("val_seen")
    assert [r["episode_id"] for r in records] == [e.episode_id for e in eps]
    assert [r["episode_index"] for r in records] == list(range(len(eps)))
    for r, ep in zip(records, eps, strict=True):
        assert set(METRIC_KEYS) <= set(r)
        assert r["family"] == ep.family and r["house"] == ep.house
        assert r["path"][0] == list(ep.start[:2])


@pytest.mark.parametrize("policy", [RandomPolicy(3), ForwardPolicy(12), OraclePolicy()],
                         ids=["random", "forward", "oracle"])
def test_records_do_not_depend_on_batch_size_or_sharding(tiny, policy):
    whole = evaluate(policy, tiny, "test", batch=1, seed=5)
    assert evaluate(policy, tiny, "test", batch=4, seed=5) == whole
    assert evaluate(policy, tiny, "test", batch=16, seed=5) == whole
    shards = (evaluate(policy, tiny, "test", episodes=range(0, 4), batch=3, seed=5)
              + evaluate(policy, tiny, "test", episodes=range(4, 10), batch=2, seed=5))
    assert shards == whole


def test_episode_records_of_ones_own_run_as_the_splits_do(tiny):
    episodes = tiny.episodes("test")
    picked = [4, 1, 7]
    houses = {ep.house: tiny.houses[ep.house] for ep in episodes}
    mine = evaluate_episodes(RandomPolicy(3), [episodes[i] for i in picked], houses,
                             indices=picked, batch=2, seed=5)
    assert mine == evaluate(RandomPolicy(3), tiny, "test", episodes=picked, batch=2, seed=5)
    by_default = evaluate_episodes(RandomPolicy(3), episodes[:3], houses, seed=5)
    assert [r["episode_index"] for r in by_default] == [0, 1, 2]
    assert by_default == evaluate(RandomPolicy(3), tiny, "test", episodes=3, seed=5)
    assert evaluate_episodes(RandomPolicy(3), [], houses) == []
    with pytest.raises(EvaluationError, match="2 indices for 3 episodes"):
        evaluate_episodes(RandomPolicy(3), episodes[:3], houses, indices=[0, 1])
    with pytest.raises(EvaluationError, match="batch = 0"):
        evaluate_episodes(RandomPolicy(3), episodes[:3], houses, batch=0)


def test_the_seed_changes_random_runs(tiny):
    a = evaluate(RandomPolicy(0), tiny, "train", seed=0)
    b = evaluate(RandomPolicy(0), tiny, "train", seed=1)
    assert [r["actions"] for r in a] != [r["actions"] for r in b]
    assert episode_seed(0, 3) != episode_seed(1, 3) != episode_seed(0, 4)


def test_env_verdict_is_sr_and_is_stricter_than_standing_on_the_goal(tiny):
    """A fetch episode where the agent stops at once: on the requester's cell (sr_goal 1),
    but empty-handed, so the env says failure."""
    eps = tiny.episodes("train")
    index = next(i for i, e in enumerate(eps) if e.family == "fetch")

    class StopAtOnce(ForwardPolicy):
        def __init__(self):
            super().__init__(0)

    (r,) = evaluate(StopAtOnce(), tiny, "train", episodes=[index])
    assert r["sr_goal"] == 1.0
    assert r["sr"] == r["spl"] == r["sdtw"] == 0.0 and r["success"] is False


def test_select_episodes():
    assert select_episodes(5, None) == [0, 1, 2, 3, 4]
    assert select_episodes(5, 2) == [0, 1]
    assert select_episodes(5, 99) == [0, 1, 2, 3, 4]
    assert select_episodes(5, [4, 1]) == [4, 1]
    with pytest.raises(EvaluationError, match="out of range"):
        select_episodes(5, [5])
    with pytest.raises(EvaluationError, match="count >= 0"):
        select_episodes(5, -1)


def test_an_action_out_of_range_is_an_evaluation_error(tiny):
    class Bad(RandomPolicy):
        def act(self, obs, state, infos):
            return np.full(len(infos), 7), state

    with pytest.raises(EvaluationError, match="action 7"):
        evaluate(Bad(), tiny, "test", episodes=2)


def test_policy_sees_batched_observations(tiny):
    seen = []

    class Spy(RandomPolicy):
        def act(self, obs, state, infos):
            seen.append((obs["image"].shape, obs["direction"].shape, len(obs["instruction"]),
                         [i["active"] for i in infos]))
            return super().act(obs, state, infos)

    evaluate(Spy(), tiny, "test", episodes=3, batch=2)
    shape, direction, n_text, _ = seen[0]
    assert shape == (2, 56, 56, 3) and direction == (2,) and n_text == 2
    assert any(active == [True, False] or active == [False, True] for *_, active in seen)


def test_stack_obs_stacks_arrays_and_lists_texts():
    obs = [{"image": np.zeros((2, 2, 3), np.uint8), "direction": 1, "carrying": 0,
            "instruction": "a", "gps": np.array([0, 0])},
           {"image": np.ones((2, 2, 3), np.uint8), "direction": 3, "carrying": 2,
            "instruction": "b", "gps": np.array([-2, 5])}]
    batch = stack_obs(obs)
    assert batch["image"].shape == (2, 2, 2, 3) and batch["image"].dtype == np.uint8
    assert batch["direction"].tolist() == [1, 3] and batch["carrying"].tolist() == [0, 2]
    assert batch["instruction"] == ["a", "b"]
    assert batch["gps"].tolist() == [[0, 0], [-2, 5]] and batch["gps"].dtype == np.int64


def test_stack_obs_refuses_a_mix_of_observations_with_and_without_gps():
    obs = {"image": np.zeros((2, 2, 3), np.uint8), "direction": 0, "carrying": 0,
           "instruction": "a"}
    assert "gps" not in stack_obs([obs, obs])
    with pytest.raises(EvaluationError, match="1 of 2 observations have 'gps'"):
        stack_obs([{**obs, "gps": np.zeros(2, np.int64)}, obs])
