"""The gps input: the way back to the start in the agent's frame, worked out by hand, and a
model that reads it (and refuses observations without it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models import GpsConfig, ModelConfig, ModelError, MultimodalTransformer
from agents.models.vision import home_vector

# gps = cell - start (rows grow south); headings 0 east, 1 south, 2 west, 3 north
CASES = [
    ((0, 3), 0, (-3, 0)),  # 3 cells east of the start, facing east: it is 3 behind
    ((2, 0), 3, (2, 0)),  # 2 cells south, facing north: 2 ahead
    ((0, -1), 1, (0, -1)),  # 1 west, facing south: the start is 1 to the left (east)
    ((-1, 2), 2, (2, -1)),  # 1 north and 2 east, facing west: 2 ahead and 1 to the left
    ((0, 40), 2, (16, 0)),  # far east, facing west: 40 ahead, clipped to the range
    ((3, 0), 1, (-3, 0)),  # 3 south, facing south: 3 behind
    ((2, 0), 0, (0, -2)),  # 2 south, facing east: 2 to the left (north)
]


@pytest.mark.parametrize(("gps", "heading", "expected"), CASES)
def test_home_vector_by_hand(gps, heading, expected):
    f, r = home_vector(torch.tensor([gps]), torch.tensor([heading]), 16)
    assert (int(f) - 16, int(r) - 16) == expected


def _obs(n: int, gps: np.ndarray | None) -> dict:
    rng = np.random.default_rng(0)
    obs = {"image": rng.integers(0, 255, (n, 56, 56, 3), dtype=np.uint8),
           "direction": rng.integers(0, 4, n), "carrying": np.zeros(n, np.int64),
           "instruction": ["bring me a red cup"] * n}
    if gps is not None:
        obs["gps"] = gps
    return obs


def test_a_gps_model_reads_gps_and_refuses_observations_without_it():
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1, gps=GpsConfig())
    model = MultimodalTransformer(config).eval()
    near, far = np.zeros((2, 2), np.int64), np.array([[3, -2], [0, 5]])
    with torch.no_grad():
        a, b = model(_obs(2, near)).logits, model(_obs(2, far)).logits
    assert not torch.allclose(a, b)
    with pytest.raises(ModelError, match="'gps'"):
        model(_obs(2, None))
    with pytest.raises(ModelError, match=r"'gps' must have shape \(2, 2\)"):
        model(_obs(2, np.zeros((2, 3), np.int64)))


def test_a_model_without_gps_ignores_it():
    model = MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1,
                                              n_fusion_layer=1)).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(_obs(2, np.array([[3, -2], [0, 5]]))).logits,
                                   model(_obs(2, None)).logits)


def test_a_sequence_of_gps_steps_equals_the_steps_one_by_one():
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1,
                         fusion="film", gps=GpsConfig())
    model = MultimodalTransformer(config).eval()
    T = 3
    obs = _obs(T, np.array([[0, 0], [0, 1], [1, 1]]))
    seq = {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}
    done = np.zeros((1, T), bool)
    done[0, 0] = True
    with torch.no_grad():
        whole = model.forward_sequence(seq, None, done).logits[0]  # (T, A)
        state, steps = None, []
        for t in range(T):
            one = {k: (v[t:t + 1] if k != "instruction" else v[t:t + 1]) for k, v in obs.items()}
            out = model(one, state)
            state = out.state
            steps.append(out.logits[0])
    torch.testing.assert_close(whole, torch.stack(steps), atol=1e-5, rtol=1e-4)
