"""Fixtures of the model tests: a tiny config and synthetic batched observations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from agents.models import ModelConfig

INSTRUCTIONS = (
    "Go to the bedroom and bring me a pillow.",
    "Turn left, then stop.",
    "Walk past the sofa and wait in the kitchen next to the fridge.",
    "Stop.",
)


@pytest.fixture(autouse=True)
def one_thread():
    """Run the tiny models on one thread: as fast as two for these sizes, and steady when
    other work shares the machine (a multi-threaded op waits for its slowest thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tiny() -> Callable[..., ModelConfig]:
    """A small config (fast on a CPU) with the given overrides."""

    def make(**overrides: Any) -> ModelConfig:
        sizes: dict[str, Any] = dict(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                                     n_fusion_layer=2)
        return ModelConfig(**{**sizes, **overrides})

    return make


@pytest.fixture
def make_obs() -> Callable[..., dict[str, Any]]:
    """Random batched observations: ``make_obs(B)`` or ``make_obs(B, T)`` (per-episode
    instructions), seeded."""

    def make(batch: int, steps: int | None = None, seed: int = 0, side: int = 56) -> dict:
        rng = np.random.default_rng(seed)
        lead = (batch,) if steps is None else (batch, steps)
        return {
            "image": rng.integers(0, 256, (*lead, side, side, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, lead),
            "carrying": rng.integers(0, 27, lead),
            "instruction": [INSTRUCTIONS[i % len(INSTRUCTIONS)] for i in range(batch)],
        }

    return make
