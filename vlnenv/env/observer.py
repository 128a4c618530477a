"""Fast egocentric observations for one episode. Twin of :mod:`vlnenv.vector.egocentric`
(the same images for many episodes; ``tests/vlnenv/vector/test_twins.py`` checks they are equal).

The cell codes of the house (see :mod:`vlnenv.render.codes`) are kept in a grid padded by
``view`` void cells (:func:`~vlnenv.render.egocentric.pad_grids`), so a view never leaves
the array. For each pose the flat indices of the ``V x V`` view cells are computed once —
with cells the agent cannot see pointing at a void cell — and cached until a door opens
or closes (only doors change what hides what; objects do not). An observation is then two
look-ups: codes at the cached indices, tiles at those codes
(:func:`~vlnenv.render.egocentric.render_codes`). The image of each pose is cached too,
until any cell changes look (a pickup, drop or toggle), and handed out as a copy: an
agent that walks about comes back to poses it has seen (a copy costs ~0.3 us, drawing
~4 us).
"""

from __future__ import annotations

import numpy as np

from vlnenv.render.codes import Objects, cell_codes, update_cell
from vlnenv.render.egocentric import opaque_mask, pad_grids, render_codes
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.render.view_geometry import view_offsets, visible_mask
from vlnenv.world.dynamics import Pose
from vlnenv.world.house import House, Pos

#: Images kept by an observer before its image cache starts afresh (~9 KB each at the
#: default 56x56x3; a small house has ~1,000 poses, a large one up to ~6,000).
MAX_IMAGES = 2048


class EgocentricObserver:
    """Egocentric codes and images for one episode's changing house.

    Args:
        house: the house.
        structure: ``(H, W)`` structure as it is now (doors); kept by reference.
        objects: where objects lie now (cell -> item); kept by reference.
        view: view size ``V`` in cells.
        tile: tile size in pixels.
    """

    def __init__(
        self, house: House, structure: np.ndarray, objects: Objects, view: int = 7, tile: int = 8
    ) -> None:
        self.house, self.structure, self.objects = house, structure, objects
        self.view, self.tile = view, tile
        h, w = house.shape
        self.codes, self._opaque = pad_grids(
            cell_codes(house, structure, objects), opaque_mask(structure), view
        )  # (H+2V, W+2V) each
        self.interior = self.codes[view:view + h, view:view + w]  # (H, W) view into codes
        self._flat = self.codes.reshape(-1)  # shares memory with codes
        self._wp = self.codes.shape[1]
        self._cache: dict[Pose, np.ndarray] = {}
        self._images: dict[Pose, np.ndarray] = {}  # read-only; handed out as copies
        self._atlas = view_atlas(tile)  # (2 * N_CODES, t, t, 3)

    def changed(self, cell: Pos) -> None:
        """Refresh after a pickup, drop or toggle changed ``cell``."""
        update_cell(self.interior, self.house, self.structure, self.objects, cell)
        self._images.clear()
        r, c = cell[0] + self.view, cell[1] + self.view
        opaque = bool(opaque_mask(self.structure[cell]))
        if opaque != self._opaque[r, c]:
            self._opaque[r, c] = opaque
            self._cache.clear()

    def indices(self, pose: Pose) -> np.ndarray:
        """``(V, V)`` flat indices into the padded code grid of the view cells (agent at the
        bottom centre facing up); cells the agent cannot see point at a void cell."""
        idx = self._cache.get(pose)
        if idx is None:
            d_row, d_col = view_offsets(pose[2], self.view)
            rows = d_row + (pose[0] + self.view)  # (V, V)
            cols = d_col + (pose[1] + self.view)  # (V, V)
            seen = visible_mask(self._opaque[rows, cols])  # (V, V)
            idx = np.where(seen, rows * self._wp + cols, 0)  # (V, V); index 0 is void
            self._cache[pose] = idx
        return idx

    def view_codes(self, pose: Pose) -> np.ndarray:
        """``(V, V)`` int32 cell codes of what the agent sees (0 = unseen)."""
        return self._flat[self.indices(pose)]

    def image(self, pose: Pose) -> np.ndarray:
        """``(V * tile, V * tile, 3)`` uint8 egocentric RGB view with the agent drawn (a
        new array: the caller may write to it)."""
        image = self._images.get(pose)
        if image is None:
            if len(self._images) >= MAX_IMAGES:
                self._images.clear()
            image = render_codes(self.view_codes(pose), self._atlas)
            image.flags.writeable = False
            self._images[pose] = image
        return image.copy()
