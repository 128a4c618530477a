"""The fusion registry: cross-modal fusion strategies registered by name with
:func:`register_fusion` and built from ``config.fusion`` by :func:`build_fusion`.

A fusion reads the recurrent state token, the encoded instruction and the encoded view,
and returns the fused state-token output, which is both the next recurrent state and the
input of the value and progress heads (and of the action head, unless the fusion makes
its own action log-probabilities, as ``late_fusion`` and ``energy`` do).

The built-in fusions (registered when :mod:`agents.models` is imported):

* ``single_stream`` (:mod:`agents.models.streams`): one Transformer over
  ``[state; text; image]`` tokens, parameters shared by both modalities.
* ``dual_stream`` (:mod:`agents.models.streams`): a text stack and an image stack with
  their own parameters, joined by cross-attention in every layer.
* ``film`` (:mod:`agents.models.film`): image layers modulated by the instruction.
* ``late_fusion`` (:mod:`agents.models.late_fusion`): product of per-modality experts.
* ``energy`` (:mod:`agents.models.energy`): actions scored by an energy of unary
  potentials per modality and a pairwise text–vision potential.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, TypeVar

from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


class FusionOutput(NamedTuple):
    """What a fusion returns."""

    state: Tensor
    """``(B, C)`` the fused output at the state token: the next recurrent state."""
    features: Tensor
    """``(B, C)`` input of the value and progress heads (and of the action head)."""
    logits: Tensor | None
    """``(B, n_actions)`` normalised action log-probabilities when the fusion makes its
    own (``makes_logits``), else ``None``."""
    attention: dict[str, Tensor]
    """Attention weights by layer name when asked for, else empty."""


class SequenceInputs(NamedTuple):
    """The encoded inputs of ``T`` steps of ``B`` episodes, as a fusion without a
    per-step context reads them (whole, at every step)."""

    text: Tensor
    """``(B, T, L, C)`` instruction tokens."""
    padding: Tensor
    """``(B, T, L)`` bool, True at padding."""
    image: Tensor
    """``(B, T, N, C)`` view tokens."""
    n_ego: int
    """Leading ego tokens of each view."""

    def at(self, t: int) -> tuple[TextOutput, VisionOutput]:
        """Step ``t``'s encoded instruction and view."""
        return (TextOutput(self.text[:, t], self.padding[:, t], []),
                VisionOutput(self.image[:, t], self.n_ego, []))


class Fusion(nn.Module, ABC):
    """Base class of the fusion strategies. Subclasses take the config alone and define
    :meth:`forward`.

    The policy runs a sequence as :meth:`context` (once, for all steps) then :meth:`read`
    (each step, by the state token); the base class's context is the encoded inputs
    themselves and its read is :meth:`forward`. :class:`ContextFusion` computes a real
    context, a tensor (``has_context``).
    """

    name: ClassVar[str] = ""
    """The registry name (set by :func:`register_fusion`)."""
    makes_logits: ClassVar[bool] = False
    """True when :meth:`forward` returns action log-probabilities itself."""
    has_context: ClassVar[bool] = False
    """True when :meth:`sequence_context` is a ``(B, T, S, C)`` tensor whose last ``V*V``
    tokens stand for the view cells (what the goal head reads)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config

    @abstractmethod
    def forward(
        self,
        state: Tensor,
        text: TextOutput,
        image: VisionOutput,
        return_attention: bool = False,
    ) -> FusionOutput:
        """Fuse one step.

        Args:
            state: ``(B, 1, C)`` the state token (previous state plus its type embedding).
            text: the encoded instruction (tokens ``(B, L, C)`` and their padding mask).
            image: the encoded view (tokens ``(B, N, C)``).
            return_attention: also return attention weights.

        Returns:
            The fused state and features, and log-probabilities for ``makes_logits``.
        """

    def sequence_context(self, text: Tensor, padding: Tensor, image: VisionOutput,
                         return_attention: bool = False) -> tuple[Any, dict[str, Tensor]]:
        """What the state token reads at each of ``T`` steps, computed once, and the
        attention maps of computing it: here the :class:`SequenceInputs` themselves.

        Args:
            text: ``(B, T, L, C)`` instruction tokens.
            padding: ``(B, T, L)`` their padding.
            image: the encoded views of all ``B * T`` steps (tokens ``(B*T, N, C)``).
            return_attention: also return attention maps.
        """
        B, T = text.shape[:2]
        tokens = image.tokens.view(B, T, *image.tokens.shape[1:])  # (B, T, N, C)
        return SequenceInputs(text, padding, tokens, image.n_ego), {}

    def step_contexts(self, context: Any) -> list[Any]:
        """:meth:`sequence_context`'s ``context`` cut into its ``T`` steps, in order (here
        each step's encoded instruction and view, :meth:`SequenceInputs.at`)."""
        return [context.at(t) for t in range(context.text.shape[1])]

    def read_at(self, state: Tensor, step: Any, return_attention: bool = False
                ) -> FusionOutput:
        """One step: the ``(B, 1, C)`` state token reads ``step``, an item of
        :meth:`step_contexts` (here: :meth:`forward` on the step's inputs)."""
        text, image = step
        return self(state, text, image, return_attention)


class ContextFusion(Fusion):
    """A fusion in two parts: a state-independent :meth:`context` of the instruction and
    the view, and a cheap per-step :meth:`read` of it by the state token, so that a
    sequence computes the context of all ``B * T`` steps in one batch and only the read
    steps through time (``MultimodalTransformer.forward_sequence``)."""

    has_context: ClassVar[bool] = True

    @abstractmethod
    def context(
        self, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``(B, S, C)`` what the state token reads at a step, from the instruction and
        view alone, and the attention maps of computing it."""

    @abstractmethod
    def read(self, state: Tensor, context: Tensor, return_attention: bool = False
             ) -> FusionOutput:
        """One step: the ``(B, 1, C)`` state token reads the ``(B, S, C)`` context."""

    def sequence_context(self, text: Tensor, padding: Tensor, image: VisionOutput,
                         return_attention: bool = False) -> tuple[Tensor, dict[str, Tensor]]:
        """``(B, T, S, C)`` :meth:`context` of all ``B * T`` steps in one batch."""
        B, T = text.shape[:2]
        flat = TextOutput(text.flatten(0, 1), padding.flatten(0, 1), [])  # (B*T, L, C)
        ctx, maps = self.context(flat, image, return_attention)  # (B*T, S, C)
        return ctx.view(B, T, *ctx.shape[1:]), maps  # (B, T, S, C)

    def step_contexts(self, context: Any) -> list[Any]:
        """The ``(B, T, S, C)`` context as ``T`` contiguous ``(B, S, C)`` steps, cut in one
        op: the backward pass then stacks the steps' gradients once, where slicing step
        ``t`` out at each step would make a ``(B, T, S, C)`` tensor of zeros per step and
        add them up (the same gradient, ``T`` times the work)."""
        return list(context.transpose(0, 1).contiguous().unbind(0))  # T x (B, S, C)

    def read_at(self, state: Tensor, step: Any, return_attention: bool = False
                ) -> FusionOutput:
        """:meth:`read` of one step's ``(B, S, C)`` context (an item of
        :meth:`step_contexts`)."""
        return self.read(state, step, return_attention)

    def forward(
        self, state: Tensor, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> FusionOutput:
        """:meth:`context`, then :meth:`read`; the attention maps of both."""
        ctx, maps = self.context(text, image, return_attention)
        out = self.read(state, ctx, return_attention)
        return out._replace(attention={**maps, **out.attention})


#: Registered fusion classes by name.
FUSIONS: dict[str, type[Fusion]] = {}

F = TypeVar("F", bound=type[Fusion])


def register_fusion(name: str) -> Callable[[F], F]:
    """Class decorator that registers a fusion under ``name``.

    Raises:
        ModelError: ``name`` is not an identifier or is taken by another class, or the class
            is not a :class:`Fusion` subclass that defines ``forward``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ModelError(f"a fusion name must be a Python identifier, got {name!r}")

    def decorate(cls: F) -> F:
        if not (isinstance(cls, type) and issubclass(cls, Fusion)):
            raise ModelError(f"fusion {name!r}: {cls!r} is not a subclass of Fusion")
        if cls.forward is Fusion.forward:
            raise ModelError(f"fusion {name!r}: {cls.__qualname__} does not define forward()")
        taken = FUSIONS.get(name)
        if taken is not None and taken.__qualname__ != cls.__qualname__:
            raise ModelError(f"fusion {name!r} is already registered to "
                             f"{taken.__module__}.{taken.__qualname__}")
        cls.name = name
        FUSIONS[name] = cls
        return cls

    return decorate


def build_fusion(config: ModelConfig) -> Fusion:
    """The fusion named by ``config.fusion``, built from ``config``.

    Raises:
        ModelError: no fusion of that name is registered.
    """
    cls = FUSIONS.get(config.fusion)
    if cls is None:
        raise ModelError(f"unknown fusion {config.fusion!r}; registered: {sorted(FUSIONS)}")
    return cls(config)
