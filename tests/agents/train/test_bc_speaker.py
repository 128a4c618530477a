"""Behaviour cloning with speaker augmentation (``data.speaker``): the real demonstrations
plus ``speaker_episodes`` of fresh episodes whose instructions the speaker wrote; a missing
speaker or a seed that would describe the real episodes is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.models.config import ModelConfig
from agents.pretrain.augment import speak
from agents.pretrain.config import PretrainConfig
from agents.pretrain.loop import load_pretrain_model, pretrain
from agents.train import distributed
from agents.train.bc import load_demos_for
from agents.train.errors import TrainError
from vlnenv.suites.load import load_suite


@pytest.fixture(scope="module")
def speaker_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-step pretraining run of the tiny config's encoders and speaker."""
    out = tmp_path_factory.mktemp("speaker") / "pt"
    model = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                        n_fusion_layer=1)
    pretrain(PretrainConfig(objectives=("caption",), suite="tiny", views=8, paths=8,
                            batch=4, path_batch=2, steps=1, device="cpu", model=model),
             out, progress=False)
    return out


def _demos(config):
    ctx = distributed.setup("cpu")
    try:
        return load_demos_for(config, load_suite(config.data.suite), ctx)
    finally:
        distributed.teardown(ctx)


def test_the_speakers_demonstrations_follow_the_real_ones(tiny_config, speaker_run):
    real = _demos(tiny_config())
    both = _demos(tiny_config(f"data.speaker={speaker_run}", "data.speaker_episodes=4"))
    added = both.episodes[len(real):]
    assert [e.episode_id for e in both.episodes[:len(real)]] == [e.episode_id
                                                                for e in real.episodes]
    assert 1 <= len(added) <= 4
    assert all(e.episode_id.startswith("train-s1-") for e in added)
    model, _ = load_pretrain_model(speaker_run)
    said = [t for t in speak(model, added, load_suite("tiny").houses) if t.strip()]
    assert [e.instruction for e in added] == said


def test_a_missing_speaker_or_the_real_episodes_seed_is_refused(tiny_config, tmp_path):
    with pytest.raises(TrainError, match="data.speaker = .*nowhere"):
        _demos(tiny_config(f"data.speaker={tmp_path / 'nowhere'}"))
    with pytest.raises(TrainError, match="data.speaker_seed"):
        tiny_config("data.sampled_episodes=10", "data.sample_seed=1")
    with pytest.raises(TrainError, match="data.speaker_episodes"):
        tiny_config("data.speaker_episodes=0")
