"""``attribute_match``: how well what a view cell shows matches what the instruction names,
as a log-likelihood ratio against chance, for the goal scores of a model with
``config.goal_match``.

The instruction side gives a distribution ``p_a`` over each label kind ``a`` (base, object
kind, colour: :data:`agents.models.tiles.CELL_CLASSES`), the cell head a distribution
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
from torch import Tensor


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
