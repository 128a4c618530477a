"""The layout of the memory maps: ``(B, M*M)`` row-major grids, ``M = 2 R + 1`` cells a
side, the start cell at ``(R, R)``, and how they grow.

A fixed map (the default) has ``R = config.gps.range`` for good: places farther from the
start are not stored. A growing map (``config.far.grow``) starts the same and, before a
step (or a chunk of ``T`` steps) writes farther, is re-embedded, centre kept, into the
smallest grid of radius ``R' = R + k * GROW_BLOCK`` (``k >= 0``) that holds every place
written so far and the agent's own cell (:func:`grown_radius`, :func:`embed_maps`). Every
read of the maps (the goal memory's best cell, the explore memory's frontier plan) is the
same on any grid that holds what was written, so a map may be larger than needed: the
rows of a batch share one ``M``, and a map never shrinks (an episode's start empties it
but keeps its size).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from agents.models.errors import ModelError

#: Cells a growing map's radius grows by at a time (so it is re-embedded rarely: once per
#: ``GROW_BLOCK`` cells of new extent, not at every step).
GROW_BLOCK = 8


def map_radius(size: int) -> int:
    """``R`` of a map of ``size = (2 R + 1)^2`` cells.

    Raises:
        ModelError: ``size`` is not the square of an odd number.
    """
    side = math.isqrt(size)
    if side * side != size or side % 2 == 0:
        raise ModelError(f"a memory map of {size} cells is not (2 R + 1)^2 cells")
    return (side - 1) // 2


def agent_place(gps: Tensor, radius: int) -> tuple[Tensor, Tensor]:
    """``(...)`` the agent's cell's place in row-major maps of radius ``radius`` around the
    start, ``(gps_0 + R) M + gps_1 + R`` (``M = 2 R + 1``; 0 where it lies outside), and
    ``(...)`` bool whether it lies inside, for ``(..., 2)`` ``gps`` (cell minus start)."""
    M = 2 * radius + 1
    cell = gps.long() + radius  # (..., 2)
    inside = ((cell >= 0) & (cell < M)).all(dim=-1)  # (...)
    return torch.where(inside, cell[..., 0] * M + cell[..., 1], 0), inside  # (...), (...)


def embed_maps(maps: Tensor, radius: int) -> Tensor:
    """``(B, M'*M')`` the ``(B, M*M)`` maps re-embedded, centre kept, in the grid of radius
    ``radius`` (``M' = 2 * radius + 1 >= M``); new cells hold 0 (never written). The same
    tensor when the size is already ``M'``.

    Raises:
        ModelError: ``radius`` is smaller than the maps' own.
    """
    own = map_radius(maps.shape[-1])
    if radius == own:
        return maps
    if radius < own:
        raise ModelError(f"a memory map of radius {own} cannot shrink to radius {radius}")
    B, M, pad = maps.shape[0], 2 * own + 1, radius - own
    grid = F.pad(maps.view(B, M, M), (pad, pad, pad, pad))  # (B, M', M')
    return grid.reshape(B, -1)  # (B, M'*M')


def grown_radius(current: int, base: int, places: Tensor, seen: Tensor, gps: Tensor) -> int:
    """The smallest radius ``R' = base + k * GROW_BLOCK >= current`` whose grid holds every
    seen place and the agent's cell.

    Args:
        current: the maps' radius now.
        base: ``R``, the radius a map starts with (``config.gps.range``).
        places: ``(..., P, 2)`` world offsets from the start of the view cells.
        seen: ``(..., P)`` bool, the cells that are written.
        gps: ``(..., 2)`` the agent's cells minus the start cells.
    """
    reach = (places.abs().amax(dim=-1) * seen).amax() if places.numel() else places.new_zeros(())
    need = int(max(int(reach), int(gps.abs().amax()) if gps.numel() else 0))
    blocks = max(0, -(-(need - base) // GROW_BLOCK))  # ceil((need - base) / block), >= 0
    return max(current, base + blocks * GROW_BLOCK)
