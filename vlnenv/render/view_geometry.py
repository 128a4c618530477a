"""Egocentric view geometry and visibility, shared by the renderer, the environment and
the explorer (so that "what the agent has seen" means the same thing everywhere).

The view is a ``V x V`` window of cells in front of the agent: the agent sits at the
bottom centre ``(V - 1, V // 2)`` facing up. View cell ``(i, j)`` lies ``f = V - 1 - i``
cells ahead and ``l = j - V // 2`` cells to the right of the agent:

    cell = agent + f * forward(heading) + l * forward(heading + 1)

Visibility follows Minigrid's ``Grid.process_vis`` exactly: starting from the agent, rows
are swept bottom to top; in each row a visible, see-through cell makes its neighbour in the
sweep direction, and the cells above both, visible; the sweep runs left to right, then
right to left. Walls and closed doors are opaque (they are seen, but hide what lies
behind). Since a row's outcome depends only on the visibility entering it from below and
its own opacity, both results are tabulated once per view size (``2 ** (2 V)`` entries)
and a whole view costs ``V`` table look-ups.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from vlnenv.world.house import DIRECTIONS, Pos

#: Largest view size whose row tables are built (2 ** 18 entries at V = 9).
MAX_TABLE_VIEW = 9


@cache
def view_offsets(heading: int, view: int) -> tuple[np.ndarray, np.ndarray]:
    """World (d_row, d_col) offsets of each view cell from the agent, each ``(V, V)``."""
    fr, fc = DIRECTIONS[heading % 4]
    rr, rc = DIRECTIONS[(heading + 1) % 4]
    i, j = np.meshgrid(np.arange(view), np.arange(view), indexing="ij")
    f = view - 1 - i
    lat = j - view // 2
    d_row = f * fr + lat * rr
    d_col = f * fc + lat * rc
    d_row.flags.writeable = False
    d_col.flags.writeable = False
    return d_row, d_col


def view_cells(pos: Pos, heading: int, view: int) -> tuple[np.ndarray, np.ndarray]:
    """World rows and cols of every view cell for an agent at ``pos`` facing ``heading``."""
    d_row, d_col = view_offsets(heading, view)
    return pos[0] + d_row, pos[1] + d_col


def _sweep_row(mask_in: int, opaque: int, view: int) -> tuple[int, int]:
    """One row of Minigrid's ``process_vis``: returns (row mask, mask passed to the row above)
    as bit sets (bit ``j`` is column ``j``)."""
    row, up = mask_in, 0
    for j in range(view - 1):
        if row >> j & 1 and not opaque >> j & 1:
            row |= 1 << (j + 1)
            up |= (1 << (j + 1)) | (1 << j)
    for j in range(view - 1, 0, -1):
        if row >> j & 1 and not opaque >> j & 1:
            row |= 1 << (j - 1)
            up |= (1 << (j - 1)) | (1 << j)
    return row, up


@cache
def row_tables(view: int) -> tuple[np.ndarray, np.ndarray]:
    """Tables ``row[key]`` and ``up[key]`` for ``key = mask_in | opaque << V``."""
    if view > MAX_TABLE_VIEW:
        raise ValueError(f"view size {view} exceeds the tabulated maximum {MAX_TABLE_VIEW}")
    n = 1 << (2 * view)
    row = np.empty(n, dtype=np.int32)
    up = np.empty(n, dtype=np.int32)
    full = (1 << view) - 1
    for key in range(n):
        row[key], up[key] = _sweep_row(key & full, key >> view, view)
    row.flags.writeable = False
    up.flags.writeable = False
    return row, up


def visible_mask(opaque: np.ndarray) -> np.ndarray:
    """Visibility of a ``(V, V)`` view given which view cells are opaque.

    Args:
        opaque: ``(V, V)`` bool, True for walls, closed doors and cells outside the house.

    Returns:
        ``(V, V)`` bool, True where the agent sees the cell.
    """
    view = opaque.shape[0]
    if view > MAX_TABLE_VIEW:
        return visible_masks(opaque[None])[0]
    row_l, up_l, to_key, slices, rows = _sweep(view)
    raw = np.asarray(opaque, bool).tobytes()
    seen = [0] * view
    mask = 1 << (view // 2)  # the agent's own cell
    for i, part in slices:
        key = mask | to_key[raw[part]]
        seen[i] = row_l[key]
        mask = up_l[key]
    return rows.take(seen, axis=0)  # (V, V) bool


@cache
def _sweep(view: int) -> tuple[list[int], list[int], dict[bytes, int], list, np.ndarray]:
    """What a single view's sweep needs: the row tables as lists, a row's opacity bytes ->
    its bit set shifted into the key, the rows' byte slices bottom to top, and bit set ->
    ``(V,)`` bool row."""
    row_t, up_t = row_tables(view)
    rows = (np.arange(1 << view)[:, None] >> np.arange(view)) & 1 == 1  # (2^V, V)
    to_key = {row.tobytes(): key << view for key, row in enumerate(rows)}
    slices = [(i, slice(i * view, (i + 1) * view)) for i in range(view - 1, -1, -1)]
    rows.flags.writeable = False
    return row_t.tolist(), up_t.tolist(), to_key, slices, rows


def visible_masks(opaque: np.ndarray) -> np.ndarray:
    """Batched :func:`visible_mask`: ``(N, V, V)`` bool -> ``(N, V, V)`` bool."""
    n, view, _ = opaque.shape
    weights = (1 << np.arange(view, dtype=np.int64))
    rows_opaque = opaque.astype(np.int64) @ weights  # (N, V) bit sets
    out = np.zeros((n, view), dtype=np.int64)
    mask = np.full(n, 1 << (view // 2), dtype=np.int64)  # the agent's own cell
    if view <= MAX_TABLE_VIEW:
        row_t, up_t = row_tables(view)
        for i in range(view - 1, -1, -1):
            key = mask | (rows_opaque[:, i] << view)
            out[:, i] = row_t[key]
            mask = up_t[key].astype(np.int64)
    else:
        for b in range(n):
            m = int(mask[b])
            for i in range(view - 1, -1, -1):
                out[b, i], m = _sweep_row(m, int(rows_opaque[b, i]), view)
    return (out[:, :, None] >> np.arange(view)) & 1 == 1
