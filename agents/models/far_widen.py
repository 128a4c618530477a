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

``far.exact`` moves the way home's first bucket out from ``L`` to ``exact`` (``L' =
exact``, ``extra'`` buckets from there). A source with the clipped or the ``far`` way-home
tables regrids to it the same way: each new row copies the source row of the smallest
value it holds (:func:`regrid_rows`), so every value up to ``exact`` reads the vector it
read before (17, 18 and 19 all the source's bucket 17), and values beyond read their
bucket's first value's.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.far_offsets import distance_index, offset_index

#: The way-home tables, whose limit is ``config.home_limit`` (``far.exact``) where the
#: other tables' is a multiple of ``gps.range``.
HOME_TABLES = ("vision.home_emb.0.weight", "vision.home_emb.1.weight")

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


def first_values(limit: int, extra: int) -> Tensor:
    """``(limit + extra + 1,)`` int64: the smallest distance ``d`` whose index
    (:func:`agents.models.far_offsets.distance_index`) is at least ``j``, for each index
    ``j`` (``j`` itself up to ``limit``; a bucket no whole distance falls in, as happens for
    ``limit`` below 6, takes the next one's)."""
    top = int(limit * 2 ** ((extra + 1) / 4)) + 2  # past the last bucket's first value
    d = torch.arange(top + 1)  # (D,)
    index = distance_index(d, limit, extra)  # (D,) non-decreasing
    return torch.searchsorted(index, torch.arange(limit + extra + 1))  # (limit + extra + 1,)


def regrid_rows(kind: str, source: tuple[int, int], target: tuple[int, int]) -> Tensor:
    """``(rows,)`` int64: for each row of a ``kind`` table laid out for ``target`` =
    ``(limit, extra)``, the row of a table laid out for ``source`` that the row's smallest
    value reads (signed for an offset); ``explore`` keeps its "no path" row last. From
    ``source = (limit, 0)`` (no ``far``) these are the module docstring's formulas;
    ``rows`` = ``2 (limit + extra) + 1`` for an offset, ``limit + extra + 1`` for a
    distance, one more for ``explore``."""
    limit, extra = target
    first = first_values(limit, extra)  # (limit + extra + 1,)
    if kind == "offset":
        j = torch.arange(2 * (limit + extra) + 1) - (limit + extra)  # (rows,) signed
        return offset_index(torch.sign(j) * first[j.abs()], *source)
    if kind not in ("distance", "explore"):
        raise ValueError(f"unknown table kind {kind!r}; expected offset, distance or explore")
    rows = distance_index(first, *source)  # (limit + extra + 1,)
    if kind == "explore":
        return torch.cat([rows, torch.tensor([sum(source) + 1])])
    return rows


def _rows(kind: str, limit: int, extra: int) -> int:
    """Rows of a ``kind`` table laid out for ``(limit, extra)``."""
    return 2 * (limit + extra) + 1 if kind == "offset" else limit + extra + 1 + (
        kind == "explore")


def widen_far_tables(state: Mapping[str, Tensor],
                     config: ModelConfig) -> tuple[dict[str, Tensor], tuple[str, ...]]:
    """``state`` (a policy's weights, trained without ``far`` or without ``far.exact``) with
    each table of :data:`FAR_TABLES` laid out for ``config`` (``config.far_buckets``; the
    way home's for ``config.home_limit`` and ``config.home_buckets``): a table of the
    no-``far`` shape, or a way-home table of the ``far`` shape without ``exact``, is
    regridded (:func:`regrid_rows`); returns the new state and the regridded keys (none
    when ``config`` has no ``far`` or the tables are laid out for it already).

    Raises:
        ModelError: a table of none of those shapes.
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
        target = ((config.home_limit, config.home_buckets) if key in HOME_TABLES
                  else (limit, extra))
        sources = {_rows(kind, limit, 0): ((limit, 0), "no far")}
        if key in HOME_TABLES:
            sources[_rows(kind, limit, extra)] = ((limit, extra), "far without exact")
        table = state[key]  # (rows, C)
        rows = table.shape[0]
        if rows == _rows(kind, *target):
            continue
        if rows not in sources:
            laid = " or ".join(f"{n} ({what})" for n, (_, what) in sources.items())
            raise ModelError(f"{key}: {rows} rows; expected {_rows(kind, *target)} (gps.range "
                             f"{config.radius}, far.reach {config.far.reach}, far.exact "
                             f"{config.far.exact}) or, to widen, {laid}")
        out[key] = table[regrid_rows(kind, sources[rows][0], target)]  # (rows', C) a copy
        widened.append(key)
    return out, tuple(widened)
