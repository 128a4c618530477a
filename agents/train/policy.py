"""A ``MultimodalTransformer`` as a :class:`vlnenv.policy.Policy` (greedy, recurrent), and
the ``checkpoint`` factory of the benchmark's policy registry.

``vln benchmark --policy runs/X/best`` (a model folder written by ``save_pretrained``) or
``--policy runs/X/last.pt`` (a training checkpoint) builds a :class:`ModelPolicy` through
:func:`checkpoint_policy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from agents.models import MultimodalTransformer, autocast_context, pick_device
from agents.train.checkpoint import load_model


class ModelPolicy:
    """The model's arg-max action each step, its state carried across the episode and
    reset when a slot starts a new one. Deterministic: the seed is not used.

    Args:
        model: the model (put in eval mode; it stays on its device).
        source: where it was loaded from (for :meth:`config`).
    """

    def __init__(self, model: MultimodalTransformer, source: str | None = None) -> None:
        self.model = model.eval()
        self.source = source

    def initial_state(self, batch: int) -> Tensor:
        """``(B, C)`` zeros."""
        return self.model.initial_state(batch)

    def act(self, obs: dict[str, Any], state: Tensor,
            infos: list[dict[str, Any]]) -> tuple[np.ndarray, Tensor]:
        with torch.no_grad(), autocast_context(self.model.device):
            logits, _, state = self.model.act(obs, state)  # (B, A), _, (B, C)
        return logits.argmax(-1).cpu().numpy(), state

    def reset_done(self, state: Tensor, done: np.ndarray) -> Tensor:
        mask = torch.as_tensor(done, dtype=torch.bool, device=state.device)  # (B,)
        return state.masked_fill(mask[:, None], 0.0)  # (B, C)

    def config(self) -> dict[str, Any]:
        return {"name": "checkpoint", "path": self.source,
                "model": self.model.config.to_dict()}


def checkpoint_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``checkpoint:PATH``: the model of a model folder (``save_pretrained``) or of a
    training checkpoint file, on cuda when there is one.

    Raises:
        TrainError: no path, or nothing loadable there.
    """
    from agents.train.errors import TrainError

    if not argument:
        raise TrainError("policy 'checkpoint' needs a path: checkpoint:runs/NAME/best "
                         "(a model folder) or checkpoint:runs/NAME/last.pt")
    model = load_model(argument, pick_device("auto"))
    return ModelPolicy(model, str(Path(argument)))
