"""stable-baselines3: the features extractor over the tokenized observation, PPO.learn on
a registered id, and the saved policy scored by the benchmark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from agents.benchmark.registry import make_policy, parse_policy
from agents.rl.sb3 import SB3Policy, VLNExtractor, make_env, train_sb3
from agents.train.errors import TrainError
from vlnenv.eval.evaluate import evaluate
from vlnenv.suites.load import load_suite

TINY = {"n_embd": 32, "n_head": 2, "n_text_layer": 1, "n_vision_layer": 1,
        "n_fusion_layer": 1, "max_text_len": 24}


def test_extractor_gives_text_and_view_summaries_side_by_side():
    env = make_env("vlnenv/GoToRoom-v0", 24)
    extractor = VLNExtractor(env.observation_space, model=TINY)
    assert extractor.features_dim == 64
    obs, _ = env.reset(seed=0)
    batch = {k: torch.as_tensor(np.asarray(v))[None] for k, v in obs.items()}
    features = extractor(batch)
    assert features.shape == (1, 64)
    ids = torch.as_tensor(obs["instruction"])[None]  # (1, L)
    torch.testing.assert_close(features[:, :32], extractor.text(ids).summary)


def test_extractor_reads_sb3_one_hot_and_channel_first_inputs_as_ids_and_pixels():
    env = make_env("vlnenv/GoToRoom-v0", 24)
    extractor = VLNExtractor(env.observation_space, model=TINY)
    obs, _ = env.reset(seed=1)
    raw = {k: torch.as_tensor(np.asarray(v))[None] for k, v in obs.items()}
    space = env.observation_space
    sb3 = {"image": raw["image"].float() / 255.0,  # as SB3 normalises it
           "direction": torch.nn.functional.one_hot(raw["direction"], 4)[:, None].float(),
           "carrying": torch.nn.functional.one_hot(raw["carrying"],
                                                   int(space["carrying"].n)).float(),
           "instruction": torch.nn.functional.one_hot(
               raw["instruction"], int(space["instruction"].nvec[0])).flatten(1).float(),
           "gps": raw["gps"].float()}
    torch.testing.assert_close(extractor(sb3), extractor(raw))


def test_make_env_passes_the_shaping_weight_to_the_environment():
    shaped, sparse = make_env("vlnenv/GoToRoom-v0", 24, dense_reward=0.1), \
        make_env("vlnenv/GoToRoom-v0", 24)
    assert shaped.unwrapped.config.dense_reward == 0.1
    assert sparse.unwrapped.config.dense_reward == 0.0
    shaped.reset(seed=3)
    sparse.reset(seed=3)
    rewards = [(shaped.step(a)[1], sparse.step(a)[1]) for a in [2, 2, 0, 2, 2, 1, 2, 2]]
    assert all(r == 0.0 for _, r in rewards)            # no success: sparse pays nothing
    assert any(r != 0.0 for r, _ in rewards)            # moving changes the distance


def test_extractor_refuses_the_untokenized_observation():
    import gymnasium as gym

    with pytest.raises(TrainError, match="TokenizedInstruction"):
        VLNExtractor(gym.make("vlnenv/GoToRoom-v0").observation_space, model=TINY)


@pytest.fixture(scope="module")
def sb3_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred steps of SB3's PPO on GoToRoom, saved."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = tmp_path_factory.mktemp("sb3") / "run"
        meta = train_sb3("vlnenv/GoToRoom-v0", 256, out, TINY, n_envs=2, device="cpu",
                         ppo_kwargs={"n_steps": 64, "batch_size": 64, "n_epochs": 2},
                         save_every=128)
        assert meta["steps"] == 256
        return out
    finally:
        torch.set_num_threads(threads)


def test_ppo_learn_runs_and_saves_a_policy_and_its_snapshots(sb3_folder: Path):
    assert (sb3_folder / "sb3_policy.zip").is_file()
    assert sorted(p.name for p in sb3_folder.glob("at_*")) == ["at_128", "at_256"]
    assert SB3Policy(sb3_folder / "at_128").meta["steps"] == 128
    log = (sb3_folder / "sb3_log" / "progress.csv").read_text(encoding="utf-8").splitlines()
    assert "time/total_timesteps" in log[0].split(",") and len(log) >= 2
    with pytest.raises(TrainError, match="already holds"):
        train_sb3("vlnenv/GoToRoom-v0", 64, sb3_folder, TINY)


def test_benchmark_scores_the_saved_policy_by_its_folder(sb3_folder: Path):
    assert parse_policy(str(sb3_folder)) == ("sb3", str(sb3_folder))
    policy = make_policy(str(sb3_folder))
    assert isinstance(policy, SB3Policy)
    records = evaluate(policy, load_suite("tiny"), "val_unseen", batch=2, episodes=2)
    assert len(records) == 2 and all(0 <= r["sr"] <= 1 for r in records)
