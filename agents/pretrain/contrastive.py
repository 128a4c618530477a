"""Image–text contrastive learning: CLIP's symmetric InfoNCE over in-batch negatives with
a learnable temperature (Radford et al. 2021; open_clip ``loss.ClipLoss``)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: ``log(1 / 0.07)``, CLIP's initial logit scale.
LOGIT_SCALE_INIT = math.log(1 / 0.07)
#: ``log(100)``: the logit scale is clamped here (temperature never below 0.01).
LOGIT_SCALE_MAX = math.log(100.0)


def clip_loss(a: Tensor, b: Tensor, logit_scale: Tensor) -> Tensor:
    """Symmetric InfoNCE of paired embeddings.

    ``S = exp(s) * a_n b_n^T`` with ``a_n``, ``b_n`` the L2-normalised rows; the loss is
    ``(CE(S, I) + CE(S^T, I)) / 2``: each row's positive is its own pair, every other
    row of the batch a negative.

    Args:
        a: ``(B, D)`` embeddings of one modality.
        b: ``(B, D)`` embeddings of the other, row ``i`` paired with ``a[i]``.
        logit_scale: scalar ``s`` (the log of the inverse temperature).
    """
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)  # (B, D)
    return similarity_loss(a @ b.T, logit_scale)


def similarity_loss(sim: Tensor, logit_scale: Tensor) -> Tensor:
    """Symmetric InfoNCE of a ``(B, B)`` cosine-similarity matrix whose diagonal holds
    the positives: ``(CE(e^s S, I) + CE(e^s S^T, I)) / 2``."""
    logits = logit_scale.exp() * sim  # (B, B)
    target = torch.arange(sim.shape[0], device=sim.device)  # (B,)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def retrieval_logits(a: Tensor, b: Tensor) -> Tensor:
    """``(Na, Nb)`` cosine similarities of ``a`` (Na, D) and ``b`` (Nb, D)."""
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


class ContrastiveHead(nn.Module):
    """Projection heads of both modalities and the learnable logit scale.

    The scale is read through ``clamp(max=log 100)``: past the clamp its gradient is zero,
    so it can never grow further (open_clip clamps the parameter in place instead).
    """

    def __init__(self, width: int, dim: int) -> None:
        super().__init__()
        self.image_proj = nn.Linear(width, dim, bias=False)
        self.text_proj = nn.Linear(width, dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(LOGIT_SCALE_INIT))

    def scale(self) -> Tensor:
        """The clamped logit scale ``min(s, log 100)``."""
        return self.logit_scale.clamp(max=LOGIT_SCALE_MAX)

    def forward(self, image: Tensor, text: Tensor) -> Tensor:
        """The loss of ``(B, C)`` image and text summaries, paired by row."""
        return clip_loss(self.image_proj(image), self.text_proj(text), self.scale())
