"""Reading where ``MultimodalTransformer``'s state token looks, and driving the model one
step at a time (greedy actions) for ``vln record [--attention]``.

What is read (last fusion layer, mean over heads, the state token's row):

* ``single_stream``: ``fusion.<last>`` ``(B, H, T, T)`` over ``[state; text; image]``
  tokens; the text part (``<cls>`` dropped) gives the word weights, the last ``V*V``
  columns the view cells.
* ``dual_stream``: ``fusion.<last>.image_to_text`` ``(B, H, 1+N, L)`` row 0 for the words
  (``<cls>`` dropped) and ``fusion.<last>.image_self`` ``(B, H, 1+N, 1+N)`` row 0 for the
  cells.
* ``film``, ``late_fusion`` and ``energy``: ``fusion.<last>`` over ``[state; image]`` (or
  ``[summary; image]``): cells only (the state token never attends to words there; the
  text enters through the summary).

Each part is renormalised to sum to 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import Tensor

from agents.evaluation.model_policy import ModelPolicy, PolicyState
from agents.models import MultimodalTransformer, RecurrentState
from agents.viz.drivers import Decision, DriverError
from agents.viz.heat import AttentionMap
from vlnenv.eval.evaluate import stack_obs

_FUSION_KEY = re.compile(r"^fusion\.(\d+)")


def _state_row(weights: Tensor) -> np.ndarray:
    """Row 0 (the state token) of ``(B, H, T, S)`` weights, batch item 0, mean over heads:
    ``(S,)``."""
    return weights[0].float().mean(dim=0)[0].detach().cpu().numpy().astype(np.float64)


def _unit(w: np.ndarray) -> np.ndarray:
    total = float(w.sum())
    return w / total if total > 0 else w


def state_token_attention(maps: Mapping[str, Tensor], view: int) -> AttentionMap:
    """Where the state token attends in the last fusion layer (see the module docstring).

    Args:
        maps: ``PolicyOutput.attention`` of a forward pass with ``return_attention=True``.
        view: cells per side of the egocentric view.

    Returns:
        ``(view, view)`` cell weights and the token weights (``None`` for fusions whose
        state token does not attend to words), each summing to 1.

    Raises:
        DriverError: no fusion attention in ``maps``.
    """
    layers = [int(m.group(1)) for k in maps if (m := _FUSION_KEY.match(k))]
    if not layers:
        raise DriverError(f"no fusion attention among {sorted(maps)}; run the model with "
                          "return_attention=True")
    last = f"fusion.{max(layers)}"
    n_cells = view * view
    if f"{last}.image_self" in maps:
        cells = _state_row(maps[f"{last}.image_self"])[-n_cells:]
        tokens: np.ndarray | None = _state_row(maps[f"{last}.image_to_text"])[1:]
    else:
        row = _state_row(maps[last])  # (T,)
        cells = row[-n_cells:]
        # single_stream: [state; <cls> + words; image]; film / late_fusion: [state; image].
        # The image tokens are the ego token (heading, carrying) and the cells.
        n_image = maps["vision.0"].shape[-1] if "vision.0" in maps else 1 + n_cells
        n_text = row.shape[0] - 1 - n_image
        tokens = row[2:1 + n_text] if n_text > 0 else None
    return AttentionMap(_unit(cells).reshape(view, view),
                        None if tokens is None else _unit(tokens))


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block (a batch of one gains nothing from
    more, and on a busy machine their spin-waits cost hundreds of times the work)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _AttendingPolicy(ModelPolicy):
    """The greedy model policy, keeping the attention of its last forward pass (the one
    that chose the step's action)."""

    def __init__(self, model: MultimodalTransformer) -> None:
        super().__init__(model)
        self.attention: Mapping[str, Tensor] = {}

    def _logits(self, obs: dict[str, Any],
                state: RecurrentState) -> tuple[Tensor, RecurrentState]:
        with torch.no_grad():
            out = self.model(obs, state, return_attention=True)
        self.attention = out.attention
        return out.logits, out.state


class TransformerDriver:
    """A ``MultimodalTransformer`` acting greedily (arg-max of its logits), its recurrent
    state carried across steps, reading sequences and routes whole or part by part as its
    ``read_parts`` and ``read_route_parts`` say (the benchmark's
    :class:`~agents.evaluation.model_policy.ModelPolicy`, so an episode plays out exactly
    as it does there); with ``attention``, each decision carries the state token's
    attention (its word weights only while the model reads the whole instruction: a part's
    words are not the words shown).

    Args:
        model: the model (put in eval mode).
        attention: read attention at every step.
    """

    needs_expert = False

    def __init__(self, model: MultimodalTransformer, attention: bool = False) -> None:
        self.policy = _AttendingPolicy(model) if attention else ModelPolicy(model)
        self.model = self.policy.model
        self.attention = attention
        self._state: PolicyState | None = None

    @classmethod
    def from_pretrained(cls, directory: str, attention: bool = False) -> TransformerDriver:
        """The model saved in ``directory``, on the CPU."""
        return cls(MultimodalTransformer.from_pretrained(directory), attention)

    def begin(self, index: int) -> None:
        self._state = self.policy.initial_state(1)

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Decision:
        state = self._state if self._state is not None else self.policy.initial_state(1)
        with one_thread():
            actions, self._state = self.policy.act(stack_obs([obs]), state, [info])
        action = int(actions[0])
        if not self.attention:
            return Decision(action)
        assert isinstance(self.policy, _AttendingPolicy)
        view = obs["image"].shape[0] // self.model.config.tile
        seen = state_token_attention(self.policy.attention, view)
        reading = self._state.readings[0]
        if reading is not None and reading.now != reading.text:
            seen = AttentionMap(seen.cells, None)
        return Decision(action, seen)
