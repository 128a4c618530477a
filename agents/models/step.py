"""``StepContext``: what the policy's optional parts read over ``T`` steps (one when acting),
and the one interface of a part that keeps state across steps (:class:`StatefulPart`)."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from torch import Tensor

from agents.models.state import RecurrentState


class StepContext(NamedTuple):
    """The inputs of ``T`` steps of ``B`` episodes (``T = 1`` when acting), as the parts
    read them."""

    image: Tensor
    """``(B, T, S, S, 3)`` the views (after the ``blank_image`` ablation)."""
    direction: Tensor
    """``(B, T)`` headings."""
    gps: Tensor | None
    """``(B, T, 2)`` cells minus start cells (a model with ``config.gps``), else ``None``."""
    done: Tensor | None = None
    """``(B, T)`` bool, True where a step starts an episode (the part's field is emptied
    before it), or ``None`` (no step does)."""
    goal: Tensor | None = None
    """``(B, T, V*V)`` the goal head's logits of the view cells (``config.goal``), else
    ``None``."""
    cells: Tensor | None = None
    """``(B, T, V*V, K)`` the cell head's logits (``config.cells``), else ``None``."""
    places: Tensor | None = None
    """``(B, T, V*V)`` each seen view cell's place in the memory maps
    (:func:`agents.models.memory.map_index`; the goal memory's aux), else ``None``."""
    goal_maps: Tensor | None = None
    """``(B, T, M*M)`` the goal map after each step (the goal memory's aux), else
    ``None``."""
    last_writes: Tensor | None = None
    """``(B, T, M*M)`` the last step that wrote each map cell
    (:func:`agents.models.memory.last_writes` of ``places``; the goal memory's aux), else
    ``None``."""
    carrying: Tensor | None = None
    """``(B, T)`` the ``carrying`` observation (0: nothing held), or ``None``."""
    cue: Tensor | None = None
    """``(B, T, V*V)`` the chance each view cell shows what the words tell the goal apart
    by (``config.memory.cue``; :func:`agents.models.cue.cue_scores`), else ``None``."""
    cue_said: Tensor | None = None
    """``(B, T)`` the chance the words state such a cue (with ``cue``), else ``None``."""


class StatefulPart(Protocol):
    """A part that owns fields of :class:`RecurrentState` and adds to the state token's
    query. Its fields must not depend on the policy's hidden state (a map written from
    what the heads see), so one :meth:`step` advances it over all ``T`` steps of the
    context at once, for acting (``T = 1``) and for sequences alike. Parts run in
    registration order, each seeing the state as the parts before it left it and the
    context with their ``aux`` added."""

    fields: tuple[str, ...]
    """The :class:`RecurrentState` fields the part owns."""

    def step(self, context: StepContext, state: RecurrentState
             ) -> tuple[Tensor, RecurrentState, dict[str, Any]]:
        """``(bias (B, T, C), new state, aux)``: what the part adds to the state token's
        query at each step, the state with its fields as after the last step, and
        :class:`StepContext` fields for the parts after it."""
        ...
