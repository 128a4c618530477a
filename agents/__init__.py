"""agents: multimodal policies, trainers, pretraining, evaluation and the ``vln`` command.

``from agents import load_pretrained_weights`` (see :mod:`agents.models.pretrained`);
torch is imported on first use, so ``vln --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_pretrained_weights"]


def __getattr__(name: str) -> Any:
    if name == "load_pretrained_weights":
        from agents.models.pretrained import load_pretrained_weights

        return load_pretrained_weights
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
