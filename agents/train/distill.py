"""Distillation: trained models (one, or several acting as an ensemble) teach the student
their action distributions beside the expert's labels.

Each teacher reads the same demonstration chunks as the student, in eval mode, with its
own recurrent state carried from chunk to chunk and reset where an episode starts, as
the student's is. Their distribution is the ensemble's mixture at temperature ``τ``
(:func:`agents.evaluation.ensemble.mixture_logits` of ``z_k / τ``), and the student is
asked to match it (Hinton, Vinyals & Dean, 2015, "Distilling the Knowledge in a Neural
Network"):

    q = (1 / K) Σ_k softmax(z_k / τ)          teachers' mixture
    p = softmax(z / τ)                        student
    L_distill = τ² · mean over steps of KL(q ‖ p) = τ² · Σ_a q(a) (log q(a) − log p(a))

``τ²`` keeps the gradient's scale as ``τ`` changes (Hinton et al., section 2). The loss is
added to the expert cross-entropy with weight ``distill.weight``
(:class:`agents.train.sections.DistillConfig`): one model that acts at one run's cost,
taught by several runs acting as one (what it keeps of them:
``docs/experiments/45-one-model-for-three.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from agents.evaluation.ensemble import mixture_logits
from agents.models import MultimodalTransformer, RecurrentState
from agents.models.device import autocast_context
from agents.train.checkpoint import load_model
from agents.train.errors import TrainError
from agents.train.losses import masked_mean


def distill_loss(student: Tensor, teacher: Tensor, mask: Tensor, temperature: float) -> Tensor:
    """``τ² · KL(q ‖ p)`` averaged over the steps where ``mask`` (module docstring).

    Args:
        student: ``(B, T, A)`` the student's logits.
        teacher: ``(B, T, A)`` the teachers' mixture log-probabilities at temperature ``τ``
            (:meth:`Teachers.log_probs`).
        mask: ``(B, T)`` bool, the steps that count.
        temperature: ``τ > 0``.
    """
    log_p = torch.log_softmax(student.float() / temperature, dim=-1)  # (B, T, A)
    kl = F.kl_div(log_p, teacher.float(), reduction="none", log_target=True).sum(-1)  # (B, T)
    return temperature ** 2 * masked_mean(kl, mask)


def check_reads_alike(student: MultimodalTransformer, teacher: MultimodalTransformer,
                      where: str) -> None:
    """Raise :class:`TrainError` unless ``teacher`` reads the student's token ids as the
    student does (one vocabulary, one ``max_text_len``, parts read alike): the chunks'
    instructions are encoded once, by the student."""
    s, t = student.config, teacher.config
    if list(student.tokenizer.tokens) != list(teacher.tokenizer.tokens):
        raise TrainError(f"{where}: the teacher's vocabulary differs from the student's; "
                         "expected one vocabulary (the instructions are encoded once)")
    ours = (s.max_text_len, s.read_parts, s.read_route_parts)
    theirs = (t.max_text_len, t.read_parts, t.read_route_parts)
    if ours != theirs:
        raise TrainError(f"{where}: the teacher reads instructions with (max_text_len, "
                         f"read_parts, read_route_parts) = {theirs}, the student with {ours}; "
                         "expected the same")


class Teachers:
    """The frozen teacher models of a run and their recurrent states over the lanes.

    Args:
        models: the teachers (eval mode, on the student's device).
        temperature: ``τ`` of :func:`distill_loss`.
    """

    def __init__(self, models: Sequence[MultimodalTransformer], temperature: float) -> None:
        self.models = list(models)
        self.temperature = temperature
        self.states: list[RecurrentState] = []
        for m in self.models:
            m.eval()
            for p in m.parameters():
                p.requires_grad_(False)

    @classmethod
    def load(cls, paths: Sequence[str], student: MultimodalTransformer,
             temperature: float) -> Teachers:
        """The teachers at ``paths`` (model folders or checkpoints), on the student's
        device.

        Raises:
            TrainError: nothing loadable at a path, or a teacher that reads instructions
                otherwise than the student (:func:`check_reads_alike`).
        """
        models = []
        for i, path in enumerate(paths):
            model = load_model(path, student.device)
            check_reads_alike(student, model, f"distill.teachers[{i}] = {path}")
            models.append(model)
        return cls(models, temperature)

    def start(self, lanes: int) -> None:
        """Every teacher's state at the start of ``lanes`` episodes."""
        self.states = [m.initial_state(lanes) for m in self.models]

    def log_probs(self, obs: Mapping[str, Tensor], done: Tensor) -> Tensor:
        """``(B, T, A)`` float32 log of the teachers' mixture at temperature ``τ`` on one
        chunk (``obs`` as :meth:`MultimodalTransformer.forward_sequence` reads it, ``done``
        ``(B, T)``); each teacher's state moves on past the chunk."""
        logits, states = [], []
        with torch.no_grad(), autocast_context(self.models[0].device):
            for model, state in zip(self.models, self.states, strict=True):
                out = model.forward_sequence(obs, state, done)  # logits (B, T, A)
                logits.append(out.logits.float() / self.temperature)
                states.append(out.state)
        self.states = states
        return mixture_logits(logits)  # (B, T, A)

    def state_dicts(self) -> list[dict[str, Any]]:
        """The teachers' states as a checkpoint keeps them (on the CPU)."""
        return [s.to("cpu").to_dict() for s in self.states]

    def load_state_dicts(self, saved: Sequence[Any], where: str) -> None:
        """Restore :meth:`state_dicts`.

        Raises:
            TrainError: a count that is not the number of teachers.
        """
        if len(saved) != len(self.models):
            raise TrainError(f"{where}: holds {len(saved)} teacher state(s); this run has "
                             f"{len(self.models)} teacher(s) (distill.teachers)")
        self.states = [m.load_state(s, where).to(m.device)
                       for m, s in zip(self.models, saved, strict=True)]
