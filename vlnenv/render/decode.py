"""Egocentric images read back into cell codes: the inverse of rendering. Its torch twin is
``agents.models.cell_labels.TileReader`` (parity: ``tests/agents/models/test_cell_labels.py``).

Every one of the ``2 * N_CODES`` tiles of :func:`vlnenv.render.tile_atlas.view_atlas` (each
code's tile, plain and with the agent drawn over it) is distinct, so the pixels of a view
cell determine its code exactly (``tests/vlnenv/render/test_decode.py`` checks both). A
tile is found by a hash of its bytes, ``h = sum_k w_k * word_k mod 2**64`` over its
``3 * tile * tile / 8`` 64-bit words with fixed random odd weights ``w``, looked up in the
sorted hashes of the atlas, and the match is confirmed byte for byte.

What it is for: the egocentric image says, to a reader that knows the tile art, which room
type, furniture, object kind and colour each visible cell holds; :func:`symbolic_cells`
turns that into the per-cell labels of a recognition objective on the RGB views, with no
other access to the simulator.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from vlnenv.errors import RenderError
from vlnenv.render.codes import N_CODES, symbolic_view
from vlnenv.render.tile_atlas import view_atlas

_SEED = 20261128  # fixed: the hash weights are part of the format, not of any run


def _weights(words: int) -> np.ndarray:
    """``(words,)`` uint64 odd hash weights."""
    rng = np.random.default_rng(_SEED)
    return rng.integers(0, 2**63, words, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def _tiles(image: np.ndarray, tile: int) -> np.ndarray:
    """``(..., V*t, V*t, 3)`` -> ``(..., V, V, t*t*3)`` contiguous uint8 tiles."""
    *lead, S, _, _ = image.shape
    V = S // tile
    x = image.reshape(*lead, V, tile, V, tile * 3)  # (..., V, t, V, 3t)
    x = np.moveaxis(x, -3, -2)  # (..., V, V, t, 3t)
    return np.ascontiguousarray(x).reshape(*lead, V, V, tile * tile * 3)


def _hash(tiles: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(N, t*t*3)`` uint8 -> ``(N,)`` uint64 hashes (wrap-around arithmetic)."""
    words = tiles.view(np.uint64)  # (N, t*t*3/8)
    with np.errstate(over="ignore"):
        return (words * weights).sum(axis=1, dtype=np.uint64)  # (N,)


class ViewDecoder:
    """Reads egocentric images of ``tile``-pixel cells back into cell codes.

    Raises:
        RenderError: ``tile * tile * 3`` is not a multiple of 8 bytes, or two atlas tiles
            hash alike (neither happens for the tiles the environment allows).
    """

    def __init__(self, tile: int = 8) -> None:
        if (tile * tile * 3) % 8:
            raise RenderError(f"tile {tile}: a tile must hold a multiple of 8 bytes "
                              f"(tile * tile * 3 = {tile * tile * 3})")
        self.tile = int(tile)
        atlas = view_atlas(tile).reshape(2 * N_CODES, -1)  # (2 N_CODES, t*t*3)
        self._weights = _weights(atlas.shape[1] // 8)
        keys = _hash(np.ascontiguousarray(atlas), self._weights)  # (2 N_CODES,)
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        if np.any(self._keys[1:] == self._keys[:-1]):
            raise RenderError(f"tile {tile}: two atlas tiles share a hash")
        self._atlas = atlas

    def codes(self, image: np.ndarray) -> np.ndarray:
        """``(..., V, V)`` int32 cell codes of ``(..., V*t, V*t, 3)`` uint8 views (the
        agent's cell gives the code under the agent).

        Raises:
            RenderError: the image is not ``(..., S, S, 3)`` uint8 with ``S`` a multiple
                of the tile, or a cell shows a tile the renderer never draws (the first
                such cell is named).
        """
        image = np.asarray(image)
        if (image.dtype != np.uint8 or image.ndim < 3 or image.shape[-1] != 3
                or image.shape[-2] != image.shape[-3] or image.shape[-2] % self.tile):
            raise RenderError(f"expected uint8 views of shape (..., S, S, 3) with S a multiple "
                              f"of the tile ({self.tile}); got {image.dtype} {image.shape}")
        tiles = _tiles(image, self.tile)  # (..., V, V, t*t*3)
        flat = tiles.reshape(-1, tiles.shape[-1])  # (N, t*t*3)
        keys = _hash(flat, self._weights)  # (N,)
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)  # (N,)
        rows = self._order[pos]  # (N,) atlas rows
        bad = np.flatnonzero(np.any(self._atlas[rows] != flat, axis=1))
        if len(bad):
            where = np.unravel_index(int(bad[0]), tiles.shape[:-1])
            raise RenderError(f"view cell at index {tuple(int(i) for i in where)} shows a tile "
                              f"that no cell code renders to ({len(bad)} such cells)")
        return (rows % N_CODES).astype(np.int32).reshape(tiles.shape[:-1])  # (..., V, V)


@lru_cache(maxsize=4)
def view_decoder(tile: int = 8) -> ViewDecoder:
    """A shared :class:`ViewDecoder` per tile size."""
    return ViewDecoder(tile)


def symbolic_cells(image: np.ndarray, tile: int = 8) -> np.ndarray:
    """``(..., V*V, 3)`` uint8 labels of each view cell of ``(..., S, S, 3)`` views: base
    code, object kind + 1 (0 none), object colour + 1 (0 none), as
    :class:`~vlnenv.wrappers.SymbolicObservation` gives them."""
    codes = view_decoder(tile).codes(image)  # (..., V, V)
    sym = symbolic_view(codes)  # (..., V, V, 3)
    return sym.reshape(*sym.shape[:-3], -1, 3)  # (..., V*V, 3)
