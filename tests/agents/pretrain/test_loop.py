"""The pretraining loop: a resumed run equals an uninterrupted one, refusals, and the
exported encoders."""

from __future__ import annotations

import csv

import pytest
import torch

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.model_folder import read_weights
from agents.pretrain.config import PretrainConfig
from agents.pretrain.loop import load_pretrain_model, pretrain
from agents.train.errors import TrainError


def _config(steps: int, **changes) -> PretrainConfig:
    model = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                        n_fusion_layer=1)
    return PretrainConfig(suite="tiny", views=16, paths=8, batch=4, path_batch=2,
                          steps=steps, checkpoint_every=2, device="cpu", model=model,
                          **changes)


@pytest.mark.slow
def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    pretrain(_config(4), tmp_path / "straight", progress=False)
    pretrain(_config(2), tmp_path / "split", progress=False)
    pretrain(_config(4), tmp_path / "split", resume=True, progress=False)
    a, _ = load_pretrain_model(tmp_path / "straight")
    b, _ = load_pretrain_model(tmp_path / "split")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), name
    with (tmp_path / "split" / "log.csv").open() as f:
        assert [row["step"] for row in csv.DictReader(f)] == ["1", "2", "3", "4"]
    enc = read_weights(tmp_path / "split" / "encoders")
    assert {k.split(".")[0] for k in enc} == {"text", "vision", "fusion"}
    assert torch.equal(enc["text.tok_emb.weight"], b.state_dict()["text.tok_emb.weight"])


def test_an_existing_run_is_refused_without_resume_and_another_config_with_it(tmp_path):
    pretrain(_config(1), tmp_path, progress=False)
    with pytest.raises(TrainError, match="already holds a pretraining run"):
        pretrain(_config(1), tmp_path, progress=False)
    with pytest.raises(TrainError, match="another config"):
        pretrain(_config(2, seed=5), tmp_path, resume=True, progress=False)


def test_unknown_objectives_are_refused():
    with pytest.raises(ModelError, match="objectives must be some of"):
        _config(1, objectives=("contrastive", "telepathy"))


def test_trained_phrasing_data_says_the_same_paths_in_other_words():
    from agents.pretrain.data import build_data
    from vlnenv.suites.load import load_suite

    suite = load_suite("tiny")
    plain = build_data(suite, "train", 8, 6, seed=1)
    trained = build_data(suite, "train", 8, 6, seed=1, phrasing="trained")
    assert trained.path_episodes == plain.path_episodes
    assert trained.instruction_text != plain.instruction_text
    assert trained.families == plain.families
