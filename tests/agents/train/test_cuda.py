"""The cuda path (skipped on machines without a GPU; run where one is lent): a bf16-autocast
forward agrees with fp32, behaviour cloning runs on cuda with rendering processes, and its
checkpoint acts on the CPU."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from agents.benchmark.registry import make_policy
from agents.evaluation.model_policy import ModelPolicy
from agents.models import ModelConfig, MultimodalTransformer
from agents.models.device import autocast_context
from agents.train.bc import train_bc
from agents.train.checkpoint import load_model
from vlnenv.eval.evaluate import evaluate

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs cuda")


@pytest.mark.parametrize("fusion", ["single_stream", "dual_stream", "film", "late_fusion",
                                    "energy"])
def test_bf16_autocast_agrees_with_fp32_on_cuda(fusion):
    cuda = torch.device("cuda")
    model = MultimodalTransformer(ModelConfig(n_embd=64, n_head=4, n_text_layer=1,
                                              n_vision_layer=1, n_fusion_layer=1,
                                              fusion=fusion), seed=0).to(cuda).eval()
    rng = np.random.default_rng(0)
    obs = {"image": rng.integers(0, 256, (8, 4, 56, 56, 3), dtype=np.uint8),
           "direction": rng.integers(0, 4, (8, 4)), "carrying": rng.integers(0, 27, (8, 4)),
           "instruction": ["go to the kitchen", "bring me a pillow"] * 4}
    done = np.zeros((8, 4), bool)
    done[:, 0] = True
    with torch.no_grad():
        full = model.forward_sequence(obs, None, done)
        with autocast_context(cuda):
            half = model.forward_sequence(obs, None, done)
    assert half.logits.device.type == "cuda"
    p_full = torch.softmax(full.logits.float(), -1)
    p_half = torch.softmax(half.logits.float(), -1)
    assert float((p_full - p_half).abs().max()) < 0.05  # bf16 keeps ~3 significant digits
    assert torch.isfinite(half.state).all()


def test_bc_on_cuda_learns_and_its_checkpoint_acts_on_the_cpu(tiny_config):
    config = tiny_config("run.device=cuda", "data.loader_workers=2", "optim.goal_weight=1.0",
                         "model.goal={}", "model.fusion=film")
    result = train_bc(config)
    with open(result.log, newline="", encoding="utf-8") as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f) if r["loss"]]
    assert losses[-1] < 0.8 * losses[0]
    saved = json.loads((Path(result.out) / "config.json").read_text())
    assert saved["config"]["run"]["device"] == "cuda"
    on_cpu = ModelPolicy(load_model(Path(result.out) / "last", "cpu"))
    on_cuda = make_policy(str(Path(result.out) / "last"))  # auto: cuda
    assert on_cuda.model.device.type == "cuda" and on_cpu.model.device.type == "cpu"
    for policy in (on_cpu, on_cuda):
        assert len(evaluate(policy, "tiny", "val_unseen", episodes=2, batch=2)) == 2
