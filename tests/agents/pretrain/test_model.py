"""The pretraining model: the policy's encoders under the policy's names, and every
objective's loss for single- and dual-stream fusion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models.config import ModelConfig
from agents.models.policy import MultimodalTransformer
from agents.pretrain.data import build_data, sample_batch
from agents.pretrain.model import OBJECTIVES, PretrainModel
from vlnenv.suites.load import load_suite

TINY = dict(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1, n_fusion_layer=1)


@pytest.fixture(scope="module")
def data():
    return build_data(load_suite("tiny"), "train", 24, 8, seed=0)


@pytest.mark.parametrize("fusion", ["single_stream", "dual_stream"])
def test_encoder_weights_load_into_the_policy_under_the_same_names(fusion):
    config = ModelConfig(fusion=fusion, **TINY)
    model = PretrainModel(config, seed=3)
    policy = MultimodalTransformer(config, seed=3)
    enc = model.encoder_state()
    wanted = {k for k in policy.state_dict() if k.split(".")[0] in ("text", "vision", "fusion")}
    assert set(enc) == wanted
    assert all(torch.equal(enc[k], policy.state_dict()[k]) for k in wanted)  # same init
    result = policy.load_state_dict(enc, strict=False)
    assert not result.unexpected_keys


@pytest.mark.parametrize("fusion", ["single_stream", "dual_stream"])
def test_every_objective_gives_a_finite_loss_that_reaches_the_encoders(fusion, data):
    model = PretrainModel(ModelConfig(fusion=fusion, **TINY))
    batch = sample_batch(data, np.random.default_rng(0), 8, 4)
    losses = model.losses(batch, OBJECTIVES, torch.Generator().manual_seed(0))
    assert set(losses) == set(OBJECTIVES)
    for name, loss in losses.items():
        model.zero_grad()
        loss.backward(retain_graph=True)
        assert torch.isfinite(loss), name
        touched = {n.split(".")[0] for n, p in model.named_parameters()
                   if p.grad is not None and p.grad.abs().sum() > 0}
        assert touched & {"text", "vision"}, name
    assert model.losses(batch, ("qa",), torch.Generator()).keys() == {"qa"}


def test_the_quickstart_preset_pretrains_with_a_constant_ego_token(data):
    config = ModelConfig.preset("quickstart", n_embd=32, n_head=2)
    model = PretrainModel(config)
    batch = sample_batch(data, np.random.default_rng(0), 8, 4)
    assert model.views(batch.image).n_ego == 1  # gps = 0, facing east: the ego token
    assert PretrainModel(ModelConfig(**TINY)).views(batch.image).n_ego == 0
    losses = model.losses(batch, OBJECTIVES, torch.Generator().manual_seed(0))
    assert set(losses) == set(OBJECTIVES) and all(torch.isfinite(v) for v in losses.values())
    policy = MultimodalTransformer(config)
    assert not policy.load_state_dict(model.encoder_state(), strict=False).unexpected_keys
