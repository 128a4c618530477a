"""Embedding indices of cell offsets and distances that stay distinct far away.

The policy embeds offsets in the agent's frame (the way home, the remembered goal's
offset) and path lengths (to the remembered goal, to the nearest frontier) with one
learnt vector per value. Up to ``limit`` cells (``config.gps.range`` for an offset) every
value has its own vector. Beyond it, by default, every value reads as ``limit`` (clipped):
a cell 20 cells away and one 40 cells away look the same. With ``config.far``
the values beyond ``limit`` fall in log-spaced buckets, ``FAR_STEPS`` per doubling:

    bucket(d) = d                                                  for d <= limit
    bucket(d) = min(limit + ceil(FAR_STEPS * log2(d / limit)), limit + extra)   beyond

with ``extra = far_buckets(limit, reach) = ceil(FAR_STEPS * log2(reach / limit))`` (the
bucket of ``reach``), and a signed offset ``x`` reads ``sign(x) * bucket(|x|)``. With
``limit = 16`` and ``FAR_STEPS = 4``, 17 -> 17, 20 -> 18, 32 -> 20, 40 -> 22, 64 -> 24,
128 -> 28, 256 -> 32: every bucket spans about 19% of its distance, so near cells keep
their exact offset (where a step decides success), far ones keep their direction and
their order of magnitude, and the table grows with ``log(reach)``, not with ``reach``
(``2 (limit + extra) + 1`` vectors for an offset). Relative precision is what a far
target needs (head that way), as in T5's log-spaced relative position buckets (Raffel et
al., 2020, "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
Transformer").
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

#: Buckets per doubling of the distance beyond ``limit``.
FAR_STEPS = 4


def far_buckets(limit: int, reach: int) -> int:
    """``extra``: the buckets beyond ``limit`` needed to tell distances apart up to
    ``reach``, ``ceil(FAR_STEPS * log2(reach / limit))`` (0 when ``reach <= limit``:
    clipped)."""
    if reach <= limit:
        return 0
    return math.ceil(FAR_STEPS * math.log2(reach / limit) - 1e-9)


def distance_index(d: Tensor, limit: int, extra: int) -> Tensor:
    """``(...)`` int64 index in ``[0, limit + extra]`` of ``(...)`` distances ``d >= 0``:
    ``min(d, limit)`` when ``extra = 0``, else the module docstring's ``bucket(d)``."""
    d = d.long()
    if extra == 0:
        return d.clamp(max=limit)
    ratio = d.clamp(min=1).double() / limit  # (...)
    far = (limit + torch.ceil(FAR_STEPS * torch.log2(ratio) - 1e-9)).long()  # (...)
    return torch.where(d <= limit, d, far.clamp(max=limit + extra))


def offset_index(x: Tensor, limit: int, extra: int) -> Tensor:
    """``(...)`` int64 index in ``[0, 2 (limit + extra)]`` of ``(...)`` signed offsets:
    ``sign(x) * bucket(|x|)`` shifted by ``limit + extra`` (``clip(x, ±limit) + limit``
    when ``extra = 0``)."""
    x = x.long()
    if extra == 0:
        return x.clamp(-limit, limit) + limit
    return torch.sign(x) * distance_index(x.abs(), limit, extra) + limit + extra
