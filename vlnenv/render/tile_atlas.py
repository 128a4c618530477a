"""Tile images for every cell code, built once per tile size.

:func:`base_tiles` draws every base code (void, wall, doors, floors, furniture) and
:func:`object_layers` every object overlay (kind x colour, with a dark outline and an
alpha channel); :func:`atlas` composes the two into one tile per cell code so that the
egocentric renderer needs a single look-up per cell. The full atlas holds ``N_CODES``
tiles (about 2 MB at 8 px, 34 MB at 32 px); the top-down renderer composes from the two
smaller tables instead, so large tile sizes stay cheap. All returned arrays are cached and
read-only.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from vlnenv.render import base_art, object_art
from vlnenv.render import shapes as sh
from vlnenv.render.codes import (
    DOOR_CLOSED,
    DOOR_OPEN,
    FLOOR_BASE,
    FURNITURE_BASE,
    N_BASE,
    N_CODES,
    N_OBJ,
    WALL,
)
from vlnenv.world.colors import COLOR_RGB, Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

#: Largest tile size the renderers accept.
MAX_TILE = 64

AGENT_RGB = (255, 0, 0)


def check_tile(tile: int) -> None:
    """Raise ``ValueError`` unless ``1 <= tile <= MAX_TILE``."""
    if not 1 <= tile <= MAX_TILE:
        raise ValueError(f"tile size must be in 1..{MAX_TILE} pixels, got {tile}")


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _paint(c: sh.Canvas, layers: list[base_art.Layer]) -> np.ndarray:
    """Paint RGB layers in order onto black samples; returns ``(S, S, 3)`` float."""
    img = np.zeros((c.size, c.size, 3), np.float32)  # (S, S, 3)
    for mask, rgb in layers:
        img[mask] = rgb
    return img


def _base_drawing(c: sh.Canvas, base: int) -> list[base_art.Layer]:
    if base == WALL:
        return base_art.wall(c)
    if base == DOOR_CLOSED:
        return base_art.door_closed(c)
    if base == DOOR_OPEN:
        return base_art.door_open(c)
    if FLOOR_BASE <= base < FURNITURE_BASE:
        return base_art.floor(c, RoomType(base - FLOOR_BASE))
    if FURNITURE_BASE <= base < N_BASE:
        return base_art.furniture(c, Furniture(base - FURNITURE_BASE))
    return []  # void: black


@lru_cache(maxsize=8)
def base_tiles(tile: int) -> np.ndarray:
    """Tile of every base code.

    Returns:
        ``(N_BASE, tile, tile, 3)`` uint8, read-only.
    """
    check_tile(tile)
    c = sh.canvas(tile)
    samples = np.stack([_paint(c, _base_drawing(c, b)) for b in range(N_BASE)])  # (B, S, S, 3)
    return _readonly(np.rint(sh.downsample(samples)).astype(np.uint8))


def _object_samples(c: sh.Canvas, kind: ObjectKind) -> tuple[np.ndarray, np.ndarray]:
    """One kind in every colour at sample resolution: ``(C, S, S, 3)`` RGB, ``(S, S)`` alpha."""
    layers = object_art.OBJECT_ART[kind](c)
    body = np.zeros_like(c.x, dtype=bool)
    for mask, _ in layers:
        body |= mask
    alpha = sh.dilate(body, sh.outline_radius(c.tile))  # (S, S) with outline
    rgb = np.zeros((len(Color), c.size, c.size, 3), np.float32)  # (C, S, S, 3)
    rgb[:, alpha] = base_art.OUTLINE_RGB
    for color in Color:
        fill = COLOR_RGB[color]
        paints = {object_art.FILL: fill, object_art.DETAIL: object_art.detail_shade(fill)}
        for mask, paint in layers:
            rgb[color][mask] = paints[paint] if isinstance(paint, str) else paint
    return rgb, alpha


@lru_cache(maxsize=8)
def object_layers(tile: int) -> tuple[np.ndarray, np.ndarray]:
    """Every object overlay code as premultiplied colour and coverage.

    Returns:
        ``premult`` ``(N_OBJ, tile, tile, 3)`` float32 (colour times coverage) and ``alpha``
        ``(N_OBJ, tile, tile, 1)`` float32 in ``[0, 1]``; overlay 0 (no object) is empty.
        Composite as ``base * (1 - alpha) + premult``. Both read-only.
    """
    check_tile(tile)
    c = sh.canvas(tile)
    premult = np.zeros((N_OBJ, tile, tile, 3), np.float32)  # (N_OBJ, t, t, 3)
    alpha = np.zeros((N_OBJ, tile, tile, 1), np.float32)  # (N_OBJ, t, t, 1)
    for kind in ObjectKind:
        rgb, a = _object_samples(c, kind)  # (C, S, S, 3), (S, S)
        a3 = a[None, :, :, None].astype(np.float32)  # (1, S, S, 1)
        lo = 1 + int(kind) * len(Color)
        premult[lo:lo + len(Color)] = sh.downsample(rgb * a3)
        alpha[lo:lo + len(Color)] = sh.downsample(a3)
    return _readonly(premult), _readonly(alpha)


def compose(base: np.ndarray, obj: np.ndarray, tile: int) -> np.ndarray:
    """Tiles of cells given their base and object codes (arrays of any equal shape).

    Returns:
        ``(*shape, tile, tile, 3)`` uint8.
    """
    tiles = base_tiles(tile)[base]  # (..., t, t, 3)
    has = obj > 0
    if np.any(has):
        premult, alpha = object_layers(tile)
        o = obj[has]
        under = tiles[has].astype(np.float32)  # (K, t, t, 3)
        tiles[has] = np.rint(under * (1.0 - alpha[o]) + premult[o]).astype(np.uint8)
    return tiles


@lru_cache(maxsize=4)
def atlas(tile: int) -> np.ndarray:
    """One tile per cell code (index with ``codes``; see :mod:`vlnenv.render.codes`).

    Returns:
        ``(N_CODES, tile, tile, 3)`` uint8, read-only.
    """
    check_tile(tile)
    bases = base_tiles(tile).astype(np.float32)  # (N_BASE, t, t, 3)
    premult, alpha = object_layers(tile)  # (N_OBJ, t, t, 3), (N_OBJ, t, t, 1)
    out = np.empty((N_BASE, N_OBJ, tile, tile, 3), np.uint8)  # (N_BASE, N_OBJ, t, t, 3)
    for b in range(N_BASE):
        out[b] = np.rint(bases[b] * (1.0 - alpha) + premult)
    return _readonly(out.reshape(N_CODES, tile, tile, 3))


@lru_cache(maxsize=4)
def view_atlas(tile: int) -> np.ndarray:
    """The atlas for egocentric views: every code's tile, then every code's tile with the
    agent drawn over it facing up (index ``N_CODES + code``).

    Returns:
        ``(2 * N_CODES, tile, tile, 3)`` uint8, read-only.
    """
    plain = atlas(tile)  # (N_CODES, t, t, 3)
    marked = over(plain, agent_tile(tile, 3))  # (N_CODES, t, t, 3)
    return _readonly(np.concatenate([plain, marked]))


def _rotate(p: tuple[float, float], heading: int) -> tuple[float, float]:
    """Rotate a tile point about the centre by ``heading`` quarter turns clockwise."""
    x, y = p
    for _ in range(heading % 4):
        x, y = 1.0 - y, x
    return x, y


@cache
def agent_tile(tile: int, heading: int) -> np.ndarray:
    """The agent marker: a red triangle pointing along ``heading`` (0 east, 3 north).

    Returns:
        ``(tile, tile, 4)`` uint8 RGBA (alpha 255 where fully covered), read-only; draw it
        over a cell with :func:`over`.
    """
    check_tile(tile)
    c = sh.canvas(tile)
    corners = [_rotate(p, heading) for p in ((0.16, 0.2), (0.86, 0.5), (0.16, 0.8))]
    body = sh.triangle(c, *corners)
    cover = sh.dilate(body, max(1, sh.outline_radius(tile) // 2))  # (S, S)
    rgb = np.zeros((c.size, c.size, 3), np.float32)  # (S, S, 3)
    rgb[cover] = base_art.OUTLINE_RGB
    rgb[body] = AGENT_RGB
    a = cover[:, :, None].astype(np.float32)  # (S, S, 1)
    alpha = sh.downsample(a)  # (t, t, 1)
    colour = sh.downsample(rgb * a) / np.maximum(alpha, 1e-6)  # (t, t, 3)
    rgba = np.concatenate([colour, alpha * 255.0], axis=-1)  # (t, t, 4)
    return _readonly(np.rint(rgba).astype(np.uint8))


def over(rgb: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """Composite an RGBA ``(t, t, 4)`` image over RGB ``(..., t, t, 3)`` tiles; returns uint8."""
    a = rgba[..., 3:].astype(np.float32) / 255.0  # (t, t, 1)
    out = rgb.astype(np.float32) * (1.0 - a) + rgba[..., :3].astype(np.float32) * a
    return np.rint(out).astype(np.uint8)
