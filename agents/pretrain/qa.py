"""View question answering (the VQA-style cross-modal Transformer): a learned query token
is read through the fusion over the question's and the view's tokens; a linear head over
the closed answer set (:data:`vlnenv.pretrain.questions.ANSWERS`) answers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.fusion import Fusion
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput
from vlnenv.pretrain.questions import ANSWERS


class QAHead(nn.Module):
    """The query token and the answer head."""

    def __init__(self, width: int, n_answers: int = len(ANSWERS)) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.zeros(width))
        self.answer = nn.Linear(width, n_answers)

    def logits(self, fusion: Fusion, question: TextOutput, image: VisionOutput) -> Tensor:
        """``(B, n_answers)`` answer logits."""
        token = self.query.expand(question.tokens.shape[0], 1, -1)  # (B, 1, C)
        return self.answer(fusion(token, question, image).state)  # (B, A)

    def forward(self, fusion: Fusion, question: TextOutput, image: VisionOutput,
                answers: Tensor) -> Tensor:
        """Cross-entropy of the ``(B,)`` answer ids."""
        return F.cross_entropy(self.logits(fusion, question, image).float(), answers)
