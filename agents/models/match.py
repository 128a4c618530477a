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

With ``config.match_room`` a fourth term of the same form compares the room type the words
name with the room types of the floors around each cell (:func:`room_context`,
:func:`room_match`): no cell label shows the room an object lies in.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
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


def room_context(base_logits: Tensor, view: int, floors: slice) -> Tensor:
    """``(N, P, R)`` which type of room each view cell lies in, as the floors around it
    show: with ``f_j(k)`` the cell head's probability that view cell ``j`` is floor of
    room type ``k`` (``floors``: those base labels), cell ``i`` of the ``V x V`` view gets

        ``rho_i(k) = (sum_{j in N(i)} f_j(k) + eps / R) / (sum_{j in N(i)} sum_k f_j(k) + eps)``

    over its ``3 x 3`` neighbourhood ``N(i)`` in the view (``eps = 1e-3``): an object on a
    bed reads the bedroom off the floor beside the bed, and a cell with no floor around it
    (or unseen ones) gets the flat ``1 / R``.

    Args:
        base_logits: ``(N, P, B)`` the cell head's base logits, ``P = V * V``.
        view: ``V``.
        floors: the ``R`` base labels that are floors.
    """
    eps = 1e-3
    N, P, _ = base_logits.shape
    floor = base_logits.float().softmax(-1)[..., floors]  # (N, P, R)
    R = floor.shape[-1]
    grid = floor.transpose(1, 2).reshape(N, R, view, view)  # (N, R, V, V)
    around = F.avg_pool2d(grid, 3, stride=1, padding=1, divisor_override=1)  # (N, R, V, V)
    around = around.reshape(N, R, P).transpose(1, 2)  # (N, P, R)
    return (around + eps / R) / (around.sum(-1, keepdim=True) + eps)  # (N, P, R)


def room_match(text_logits: Tensor, rooms: Tensor) -> Tensor:
    """``(N, P)`` the room term of the match: ``log(R * sum_k p(k) rho_i(k))`` for the
    words' ``(N, R)`` room-type logits (``p`` their softmax) and the cells' ``(N, P, R)``
    :func:`room_context` ``rho``; 0 where the words name no room (flat ``p``) or the view
    shows no floor around the cell, ``log R`` where a named room's floor surrounds it."""
    R = rooms.shape[-1]
    joint = text_logits.float().log_softmax(-1)[:, None, :] + rooms.clamp_min(1e-12).log()
    return joint.logsumexp(-1) + math.log(R)  # (N, P)


class AttributeReader(nn.Module):
    """The goal match's text head with ``config.match_reader = "attend"``: per label kind
    ``a`` a learnt query attends over the encoded instruction tokens and a linear map of
    what it pooled gives that kind's logits,

        ``alpha_a = softmax_j(q_a · LN(h_j) / sqrt(C))`` (padding masked),
        ``l_a = W_a sum_j alpha_a(j) h_j + b_a``,

    so a colour word can be read off its own token instead of through the one ``<cls>``
    summary. Measured (docs/training.md, "Round seven"): trained against the target's labels
    (``optim.match_weight``) it names 60% of the colours ``val_unseen`` instructions say,
    the summary's linear head 13%; trained by the goal loss alone neither reads colour
    (7%, 20%), though both name the object's kind (97%).

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


class TokenReader(nn.Module):
    """The goal match's text head with ``config.match_reader = "tokens"``: every instruction
    token gets its own label logits and each class keeps its strongest token (a multiple-
    instance "bag of words" classifier, e.g. the max-pooled word scores of Kim, 2014,
    "Convolutional Neural Networks for Sentence Classification"),

        ``l_a(k) = logsumexp_j (W_a LN(h_j) + b_a)_k`` over the non-padding tokens ``j``,

    so a colour word raises its colour wherever it stands, and its gradient reaches that
    token's own logits directly (no query has to learn to find it first, as in
    :class:`AttributeReader`).

    Args:
        n_embd: ``C``.
        classes: ``K_a`` of each label kind.
        bias: biases in the linear map.
    """

    def __init__(self, n_embd: int, classes: tuple[int, ...], bias: bool = True) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, sum(classes), bias=bias)

    def forward(self, tokens: Tensor, padding: Tensor) -> Tensor:
        """``(N, sum(classes))`` logits of ``(N, L, C)`` encoded tokens with ``(N, L)``
        padding (True: ignored)."""
        logits = self.head(self.norm(tokens)).float()  # (N, L, K)
        logits = logits.masked_fill(padding[..., None], float("-inf"))  # (N, L, K)
        return logits.logsumexp(dim=1)  # (N, K)
