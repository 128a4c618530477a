"""``ModelEnsemble``: several trained models acting as one policy.

Each member keeps its own recurrent state (its own memory maps) and reads the same
observation; the ensemble's action distribution is the mean of the members' (a uniform
mixture, the "deep ensembles" of Lakshminarayanan et al., 2017, "Simple and Scalable
Predictive Uncertainty Estimation using Deep Ensembles"):

    p(a) = (1 / K) * sum_k softmax(z_k)(a)
    logits = log p = logsumexp_k(log_softmax(z_k)) - log K

where ``z_k`` are member ``k``'s ``(B, A)`` logits. The log of the mixture is returned as
the ensemble's logits, so the greedy, margin and sampled policies of
:mod:`agents.evaluation.model_policy` decode it as they decode one model.

It measures how much of a model's error is the variance of one training run (which the
mixture averages away) and how much is shared by every run of a recipe (which it does not):
``vln benchmark --policy ensemble:runs/a/best+runs/b/best``
(:func:`agents.benchmark.model_factories.ensemble_policy`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from agents.evaluation.model_policy import ModelPolicy
from agents.models import MultimodalTransformer, RecurrentState
from agents.models.config import ModelConfig
from agents.models.errors import ModelError


def mixture_logits(logits: Sequence[Tensor]) -> Tensor:
    """``(..., A)`` float32 log of the mean of the members' action distributions:
    ``logsumexp_k(log_softmax(z_k)) - log K`` of ``K`` ``(..., A)`` logits ``z_k`` (one
    step ``(B, A)`` when acting, a chunk ``(B, T, A)`` when distilling)."""
    if not logits:
        raise ModelError("mixture_logits: expected at least one member's logits, got none")
    logp = torch.stack([torch.log_softmax(z.float(), dim=-1) for z in logits])  # (K, ..., A)
    return torch.logsumexp(logp, dim=0) - math.log(len(logits))  # (..., A)


class EnsembleState(NamedTuple):
    """The members' recurrent states, in member order (each ``(B, ...)``)."""

    members: tuple[RecurrentState, ...]

    def reset(self, done: Any) -> EnsembleState:
        """Every member's state reset in the rows where ``done`` is True."""
        return EnsembleState(tuple(s.reset(done) for s in self.members))

    def select(self, index: Any) -> EnsembleState:
        """The rows ``index`` of every member's state (:meth:`RecurrentState.select`)."""
        return EnsembleState(tuple(s.select(index) for s in self.members))

    @classmethod
    def cat(cls, states: list[EnsembleState]) -> EnsembleState:
        """The states of several batches, one after the other, member by member."""
        return cls(tuple(RecurrentState.cat(list(member))
                         for member in zip(*(s.members for s in states), strict=True)))


class ModelEnsemble:
    """``K >= 1`` models that act as one (module docstring): what
    :class:`~agents.evaluation.model_policy.ModelPolicy` needs of a model (``config``,
    ``device``, ``eval``, ``initial_state``, ``act``).

    The members must read instructions alike (the same ``read_parts`` and
    ``read_route_parts``: the policy cuts the words once for all of them) and sit on one
    device; their sizes and parts may differ.

    Raises:
        ModelError: no member, members that read instructions differently, or members on
            different devices.
    """

    def __init__(self, models: Sequence[MultimodalTransformer]) -> None:
        if not models:
            raise ModelError("ModelEnsemble: expected at least one model, got none")
        first = models[0].config
        for i, m in enumerate(models[1:], start=1):
            c = m.config
            if (c.read_parts, c.read_route_parts) != (first.read_parts, first.read_route_parts):
                raise ModelError(
                    f"ModelEnsemble member {i}: reads instructions with read_parts="
                    f"{c.read_parts}, read_route_parts={c.read_route_parts}; member 0 with "
                    f"{first.read_parts}, {first.read_route_parts} (expected the same: the "
                    "words are cut once for every member)")
            if m.device != models[0].device:
                raise ModelError(f"ModelEnsemble member {i} is on {m.device}, member 0 on "
                                 f"{models[0].device}; expected one device")
        self.models = list(models)

    @property
    def config(self) -> ModelConfig:
        """Member 0's config (the members read instructions alike)."""
        return self.models[0].config

    @property
    def device(self) -> torch.device:
        """Where the members are."""
        return self.models[0].device

    def eval(self) -> ModelEnsemble:
        """Every member in eval mode."""
        for m in self.models:
            m.eval()
        return self

    def initial_state(self, batch: int) -> EnsembleState:
        """Every member's start state for ``batch`` episodes."""
        return EnsembleState(tuple(m.initial_state(batch) for m in self.models))

    def act(self, obs: Mapping[str, Any], state: EnsembleState
            ) -> tuple[Tensor, Tensor, EnsembleState]:
        """One step of every member: the ``(B, A)`` mixture logits (:func:`mixture_logits`),
        the ``(B,)`` mean of the members' values and the members' next states."""
        logits, values, states = [], [], []
        for model, own in zip(self.models, state.members, strict=True):
            z, v, nxt = model.act(obs, own)  # (B, A), (B,)
            logits.append(z)
            values.append(v.float())
            states.append(nxt)
        return mixture_logits(logits), torch.stack(values).mean(0), EnsembleState(tuple(states))

    def to_dict(self) -> list[dict[str, Any]]:
        """The members' configs, in order."""
        return [m.config.to_dict() for m in self.models]


class EnsemblePolicy(ModelPolicy):
    """:class:`ModelPolicy` around a :class:`ModelEnsemble`: greedy on the mixture (or, with
    ``stop_margin``, as :class:`ModelPolicy` says), its config naming every member.

    Args:
        ensemble: the members as one.
        sources: where each member was loaded from, in member order.
        stop_margin: as :class:`ModelPolicy`.
    """

    name = "ensemble"

    def __init__(self, ensemble: ModelEnsemble, sources: Sequence[str],
                 stop_margin: float = 0.0) -> None:
        if len(sources) != len(ensemble.models):
            raise ModelError(f"EnsemblePolicy: {len(sources)} sources for "
                             f"{len(ensemble.models)} members; expected one per member")
        super().__init__(ensemble, "+".join(sources), stop_margin=stop_margin)
        self.sources = list(sources)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "members": self.sources, "model": self.model.to_dict()}
