"""Batched egocentric images over :class:`~vlnenv.vector.layout.PackedGrids`. Twin of
:mod:`vlnenv.render.egocentric` (driven per episode by :mod:`vlnenv.env.observer`): the
same pixels and symbolic views, bit for bit (``tests/vlnenv/vector/test_twins.py``).

An image is rendered in three gathers, with no loop over environments:

1. which view cells are visible, from a cache of one bit set per (cell, heading) slot of
   the packed grid (:func:`vlnenv.render.view_geometry.visible_masks` fills misses, all at once);
   an environment's entries are dropped by raising its epoch (after a reset into another
   house, or a door toggle: only doors change what hides what). A house played again is
   primed whole instead (:meth:`BatchedViews.house_visibility` once per house, then
   :meth:`BatchedViews.prime`: two block copies per reset, no misses in its episode);
2. the view cells' codes, ``codes[pos + offsets[heading]]``, zeroed (void) where unseen;
3. the pixels: the atlas of :func:`vlnenv.render.tile_atlas.view_atlas` seen as rows of one
   tile (``3 * tile`` bytes each), gathered straight into the ``(N, V*t, V*t, 3)`` output
   in its memory order ``(N, V, t, V)``. The agent's cell takes the tiles that show the
   agent (atlas index ``N_CODES + code``), exactly as
   :func:`vlnenv.render.egocentric.render_codes` draws it.
"""

from __future__ import annotations

import numpy as np

from vlnenv.render.codes import N_CODES, symbolic_view
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.render.view_geometry import view_offsets, visible_masks


class BatchedViews:
    """Egocentric images of many agents in packed grids.

    Args:
        num_envs: number of environments.
        view: view size ``V`` in cells.
        tile: tile size ``t`` in pixels.
    """

    def __init__(self, num_envs: int, view: int, tile: int) -> None:
        self.view, self.tile = view, tile
        self.cells = view * view
        atlas = view_atlas(tile)  # (2 * N_CODES, t, t, 3)
        self._rows = atlas.reshape(-1, 3 * tile)  # (2 * N_CODES * t, 3t) one tile row each
        i, y, j = np.meshgrid(np.arange(view), np.arange(tile), np.arange(view), indexing="ij")
        self._expand = (i * view + j).reshape(-1).astype(np.intp)  # (V t V,) cell per row
        agent = (i == view - 1) & (j == view // 2)  # (V, t, V)
        self._row_of = (y + agent * N_CODES * tile).reshape(-1).astype(np.intp)  # (V t V,)
        self._nbytes = (self.cells + 7) // 8
        self._width = 1  # block width of the packed grids (set by resize)
        self.epoch = np.ones(num_envs, np.int32)  # (N,) cache entries of older epochs are stale
        self._bits = np.zeros((0, self._nbytes), np.uint8)
        self._stamp = np.zeros(0, np.int32)
        self.offsets = np.zeros((4, self.cells), np.intp)
        self._buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        codes = np.arange(N_CODES)  # (C,)
        # (C * t, 3) uint8: row code * t is the symbolic cell of that code (codes layers
        # hold code * t), the rows between are never read
        self._symbols = np.zeros((N_CODES * tile, 3), np.uint8)
        self._symbols[codes * tile] = symbolic_view(codes)
        # (C * t,) uint32: the same rows padded to 4 bytes (byte 3 is 0), gathered whole
        # into a wide buffer (see :meth:`symbols`)
        wide = np.zeros((N_CODES * tile, 4), np.uint8)
        wide[:, :3] = self._symbols
        self._symbols_wide = wide.view(np.uint32).reshape(-1)

    def resize(self, flat_cells: int, width: int) -> None:
        """Fit packed grids of ``flat_cells`` cells and block width ``width``; drops the
        cache. Its pages are only touched (hence resident) once a slot is used or primed."""
        self._bits = np.zeros((flat_cells * 4, self._nbytes), np.uint8)  # (slots, bytes)
        self._stamp = np.zeros(flat_cells * 4, np.int32)  # (slots,) epoch of each entry
        self._width = width
        for h in range(4):
            d_row, d_col = view_offsets(h, self.view)  # (V, V) each
            self.offsets[h] = (d_row * width + d_col).reshape(-1)

    def invalidate(self, envs: np.ndarray | int) -> None:
        """Forget the cached visibility of ``envs`` (their doors or house changed)."""
        self.epoch[envs] += 1

    def house_visibility(self, origin: int, shape: tuple[int, int],
                         opaque: np.ndarray) -> np.ndarray:
        """``(H, W * 4, bytes)`` uint8: the packed visibility of every slot (cell, heading)
        of the ``(H, W)`` house whose cell ``(0, 0)`` is at flat ``origin`` of the packed
        ``opaque`` layer, in slot order, exactly as :meth:`visible` caches a miss."""
        h, w = shape
        cells = (origin + np.arange(h)[:, None] * self._width + np.arange(w)).reshape(-1)
        head = np.tile(np.arange(4), h * w)  # (H W 4,) slot order: cell-major
        seen = self._masks(np.repeat(cells, 4), head, opaque)  # (H W 4, VV)
        return np.packbits(seen.reshape(h, w * 4, self.cells), axis=2)

    def _masks(self, pos: np.ndarray, head: np.ndarray, opaque: np.ndarray) -> np.ndarray:
        """``(K, V*V)`` bool: the view cells an agent at flat ``pos`` facing ``head`` sees,
        computed (:func:`~vlnenv.render.view_geometry.visible_masks`), not cached."""
        idx = self.offsets.take(head, axis=0) + pos[:, None]  # (K, VV)
        seen = visible_masks(opaque.take(idx).reshape(-1, self.view, self.view))
        return seen.reshape(len(pos), self.cells)

    def prime(self, origin: int, bits: np.ndarray, epoch: int) -> None:
        """Cache ``bits`` (:meth:`house_visibility` of the house now at flat ``origin``) as
        current for ``epoch``: the house's slots need no visibility computed."""
        h, w4, _ = bits.shape
        r, c = divmod(origin, self._width)
        rows = np.s_[r:r + h, 4 * c:4 * c + w4]
        self._bits.reshape(-1, 4 * self._width, self._nbytes)[rows] = bits
        self._stamp.reshape(-1, 4 * self._width)[rows] = epoch

    def visible(
        self, pos: np.ndarray, head: np.ndarray, epoch: np.ndarray, opaque: np.ndarray
    ) -> np.ndarray:
        """``(M, V*V)`` uint8, 1 where the agent at flat ``pos`` facing ``head`` sees the
        view cell; ``epoch`` is each agent's environment's epoch."""
        slot = pos * 4 + head  # (M,)
        vis = np.unpackbits(self._bits.take(slot, axis=0), axis=1, count=self.cells)  # (M, VV)
        miss = np.flatnonzero(self._stamp.take(slot) != epoch)
        if len(miss):
            seen = self._masks(pos[miss], head[miss], opaque)  # (K, VV)
            vis[miss] = seen
            self._bits[slot[miss]] = np.packbits(seen, axis=1)
            self._stamp[slot[miss]] = epoch[miss]
        return vis

    def render(
        self,
        pos: np.ndarray,
        head: np.ndarray,
        epoch: np.ndarray,
        codes: np.ndarray,
        opaque: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Images of agents at flat ``pos`` facing ``head``.

        Args:
            pos: ``(M,)`` flat cell indices.
            head: ``(M,)`` headings.
            epoch: ``(M,)`` their environments' epochs.
            codes: the packed ``codes`` layer (code * tile).
            opaque: the packed ``opaque`` layer.
            out: ``(M, V*t, V*t, 3)`` uint8 C-contiguous array to write to (new if None).

        Returns:
            ``(M, V*t, V*t, 3)`` uint8.
        """
        m, side = len(pos), self.view * self.tile
        if out is None:
            out = np.empty((m, side, side, 3), np.uint8)
        cell_rows = self._seen_codes(pos, head, epoch, codes, opaque)  # (M, VV)
        rows = self._scratch(m)[2]
        cell_rows.take(self._expand, axis=1, out=rows, mode="clip")  # (M, V t V)
        rows += self._row_of
        self._rows.take(rows, axis=0, out=out.reshape(m, -1, 3 * self.tile), mode="clip")
        return out

    def symbols(
        self,
        pos: np.ndarray,
        head: np.ndarray,
        epoch: np.ndarray,
        codes: np.ndarray,
        opaque: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Symbolic views of agents at flat ``pos`` facing ``head``: per view cell (base
        code, object kind + 1, object colour + 1), 0 where unseen, exactly as
        :func:`vlnenv.render.codes.symbolic_view` of the single environment's view codes.

        Args: as :meth:`render`, with ``out`` ``(M, V, V, 3)`` uint8, or a wide buffer
            ``(M, V, V, 4)`` uint8 (C-contiguous; its last byte of each cell is set to 0).
            numpy gathers 3-byte rows one by one, 4-byte ones as ``uint32`` words, ~4x
            sooner: with a wide ``out`` the views are gathered whole into it and returned
            as its first three bytes per cell, a view of it.

        Returns:
            ``(M, V, V, 3)`` uint8: ``out`` itself, or the view of a wide ``out``.
        """
        m = len(pos)
        if out is None:
            out = np.empty((m, self.view, self.view, 3), np.uint8)
        cell_rows = self._seen_codes(pos, head, epoch, codes, opaque)  # (M, VV)
        if out.shape[-1] == 4:
            self._symbols_wide.take(cell_rows, out=out.reshape(m, -1).view(np.uint32),
                                    mode="clip")  # (M, VV) one word per cell
            return out[..., :3]
        self._symbols.take(cell_rows, axis=0, out=out.reshape(m, self.cells, 3), mode="clip")
        return out

    def symbol_buffer(self, m: int) -> np.ndarray:
        """A wide ``(M, V, V, 4)`` uint8 buffer for :meth:`symbols`' ``out``."""
        return np.empty((m, self.view, self.view, 4), np.uint8)

    def _seen_codes(self, pos: np.ndarray, head: np.ndarray, epoch: np.ndarray,
                    codes: np.ndarray, opaque: np.ndarray) -> np.ndarray:
        """``(M, VV)`` each view cell's packed code (``code * t``: its first atlas row), 0
        (void) where unseen; written into a reused scratch array."""
        vis = self.visible(pos, head, epoch, opaque)  # (M, VV)
        idx, cell_rows, _ = self._scratch(len(pos))
        self.offsets.take(head, axis=0, out=idx, mode="clip")  # (M, VV)
        idx += pos[:, None]
        codes.take(idx, out=cell_rows, mode="clip")  # (M, VV)
        cell_rows *= vis  # unseen -> void
        return cell_rows

    def _scratch(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Index arrays for ``m`` images, reused from call to call."""
        if self._buffers is None or len(self._buffers[0]) < m:
            self._buffers = (np.empty((m, self.cells), np.intp),
                             np.empty((m, self.cells), np.intp),
                             np.empty((m, len(self._expand)), np.intp))
        return self._buffers[0][:m], self._buffers[1][:m], self._buffers[2][:m]
