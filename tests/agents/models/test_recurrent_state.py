"""The state token carries information across steps: a bit shown only in the first view
must be recalled steps later, behind blank views. Learned with the recurrent state, not
without it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from agents.models import ModelConfig, MultimodalTransformer

STEPS = 4
TILE = 8
VIEW = 3  # cells a side: a small view keeps the test fast; the model takes any size


def memory_batch(rng: np.random.Generator, batch: int) -> tuple[dict, np.ndarray]:
    """Episodes of ``STEPS`` blank views, except the first, whose top-left cell is red
    (bit 1) or blue (bit 0); the target at the last step is the bit."""
    bits = rng.integers(0, 2, batch)
    image = np.zeros((batch, STEPS, VIEW * TILE, VIEW * TILE, 3), dtype=np.uint8)
    image[:, 0, :TILE, :TILE] = np.where(bits[:, None, None, None] == 1, [255, 0, 0],
                                         [0, 0, 255])
    obs = {
        "image": image,
        "direction": np.zeros((batch, STEPS), dtype=np.int64),
        "carrying": np.zeros((batch, STEPS), dtype=np.int64),
        "instruction": ["what colour was the first corner ?"] * batch,
    }
    return obs, bits


def recall_accuracy(recurrent: bool, seed: int = 0, updates: int = 60) -> float:
    torch.manual_seed(seed)  # dropout is off; this pins any other kernel randomness
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=0, n_vision_layer=1,
                         n_fusion_layer=1, recurrent=recurrent)
    model = MultimodalTransformer(config, seed=seed)
    opt = torch.optim.AdamW(model.optim_groups(0.0), lr=3e-3)
    rng = np.random.default_rng(seed)
    done = np.zeros((64, STEPS), dtype=bool)
    done[:, 0] = True
    for _ in range(updates):
        obs, bits = memory_batch(rng, 64)
        logits = model.forward_sequence(obs, None, done).logits[:, -1]  # (B, A)
        loss = F.cross_entropy(logits, torch.from_numpy(bits))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    obs, bits = memory_batch(np.random.default_rng(seed + 1), 512)
    big_done = np.zeros((512, STEPS), dtype=bool)
    big_done[:, 0] = True
    with torch.no_grad():
        guess = model.forward_sequence(obs, None, big_done).logits[:, -1].argmax(-1)
    return float((guess.numpy() == bits).mean())


@pytest.mark.slow
def test_state_token_remembers_the_first_view():
    assert recall_accuracy(recurrent=True) > 0.9


@pytest.mark.slow
def test_without_the_state_token_recall_is_chance():
    assert recall_accuracy(recurrent=False) < 0.65
