"""The imitation losses, as small pure functions of tensors."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``values`` where ``mask`` is true (0 when nothing is)."""
    weights = mask.to(values.dtype)  # (...)
    return (values * weights).sum() / weights.sum().clamp(min=1.0)


def action_loss(logits: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Cross-entropy of the expert's actions, averaged over the steps where ``mask``.

    ``-log softmax(logits)[target]``; for ``late_fusion`` the logits already are
    normalised log-probabilities, which ``log_softmax`` leaves unchanged.

    Args:
        logits: ``(B, T, A)`` action logits.
        targets: ``(B, T)`` int64 expert actions.
        mask: ``(B, T)`` bool, the steps that count.
    """
    nll = F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(),
                          reduction="none")  # (B*T,)
    return masked_mean(nll, mask.flatten())


def progress_loss(progress: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error of the progress head against the targets where ``mask``.

    Args:
        progress: ``(B, T)`` predicted progress in (0, 1).
        targets: ``(B, T)`` float targets (:func:`progress_targets`).
        mask: ``(B, T)`` bool.
    """
    return masked_mean((progress.float() - targets) ** 2, mask)


def progress_targets(length: int) -> Tensor:
    """``(length,)`` the progress after each step of an ``length``-step demonstration:
    ``t / length`` for the 1-based step number ``t``, so the ``stop`` step reads 1."""
    return torch.arange(1, length + 1, dtype=torch.float32) / length  # (n,)


def accuracy(logits: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Fraction of masked steps where the arg-max action is the expert's."""
    hits = (logits.argmax(-1) == targets).float()  # (B, T)
    return masked_mean(hits, mask)
