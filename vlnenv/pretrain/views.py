"""Egocentric views at sampled poses: the view codes of an agent standing on a random floor
cell of a split's houses, facing a random heading (rendered to pixels on demand)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from vlnenv.render.codes import cell_codes
from vlnenv.render.egocentric import egocentric_codes, opaque_mask, pad_grids, render_codes
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.world.house import Cell, House, Pos

#: View size (cells a side) of the environment's default observation.
VIEW = 7


@dataclass(frozen=True)
class ViewSample:
    """One sampled view."""

    house: str
    """House id in its suite."""
    pos: Pos
    """Agent cell ``(row, col)``."""
    heading: int
    """0 east, 1 south, 2 west, 3 north."""
    codes: np.ndarray
    """``(V, V)`` int32 view codes (:func:`vlnenv.render.egocentric.egocentric_codes`);
    the agent at ``(V - 1, V // 2)`` facing row 0."""


class HouseViews:
    """The padded code and opacity grids of one house, padded once, for many views."""

    def __init__(self, house: House, view: int = VIEW) -> None:
        self.house, self.view = house, view
        s = house.structure
        self.codes_p, self.opaque_p = pad_grids(cell_codes(house, s), opaque_mask(s), view)
        rows, cols = np.nonzero(s == Cell.FLOOR)
        self.floor: np.ndarray = np.stack([rows, cols], axis=1)  # (F, 2)

    def codes(self, pos: Pos, heading: int) -> np.ndarray:
        """``(V, V)`` int32 codes of the view at ``pos`` facing ``heading``."""
        return egocentric_codes(self.codes_p, self.view, pos, heading, self.view, self.opaque_p)


@lru_cache(maxsize=8)
def _atlas(tile: int) -> np.ndarray:
    return view_atlas(tile)


def render_views(codes: np.ndarray, tile: int = 8) -> np.ndarray:
    """``(..., V*t, V*t, 3)`` uint8 pixels of ``(..., V, V)`` view codes."""
    flat = codes.reshape(-1, *codes.shape[-2:])  # (N, V, V)
    images = np.stack([render_codes(c, _atlas(tile)) for c in flat]) if len(flat) else (
        np.zeros((0, codes.shape[-1] * tile, codes.shape[-1] * tile, 3), np.uint8))
    return images.reshape(*codes.shape[:-2], *images.shape[1:])


def sample_views(houses: dict[str, House], n: int, seed: int, view: int = VIEW) -> list[ViewSample]:
    """``n`` views at uniformly drawn (house, floor cell, heading) poses.

    Args:
        houses: the split's houses by id (e.g. ``suite.split_houses("train")``).
        n: number of views.
        seed: seed of the draw (its own generator).
        view: view size.

    Returns:
        The views, in draw order; the same seed gives the same views.
    """
    rng = np.random.default_rng(seed)
    ids = sorted(houses)
    cache: dict[str, HouseViews] = {}
    out = []
    for _ in range(n):
        hid = ids[int(rng.integers(len(ids)))]
        hv = cache.get(hid)
        if hv is None:
            hv = cache[hid] = HouseViews(houses[hid], view)
        r, c = hv.floor[int(rng.integers(len(hv.floor)))]
        heading = int(rng.integers(4))
        pos = (int(r), int(c))
        out.append(ViewSample(hid, pos, heading, hv.codes(pos, heading)))
    return out
