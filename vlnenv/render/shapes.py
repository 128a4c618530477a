"""Shape primitives for procedural tile art, evaluated on a supersampled pixel grid.

As in Minigrid's ``rendering.py``, a tile is drawn on a grid ``SUBSAMPLE`` times finer than
its pixels and averaged down, which anti-aliases every edge. Coordinates are fractions of
the tile: ``x`` runs left to right and ``y`` top to bottom, both in ``[0, 1]``. Every shape
function takes a :class:`Canvas` and returns a boolean mask of shape ``(S, S)`` with
``S = tile * SUBSAMPLE``; masks combine with ``|``, ``&`` and ``~``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

#: Supersampling factor per axis (Minigrid uses 3).
SUBSAMPLE = 3

Point = tuple[float, float]


@dataclass(frozen=True)
class Canvas:
    """Sample coordinates of one supersampled tile.

    Attributes:
        tile: tile size in pixels.
        x: ``(S, S)`` horizontal coordinate of each sample centre, in ``[0, 1]``.
        y: ``(S, S)`` vertical coordinate of each sample centre, in ``[0, 1]``.
    """

    tile: int
    x: np.ndarray
    y: np.ndarray

    @property
    def size(self) -> int:
        """Samples per side, ``S``."""
        return int(self.x.shape[0])


@cache
def canvas(tile: int) -> Canvas:
    """The supersampled canvas for a tile of ``tile`` pixels."""
    if tile < 1:
        raise ValueError(f"tile size must be at least 1 pixel, got {tile}")
    size = tile * SUBSAMPLE
    centres = (np.arange(size) + 0.5) / size  # (S,)
    y, x = np.meshgrid(centres, centres, indexing="ij")  # (S, S) each
    x.flags.writeable = False
    y.flags.writeable = False
    return Canvas(tile, x, y)


def rect(c: Canvas, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Axis-aligned rectangle ``[x0, x1] x [y0, y1]``."""
    return (c.x >= x0) & (c.x <= x1) & (c.y >= y0) & (c.y <= y1)


def circle(c: Canvas, cx: float, cy: float, r: float) -> np.ndarray:
    """Disc of radius ``r`` centred on ``(cx, cy)``."""
    return (c.x - cx) ** 2 + (c.y - cy) ** 2 <= r * r


def ellipse(c: Canvas, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """Axis-aligned ellipse with half-axes ``rx`` and ``ry``."""
    return ((c.x - cx) / rx) ** 2 + ((c.y - cy) / ry) ** 2 <= 1.0


def ring(c: Canvas, cx: float, cy: float, r_out: float, r_in: float) -> np.ndarray:
    """Annulus between radii ``r_in`` and ``r_out``."""
    d2 = (c.x - cx) ** 2 + (c.y - cy) ** 2
    return (d2 <= r_out * r_out) & (d2 >= r_in * r_in)


def round_rect(c: Canvas, x0: float, y0: float, x1: float, y1: float, r: float) -> np.ndarray:
    """Rectangle with corners rounded to radius ``r``."""
    qx = np.maximum(np.maximum(x0 + r - c.x, c.x - (x1 - r)), 0.0)  # (S, S)
    qy = np.maximum(np.maximum(y0 + r - c.y, c.y - (y1 - r)), 0.0)  # (S, S)
    return rect(c, x0, y0, x1, y1) & (qx * qx + qy * qy <= r * r)


def triangle(c: Canvas, a: Point, b: Point, d: Point) -> np.ndarray:
    """Filled triangle with corners ``a``, ``b``, ``d`` (any winding)."""

    def side(p: Point, q: Point) -> np.ndarray:
        return (c.x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (c.y - q[1])  # (S, S)

    s1, s2, s3 = side(a, b), side(b, d), side(d, a)
    neg = (s1 < 0) | (s2 < 0) | (s3 < 0)
    pos = (s1 > 0) | (s2 > 0) | (s3 > 0)
    return ~(neg & pos)


def segment(c: Canvas, p: Point, q: Point, r: float) -> np.ndarray:
    """Thick line from ``p`` to ``q`` with round caps (all points within ``r`` of it)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length2 = dx * dx + dy * dy
    t = ((c.x - p[0]) * dx + (c.y - p[1]) * dy) / length2 if length2 > 0 else 0.0 * c.x
    t = np.clip(t, 0.0, 1.0)  # (S, S)
    ex = c.x - (p[0] + t * dx)
    ey = c.y - (p[1] + t * dy)
    return ex * ex + ey * ey <= r * r


def polygon(c: Canvas, points: list[Point]) -> np.ndarray:
    """Filled convex polygon (a fan of triangles from the first corner)."""
    mask = np.zeros_like(c.x, dtype=bool)
    for b, d in zip(points[1:-1], points[2:], strict=True):
        mask |= triangle(c, points[0], b, d)
    return mask


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a ``(..., S, S)`` mask by a disc of ``radius`` samples."""
    out = mask.copy()
    size = mask.shape[-1]
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if (dy or dx) and dy * dy + dx * dx <= radius * radius:
                ys = slice(max(dy, 0), size + min(dy, 0))
                yd = slice(max(-dy, 0), size + min(-dy, 0))
                xs = slice(max(dx, 0), size + min(dx, 0))
                xd = slice(max(-dx, 0), size + min(-dx, 0))
                out[..., yd, xd] |= mask[..., ys, xs]
    return out


def outline_radius(tile: int) -> int:
    """Outline width in samples for a tile size: about 6% of the tile, at least 2 samples."""
    return max(2, round(0.06 * tile * SUBSAMPLE))


def downsample(samples: np.ndarray) -> np.ndarray:
    """Average ``(..., S, S, C)`` samples into ``(..., S / SUBSAMPLE, S / SUBSAMPLE, C)``."""
    *lead, size, _, ch = samples.shape
    t = size // SUBSAMPLE
    blocks = samples.reshape(*lead, t, SUBSAMPLE, t, SUBSAMPLE, ch)
    return blocks.mean(axis=(-4, -2))
