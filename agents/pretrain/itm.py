"""Image–text matching with hard negatives (ALBEF, Li et al. 2021): a learned query token
reads the fused view and text; a linear head says matched or not. Each view's negative
text is drawn in proportion to ``softmax(sim)`` over the batch's texts that do not
describe the same scene (so a negative never equals its positive)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.fusion import Fusion
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


def hard_negatives(sim: Tensor, scene: Tensor, gen: torch.Generator) -> Tensor:
    """``(B,)`` index of a negative text for each view.

    Args:
        sim: ``(B, B)`` view–text similarities (row: view, column: text).
        scene: ``(B,)`` scene ids; texts of the same scene as the view are never drawn.
        gen: the draw's generator.

    Returns:
        Index ``j`` per row with ``scene[j] != scene[i]``, drawn with probability
        ``softmax(sim[i])`` restricted to those; ``-1`` for a row that has none.
    """
    same = scene[:, None] == scene[None, :]  # (B, B)
    weights = F.softmax(sim.float().masked_fill(same, float("-inf")), dim=1)  # (B, B)
    none = same.all(dim=1)  # (B,)
    weights = torch.where(none[:, None], torch.ones_like(weights), weights.nan_to_num(0.0))
    pick = torch.multinomial(weights.cpu(), 1, generator=gen).squeeze(1).to(sim.device)  # (B,)
    return torch.where(none, torch.full_like(pick, -1), pick)


class MatchHead(nn.Module):
    """A learned query token, read through the fusion, then ``Linear(C, 2)``."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.zeros(width))
        self.classify = nn.Linear(width, 2)

    def logits(self, fusion: Fusion, text: TextOutput, image: VisionOutput) -> Tensor:
        """``(B, 2)`` not-matched / matched logits."""
        B = text.tokens.shape[0]
        token = self.query.expand(B, 1, -1)  # (B, 1, C)
        return self.classify(fusion(token, text, image).state)  # (B, 2)

    def forward(self, fusion: Fusion, text: TextOutput, image: VisionOutput,
                negative: Tensor) -> Tensor:
        """Cross-entropy over every view with its own text (label 1) and every view that
        has a negative with that text (label 0); ``negative`` from :func:`hard_negatives`."""
        has = negative >= 0  # (B,)
        neg = negative[has]  # (B',)
        texts = TextOutput(torch.cat([text.tokens, text.tokens[neg]]),
                           torch.cat([text.padding, text.padding[neg]]), [])  # (B+B', L, C)
        images = VisionOutput(torch.cat([image.tokens, image.tokens[has]]), image.n_ego, [])
        labels = torch.cat([torch.ones(len(has)), torch.zeros(len(neg))]).long()
        return F.cross_entropy(self.logits(fusion, texts, images).float(),
                               labels.to(texts.tokens.device))
