"""``StepContext``: what the policy's optional parts read at one step, and the one
interface of a part that keeps state across steps (:class:`StatefulPart`)."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple, Protocol

from torch import Tensor

from agents.models.state import RecurrentState


class StepContext(NamedTuple):
    """One step's inputs of ``B`` episodes, as the parts read them."""

    image: Tensor
    """``(B, S, S, 3)`` the views (after the ``blank_image`` ablation)."""
    direction: Tensor
    """``(B,)`` headings."""
    gps: Tensor | None
    """``(B, 2)`` cells minus start cells (a model with ``config.gps``), else ``None``."""
    goal: Tensor | None = None
    """``(B, V*V)`` the goal head's logits of the view cells (``config.goal``), else
    ``None``."""
    cells: Tensor | None = None
    """``(B, V*V, K)`` the cell head's logits (``config.cells``), else ``None``."""
    places: Tensor | None = None
    """``(B, V*V)`` each seen view cell's place in the memory maps
    (:func:`agents.models.memory.map_index`; written by the goal memory's step for the
    parts after it), else ``None``."""


class StatefulPart(Protocol):
    """A part that owns a field of :class:`RecurrentState` and adds to the state token's
    query: parts run in registration order, each seeing the state as the parts before it
    left it and the context with their ``aux`` added."""

    field: ClassVar[str]
    """The :class:`RecurrentState` field the part owns."""

    def step(self, context: StepContext, state: RecurrentState
             ) -> tuple[Tensor, RecurrentState, dict[str, Any]]:
        """``(bias (B, C), new state, aux)``: what the part adds to the state token's query,
        the state with its field updated, and :class:`StepContext` fields for the parts
        after it."""
        ...
