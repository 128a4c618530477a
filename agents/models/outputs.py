"""``PolicyOutput``: what :class:`~agents.models.policy.MultimodalTransformer` returns for a
step or a sequence, and the attention maps by layer name."""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor

from agents.models.state import RecurrentState
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


class PolicyOutput(NamedTuple):
    """Outputs of one step (leading dims ``(B,)``) or of a sequence (``(B, T)``)."""

    logits: Tensor
    """``(*D, n_actions)`` action logits (normalised log-probabilities for late fusion)."""
    value: Tensor
    """``(*D,)`` state value."""
    progress: Tensor
    """``(*D,)`` progress estimate in (0, 1)."""
    state: RecurrentState
    """The recurrent state after the (last) step."""
    attention: dict[str, Tensor]
    """Attention weights by layer (``text.<i>``, ``vision.<i>``, ``fusion.<i>...``) when
    asked for, else empty."""
    goal: Tensor | None = None
    """``(*D, V*V)`` goal-in-view scores of every view cell (a model with
    ``config.goal``), else ``None``."""
    cells: Tensor | None = None
    """``(*D, V*V, sum(CELL_CLASSES))`` what-is-in-this-cell logits of every view cell (a
    model with ``config.cells``; base, kind and colour logits side by side, see
    :data:`CELL_CLASSES`), else ``None``."""
    match: Tensor | None = None
    """``(*D, sum(CELL_CLASSES))`` what the instruction names, as the goal match's text head
    reads it (a model with ``config.match``; base, kind and colour logits side by side),
    else ``None``."""
    track: Tensor | None = None
    """``(B, T, L)`` the instruction tracker's attention over the instruction's tokens at
    each step, the mean over its heads (a model with ``config.track``, when
    :meth:`~agents.models.policy.MultimodalTransformer.forward_sequence` is asked for it
    with ``track_weights``; the supervised pointer of :mod:`agents.train.data.legs`),
    else ``None``."""
    cue: Tensor | None = None
    """``(*D, CUE_CLASSES)`` what the words tell the goal apart by, as the cue reader reads
    it (a model with ``config.memory.cue``; :mod:`agents.models.cue`), else ``None``."""


def attention_maps(text: TextOutput, vision: VisionOutput,
                    fusion: dict[str, Tensor]) -> dict[str, Tensor]:
    """Every layer's attention weights by name: ``text.<i>``, ``vision.<i>``, then the
    fusion's own."""
    maps = {f"text.{i}": w for i, w in enumerate(text.attention)}
    maps.update({f"vision.{i}": w for i, w in enumerate(vision.attention)})
    maps.update(fusion)
    return maps
