"""``attribute_match``: how well what a view cell shows matches what the instruction names,
as a log-likelihood ratio against chance, for the goal scores of a model with
``config.match``.

The instruction side gives a distribution ``p_a`` over each label kind ``a`` (base, object
kind, colour: :data:`agents.models.cell_labels.CELL_CLASSES`), the cell head a distribution
``q_{i,a}`` for view cell ``i``. The chance that the two agree on ``a`` is ``sum_k p_a(k)
q_{i,a}(k)``; against the ``1 / K_a`` of a flat ``p_a`` (the words say nothing about
``a``), cell ``i`` scores

    ``m_i = sum_a log(K_a * sum_k p_a(k) q_{i,a}(k))``,

0 for every cell when the words say nothing, up to ``log K_a`` per label kind where they
name what the cell shows, and far below 0 where they name something else. This is the
factorised form of grounding by attribute agreement (as in the attribute-based
grounding of referring expressions, e.g. Liu et al., 2017, "Referring Expression
Generation and Comprehension via Attributes").
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def attribute_match(text_logits: Tensor, cell_logits: Tensor,
                    classes: tuple[int, ...]) -> Tensor:
    """``(N, P)`` match scores ``m_i`` (module docstring).

    Args:
        text_logits: ``(N, sum(classes))`` the instruction's label logits, side by side.
        cell_logits: ``(N, P, sum(classes))`` each view cell's label logits, side by side.
        classes: ``K_a`` of each label kind.
    """
    total = cell_logits.new_zeros(cell_logits.shape[:-1], dtype=torch.float32)  # (N, P)
    texts = text_logits.float().split(list(classes), dim=-1)  # a x (N, K_a)
    cells = cell_logits.float().split(list(classes), dim=-1)  # a x (N, P, K_a)
    for k, t, c in zip(classes, texts, cells, strict=True):
        joint = t.log_softmax(-1)[:, None, :] + c.log_softmax(-1)  # (N, P, K_a)
        total = total + joint.logsumexp(-1) + math.log(k)  # (N, P)
    return total


class AttributeReader(nn.Module):
    """The goal match's text head with ``config.match.reader = "attend"``: per label kind
    ``a`` a learnt query attends over the encoded instruction tokens and a linear map of
    what it pooled gives that kind's logits,

        ``alpha_a = softmax_j(q_a · LN(h_j) / sqrt(C))`` (padding masked),
        ``l_a = W_a sum_j alpha_a(j) h_j + b_a``,

    so a colour word can be read off its own token instead of through the one ``<cls>``
    summary. Measured (docs/training.md, "Round seven"): trained by the goal loss alone it
    names 7% of the colours ``val_unseen`` instructions say (the summary's linear head
    20%), and the object's kind 97% (both). ``optim.words_weight`` asks it directly what
    the words name (:mod:`agents.train.data.word_targets`;
    docs/experiments/37-words-read-directly.md).

    Args:
        n_embd: ``C``.
        classes: ``K_a`` of each label kind.
        bias: biases in the linear maps.
    """

    def __init__(self, n_embd: int, classes: tuple[int, ...], bias: bool = True) -> None:
        super().__init__()
        self.query = nn.Embedding(len(classes), n_embd)  # (A, C) one query per label kind
        self.norm = nn.LayerNorm(n_embd)
        self.heads = nn.ModuleList(nn.Linear(n_embd, k, bias=bias) for k in classes)

    def forward(self, tokens: Tensor, padding: Tensor) -> Tensor:
        """``(N, sum(classes))`` logits of ``(N, L, C)`` encoded tokens with ``(N, L)``
        padding (True: ignored)."""
        keys = self.norm(tokens)  # (N, L, C)
        scores = torch.einsum("nlc,ac->nal", keys.float(), self.query.weight.float())
        scores = scores / math.sqrt(tokens.shape[-1])  # (N, A, L)
        scores = scores.masked_fill(padding[:, None, :], float("-inf"))
        pooled = scores.softmax(dim=-1).to(tokens.dtype) @ tokens  # (N, A, C)
        return torch.cat([head(pooled[:, a]) for a, head in enumerate(self.heads)], dim=-1)
