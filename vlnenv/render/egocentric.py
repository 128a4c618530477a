"""The egocentric view: the ``V x V`` cells in front of the agent, occluded, as codes or RGB.
Twin of :mod:`vlnenv.vector.egocentric`, which draws the same pixels for many episodes at
once (``tests/vlnenv/vector/test_twins.py`` checks they are equal).

The hot path is two functions the environment calls every step:

1. :func:`egocentric_codes` gathers the window from *padded* code and opacity grids (padded
   once per episode by :func:`pad_grids`, so no bounds checks are needed), and sets cells
   the agent cannot see to 0 (void), with visibility exactly as
   :func:`vlnenv.render.view_geometry.visible_mask` computes it;
2. :func:`render_codes` turns the view codes into pixels with one atlas look-up and draws
   the agent at the bottom centre, facing up.

Tile contents are never rotated; only cell positions follow the heading. When a door is
toggled or an object moves, update the padded grids in place (``codes_padded[r + pad,
c + pad]`` via :func:`~vlnenv.render.codes.update_cell` on the interior view
``codes_padded[pad:-pad, pad:-pad]``, and ``opaque_padded[r + pad, c + pad]``).
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from vlnenv.render.codes import N_CODES, Objects, cell_codes
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.render.view_geometry import view_offsets, visible_mask
from vlnenv.world.house import CELL_DOOR_CLOSED, CELL_WALL, House, Pos


def opaque_mask(structure: np.ndarray) -> np.ndarray:
    """Cells that hide what lies behind them: walls and closed doors. ``(H, W)`` bool."""
    return (structure == CELL_WALL) | (structure == CELL_DOOR_CLOSED)


def pad_grids(codes: np.ndarray, opaque: np.ndarray, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Surround the code grid with void (0) and the opacity grid with opaque cells.

    Args:
        codes: ``(H, W)`` cell codes.
        opaque: ``(H, W)`` bool opacity.
        pad: cells added on every side (the view size is always enough).

    Returns:
        ``(H + 2 pad, W + 2 pad)`` int32 codes and bool opacity, both C-contiguous.
    """
    h, w = np.shape(codes)
    inner = np.s_[pad:pad + h, pad:pad + w]
    codes_p = np.zeros((h + 2 * pad, w + 2 * pad), np.int32)  # np.pad: ~10x the time
    codes_p[inner] = codes
    opaque_p = np.ones((h + 2 * pad, w + 2 * pad), bool)
    opaque_p[inner] = opaque
    return codes_p, opaque_p


@lru_cache(maxsize=256)
def _window(heading: int, view: int, width: int) -> tuple[np.ndarray, int]:
    """Offsets of the view cells in a row-major grid ``width`` cells wide, shifted to start
    at 0, and the shift: cell ``(i, j)`` lies at ``agent + shift + offsets[i, j]``."""
    d_row, d_col = view_offsets(heading % 4, view)  # (V, V) each
    flat = (d_row * width + d_col).astype(np.intp)  # (V, V)
    shift = int(flat.min())
    offsets = flat - shift
    offsets.flags.writeable = False
    return offsets, shift


def egocentric_codes(
    codes_padded: np.ndarray,
    pad: int,
    pos: Pos,
    heading: int,
    view: int,
    opaque_padded: np.ndarray,
) -> np.ndarray:
    """The codes of the ``V x V`` view, with cells the agent cannot see set to 0 (void).

    Args:
        codes_padded: ``(H + 2 pad, W + 2 pad)`` int32 codes from :func:`pad_grids`.
        pad: the padding used (at least ``view``).
        pos: agent ``(row, col)`` in unpadded coordinates.
        heading: 0 east, 1 south, 2 west, 3 north.
        view: view size ``V`` (odd).
        opaque_padded: ``(H + 2 pad, W + 2 pad)`` bool opacity from :func:`pad_grids`.

    Returns:
        ``(V, V)`` int32; the agent is at ``(V - 1, V // 2)`` facing up (row 0).
    """
    width = codes_padded.shape[1]
    offsets, shift = _window(heading, view, width)
    start = (pos[0] + pad) * width + pos[1] + pad + shift
    opaque = opaque_padded.ravel()[start:][offsets]  # (V, V)
    codes = codes_padded.ravel()[start:][offsets]  # (V, V)
    return codes * visible_mask(opaque)


@cache
def _agent_marker(view: int) -> np.ndarray:
    """``(V, V)`` int32: ``N_CODES`` at the agent's cell, 0 elsewhere."""
    marker = np.zeros((view, view), np.int32)
    marker[view - 1, view // 2] = N_CODES
    marker.flags.writeable = False
    return marker


def render_codes(view_codes: np.ndarray, atlas: np.ndarray) -> np.ndarray:
    """Pixels of a view: one atlas tile per cell, the agent at the bottom centre facing up.

    Args:
        view_codes: ``(V, V)`` codes from :func:`egocentric_codes`.
        atlas: ``(2 * N_CODES, t, t, 3)`` uint8 from :func:`vlnenv.render.tile_atlas.view_atlas`
            (plain tiles, then the same tiles with the agent on them).

    Returns:
        ``(V * t, V * t, 3)`` uint8.
    """
    view = view_codes.shape[0]
    tile = atlas.shape[1]
    cells = atlas.take(view_codes + _agent_marker(view), axis=0)  # (V, V, t, t, 3)
    return cells.transpose(0, 2, 1, 3, 4).reshape(view * tile, view * tile, 3)


def egocentric_view(
    house: House,
    pos: Pos,
    heading: int,
    view: int = 7,
    tile: int = 8,
    structure: np.ndarray | None = None,
    objects: Objects | None = None,
) -> np.ndarray:
    """The RGB view of an agent at ``pos`` facing ``heading`` (one-off; pads every call).

    Args:
        house: the house.
        pos: agent ``(row, col)``.
        heading: 0 east, 1 south, 2 west, 3 north.
        view: view size in cells (odd).
        tile: pixels per cell.
        structure: structure with doors as they are now (default: the house's).
        objects: where objects lie now (default: the house's objects).

    Returns:
        ``(view * tile, view * tile, 3)`` uint8.
    """
    s = house.structure if structure is None else structure
    codes_p, opaque_p = pad_grids(cell_codes(house, s, objects), opaque_mask(s), view)
    view_codes = egocentric_codes(codes_p, view, pos, heading, view, opaque_p)
    return render_codes(view_codes, view_atlas(tile))
