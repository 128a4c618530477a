"""Turning on the ``far`` part in a policy trained without it: its offset and distance
tables widened so that the widened policy starts out computing what the source did.

Without ``far`` an offset ``x`` reads row ``clip(x, ±L) + L`` of a ``2 L + 1``-row table,
a distance ``d`` row ``min(d, L)`` of an ``L + 1``-row one (the explore map's distance
tables hold one more row, "no path", last). With ``far`` the rows beyond ``L`` are the
log-spaced buckets of :mod:`agents.models.far_offsets` (``extra`` of them per side).
Every value in a far bucket lies beyond ``L``, where the source read the clipped row, so

    new_offset[j]   = old_offset[clip(j - (L + extra), -L, L) + L]      j in [0, 2 (L + extra)]
    new_distance[j] = old_distance[min(j, L)]                          j in [0, L + extra]
    new_explore[L + extra + 1] = old_explore[L + 1]                     (no path)

gives every value the vector it had, and training from there learns what the far buckets
tell apart (function-preserving widening as in Net2Net; Chen et al., 2016, "Net2Net:
Accelerating Learning via Knowledge Transfer"). The whole policy computes what its source
did wherever the ``far`` part reads the same values: with ``far.grow`` off and no goal
memory distance (``memory.distance``), in a house within ``gps.range`` of the start. Two
reads differ by definition, not by table: the goal memory's distance is ``|f| + |r|`` of
the true offsets with ``far`` but of the offsets clipped to ``±L`` without it, and grown
maps plan over cells a fixed map drops.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from agents.models.config import ModelConfig
from agents.models.errors import ModelError

#: The tables that ``far`` widens: key -> (kind, limit as a multiple of ``gps.range``).
#: ``offset``: signed offsets; ``distance``: distances; ``explore``: distances and a last
#: "no path" row.
FAR_TABLES: dict[str, tuple[str, int]] = {
    "memory.f_emb.weight": ("offset", 1),
    "memory.r_emb.weight": ("offset", 1),
    "vision.home_emb.0.weight": ("offset", 1),
    "vision.home_emb.1.weight": ("offset", 1),
    "memory.d_emb.weight": ("distance", 2),
    "explore.d_emb.weight": ("explore", 2),
    "explore.goal_d_emb.weight": ("explore", 2),
    "explore.home_d_emb.weight": ("explore", 2),
}


def widened_rows(kind: str, limit: int, extra: int) -> Tensor:
    """``(rows,)`` int64: for each row of the widened table, the source row it copies
    (the module docstring's formulas; ``rows`` = ``2 (limit + extra) + 1`` for an offset,
    ``limit + extra + 1`` for a distance, one more for ``explore``)."""
    if kind == "offset":
        j = torch.arange(2 * (limit + extra) + 1)  # (rows,)
        return (j - (limit + extra)).clamp(-limit, limit) + limit
    rows = torch.arange(limit + extra + 1).clamp(max=limit)  # (limit + extra + 1,)
    if kind == "explore":
        return torch.cat([rows, torch.tensor([limit + 1])])
    if kind != "distance":
        raise ValueError(f"unknown table kind {kind!r}; expected offset, distance or explore")
    return rows


def _rows(kind: str, limit: int, extra: int) -> int:
    """Rows of a ``kind`` table: those :func:`widened_rows` gives it."""
    return len(widened_rows(kind, limit, extra))


def widen_far_tables(state: Mapping[str, Tensor],
                     config: ModelConfig) -> tuple[dict[str, Tensor], tuple[str, ...]]:
    """``state`` (a policy's weights, trained without ``far``) with each table of
    :data:`FAR_TABLES` that has the no-``far`` shape widened to ``config``'s far buckets
    (``config.far_buckets``); returns the new state and the widened keys (none when
    ``config`` has no ``far`` or the tables are already wide).

    Raises:
        ModelError: a table of neither the no-``far`` nor ``config``'s widened shape.
    """
    extra = config.far_buckets
    out = dict(state)
    if config.gps is None or extra == 0:
        return out, ()
    widened = []
    for key, (kind, times) in FAR_TABLES.items():
        if key not in state:
            continue
        limit = times * config.radius
        table = state[key]  # (rows, C)
        if table.shape[0] == _rows(kind, limit, extra):
            continue
        if table.shape[0] != _rows(kind, limit, 0):
            raise ModelError(f"{key}: {table.shape[0]} rows; expected {_rows(kind, limit, 0)} "
                             f"(gps.range {config.radius}, no far) or "
                             f"{_rows(kind, limit, extra)} (far.reach {config.far.reach})")
        out[key] = table[widened_rows(kind, limit, extra)]  # (rows', C) a copy
        widened.append(key)
    return out, tuple(widened)
