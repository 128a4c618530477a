"""What a view cell shows: the label kinds the cell head predicts (:data:`CELL_CLASSES`), and
``TileReader``, which reads them exactly off egocentric views, on tensors.

``TileReader`` is the torch twin of :class:`vlnenv.render.decode.ViewDecoder` (parity:
``tests/agents/models/test_cell_labels.py``); it gives the exact cell labels of views on
whatever device they are on (``scripts/frontier_agreement.py``). It once also served as a
vision stem (``vision_stem = "tiles"``, deleted for want of a measured gain; last in commit
``a7041fd``).

Every tile of :func:`vlnenv.render.tile_atlas.view_atlas` (each cell code, plain and with the
agent drawn over it) is distinct. A tile's ``3 * tile * tile`` bytes, read as 32-bit words
``x_k``, get the key ``h = sum_k w_k * x_k mod 2**64`` with fixed random odd 64-bit weights
``w_k`` (integer arithmetic, the same on every device); the atlas keys are all different
(checked when built), and a cell is found by a binary search in the sorted atlas keys. A
key that matches no atlas tile (a view not drawn by vlnenv's renderer) is an error, not a
guess.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from agents.models.errors import ModelError
from vlnenv.render.codes import N_BASE, N_CODES, symbolic_view
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.world.colors import Color
from vlnenv.world.objects import ObjectKind

#: Classes of each cell label, in order: the base code (:mod:`vlnenv.render.codes`), the
#: object kind + 1 and the object colour + 1 (0: none).
CELL_CLASSES: tuple[int, int, int] = (N_BASE, 1 + len(ObjectKind), 1 + len(Color))

_SEED = 20261129  # fixed: the key weights are part of the reader, not of any run


def tile_keys(image: Tensor, tile: int, weights: Tensor) -> Tensor:
    """``(B, V*V)`` int64 keys of the cells of ``(B, S, S, 3)`` uint8 views, row-major:
    ``sum_k w_k * x_k`` (wrapping) over the tile's 32-bit words ``x_k``."""
    B, S = image.shape[0], image.shape[1]
    V = S // tile
    x = image.reshape(B, V, tile, V, tile * 3).permute(0, 1, 3, 2, 4)  # (B, V, V, t, 3t)
    words = x.contiguous().view(torch.int32).reshape(B, V * V, -1)  # (B, P, 3t*t/4)
    return (words.to(torch.int64) * weights).sum(dim=-1)  # (B, P)


@lru_cache(maxsize=4)
def _atlas_table(tile: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(n,)`` int64 key weights, ``(K,)`` sorted atlas keys and ``(K, 3)`` labels of the
    atlas tiles in that order, for ``tile``-pixel cells.

    Raises:
        ModelError: a tile is not a whole number of 32-bit words, or two atlas tiles share
            a key (neither happens for the shipped tiles).
    """
    if (tile * tile * 3) % 4:
        raise ModelError(f"tile {tile}: the tile reader needs tile * tile * 3 to be a "
                         f"multiple of 4 bytes, got {tile * tile * 3}")
    atlas = torch.from_numpy(np.array(view_atlas(tile)))  # (K, t, t, 3)
    gen = np.random.default_rng(_SEED)
    weights = torch.from_numpy(
        gen.integers(-(2**62), 2**62, tile * tile * 3 // 4, dtype=np.int64) * 2 + 1)  # (n,)
    keys = tile_keys(atlas.reshape(-1, tile, tile, 3), tile, weights)[:, 0]  # (K,)
    keys, order = torch.sort(keys, stable=True)
    if bool((keys[1:] == keys[:-1]).any()):
        raise ModelError(f"tile {tile}: two atlas tiles share a key")
    labels = torch.from_numpy(symbolic_view(order.numpy() % N_CODES).astype(np.int64))
    return weights, keys, labels  # (n,), (K,), (K, 3)


class TileReader(nn.Module):
    """``(B, S, S, 3)`` views -> ``(B, V*V, 3)`` int64 labels (base, kind + 1, colour + 1)
    of every cell, row-major, exactly as :func:`vlnenv.render.decode.symbolic_cells`.

    The tables are buffers that are not saved with the weights (they are rebuilt from the
    renderer's atlas).
    """

    def __init__(self, tile: int) -> None:
        super().__init__()
        self.tile = int(tile)
        weights, keys, labels = _atlas_table(self.tile)
        self.register_buffer("weights", weights.clone(), persistent=False)
        self.register_buffer("keys", keys.clone(), persistent=False)
        self.register_buffer("labels", labels.clone(), persistent=False)

    def forward(self, image: Tensor) -> Tensor:
        """Labels of every view cell.

        Raises:
            ModelError: a cell shows a tile that vlnenv's renderer never draws.
        """
        if image.dtype != torch.uint8:  # float pixels 0..255: a foreign value fails below
            image = image.round().clamp(0, 255).to(torch.uint8)  # (B, S, S, 3)
        key = tile_keys(image, self.tile, self.weights)  # (B, P)
        pos = torch.searchsorted(self.keys, key).clamp(max=len(self.keys) - 1)  # (B, P)
        found = self.keys[pos] == key  # (B, P)
        if not bool(found.all()):
            b, p = (int(i) for i in torch.nonzero(~found)[0])
            raise ModelError(f"view {b}, cell {p}: the tile is not one vlnenv's renderer draws "
                             f"({int((~found).sum())} such cells); the tile reader "
                             f"reads only views drawn by vlnenv")
        return self.labels[pos]  # (B, P, 3)
