"""Searches over small 2-D grids of cells, on flat Python lists.

A house has a few hundred cells, where numpy scalar indexing (and per-wavefront numpy
calls) cost more than the search itself, so each grid is padded with a ring of outside
cells and flattened to a list; a cell's 4-neighbours are then at offsets ``1, W+2, -1,
-(W+2)`` and never leave the list.
"""

from __future__ import annotations

import numpy as np


def flood(mask: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` bool map of the cells 4-connected to ``start`` within ``mask`` (``start``
    itself always included).

    Algorithm: depth-first search over the flat cells of ``mask`` padded with a ring of
    ``False`` (plain Python lists: a house has a few hundred cells, where numpy scalar
    indexing would cost more than the search)."""
    h, w = mask.shape
    wp = w + 2
    padded = np.zeros((h + 2, wp), dtype=bool)
    padded[1:-1, 1:-1] = mask
    free = padded.ravel().tolist()
    first = (start[0] + 1) * wp + start[1] + 1
    reached = [False] * len(free)
    reached[first] = True
    stack, steps = [first], (1, wp, -1, -wp)
    while stack:
        i = stack.pop()
        for d in steps:
            j = i + d
            if free[j] and not reached[j]:
                reached[j] = True
                stack.append(j)
    return np.array(reached, dtype=bool).reshape(h + 2, wp)[1:-1, 1:-1].copy()


def padded_list(layer: np.ndarray, fill: int) -> list[int]:
    """``layer`` padded with a ring of ``fill``, flattened to a list (row-major)."""
    out = np.full((layer.shape[0] + 2, layer.shape[1] + 2), fill, dtype=np.int64)
    out[1:-1, 1:-1] = layer
    return out.ravel().tolist()


def count_areas(labels: np.ndarray) -> int:
    """Number of 4-connected areas of equal non-negative labels in ``labels``."""
    wp = labels.shape[1] + 2
    flat = padded_list(labels, -1)
    seen = [False] * len(flat)
    steps, areas = (1, wp, -1, -wp), 0
    for first, label in enumerate(flat):
        if label < 0 or seen[first]:
            continue
        areas += 1
        seen[first] = True
        stack = [first]
        while stack:
            i = stack.pop()
            for d in steps:
                j = i + d
                if flat[j] == label and not seen[j]:
                    seen[j] = True
                    stack.append(j)
    return areas
