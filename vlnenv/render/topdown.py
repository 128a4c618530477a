"""The full top-down map: every cell's tile, with the agent, a walked path and highlights."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from vlnenv.render.codes import N_OBJ, Objects, cell_codes
from vlnenv.render.tile_atlas import agent_tile, check_tile, compose, over
from vlnenv.world.house import House, Pos

#: Colour of the walked path (a polyline through cell centres).
PATH_RGB = (230, 0, 200)
#: Tint of highlighted cells (e.g. the reference path) and its opacity.
HIGHLIGHT_RGB = (0, 190, 255)
HIGHLIGHT_ALPHA = 0.45


def topdown_from_codes(codes: np.ndarray, tile: int) -> np.ndarray:
    """Tile every cell of a code grid.

    Args:
        codes: ``(H, W)`` cell codes (see :mod:`vlnenv.render.codes`).
        tile: tile size in pixels (1..64).

    Returns:
        ``(H * tile, W * tile, 3)`` uint8.
    """
    check_tile(tile)
    tiles = compose(codes // N_OBJ, codes % N_OBJ, tile)  # (H, W, t, t, 3)
    return _unfold(tiles)


def _unfold(tiles: np.ndarray) -> np.ndarray:
    h, w, t = tiles.shape[:3]
    return np.ascontiguousarray(tiles.transpose(0, 2, 1, 3, 4)).reshape(h * t, w * t, 3)


def _disc(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets ``(dy, dx)`` of a disc of ``radius`` pixels, each ``(K,)``."""
    dy, dx = np.mgrid[-radius:radius + 1, -radius:radius + 1]  # (2r+1, 2r+1) each
    inside = dy * dy + dx * dx <= radius * radius + radius
    return dy[inside], dx[inside]


def _stamp(img: np.ndarray, points: np.ndarray, radius: int, rgb: tuple[int, int, int]) -> None:
    """Paint a disc of ``radius`` pixels at each ``(N, 2)`` pixel point (row, col)."""
    dy, dx = _disc(radius)
    ys = np.floor(points[:, 0]).astype(np.int64)[:, None] + dy  # (N, K)
    xs = np.floor(points[:, 1]).astype(np.int64)[:, None] + dx  # (N, K)
    ok = (ys >= 0) & (ys < img.shape[0]) & (xs >= 0) & (xs < img.shape[1])
    img[ys[ok], xs[ok]] = rgb


def draw_path(img: np.ndarray, cells: Sequence[Sequence[int]], tile: int,
              rgb: tuple[int, int, int] = PATH_RGB) -> None:
    """Draw a polyline through the centres of ``cells`` (row, col[, ...]) with a dot on each."""
    if len(cells) == 0:
        return
    centres = (np.asarray([tuple(c)[:2] for c in cells], np.float64) + 0.5) * tile  # (N, 2)
    samples = [centres[:1]]
    for a, b in zip(centres[:-1], centres[1:], strict=True):
        n = int(np.ceil(np.abs(b - a).max())) + 1
        samples.append(a + (b - a) * np.linspace(0.0, 1.0, n)[:, None])  # (n, 2)
    _stamp(img, np.concatenate(samples), tile // 16, rgb)
    _stamp(img, centres, tile // 8, rgb)


def render_topdown(
    house: House,
    tile: int = 16,
    structure: np.ndarray | None = None,
    objects: Objects | None = None,
    agent: tuple[int, int, int] | None = None,
    path: Sequence[Sequence[int]] | None = None,
    highlight: Iterable[Pos] | None = None,
    path_rgb: tuple[int, int, int] = PATH_RGB,
    highlight_rgb: tuple[int, int, int] = HIGHLIGHT_RGB,
) -> np.ndarray:
    """The whole house seen from above.

    Args:
        house: the house.
        tile: pixels per cell (1..64).
        structure: ``(H, W)`` structure with doors as they are now (default: the house's).
        objects: where objects lie now (default: the house's objects); see
            :func:`~vlnenv.render.codes.cell_codes`.
        agent: ``(row, col, heading)``, drawn as a red triangle pointing along the heading.
        path: cells ``(row, col)`` joined by a polyline through their centres.
        highlight: cells tinted with ``highlight_rgb`` (e.g. the reference path).
        path_rgb: colour of the path.
        highlight_rgb: tint of the highlighted cells.

    Returns:
        ``(H * tile, W * tile, 3)`` uint8.
    """
    check_tile(tile)
    codes = cell_codes(house, structure, objects)  # (H, W)
    tiles = compose(codes // N_OBJ, codes % N_OBJ, tile)  # (H, W, t, t, 3)
    if highlight is not None:
        cells = np.asarray([tuple(c)[:2] for c in highlight], np.int64).reshape(-1, 2)  # (K, 2)
        sel = tiles[cells[:, 0], cells[:, 1]].astype(np.float32)  # (K, t, t, 3)
        tint = np.asarray(highlight_rgb, np.float32) * HIGHLIGHT_ALPHA  # (3,)
        tinted = sel * (1.0 - HIGHLIGHT_ALPHA) + tint
        tiles[cells[:, 0], cells[:, 1]] = np.rint(tinted).astype(np.uint8)
    img = _unfold(tiles)  # (H * t, W * t, 3)
    if path is not None:
        draw_path(img, path, tile, path_rgb)
    if agent is not None:
        r, c, heading = (int(v) for v in agent)
        block = img[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]  # (t, t, 3) view
        block[...] = over(block, agent_tile(tile, heading % 4))
    return img
