"""Drawing attention (numpy only): a heat map over the egocentric view, and per-word
weights of the instruction from per-token weights.

The input is one :class:`AttentionMap` per step: how much the policy's state token
attends to each cell of the ``V x V`` view and to each instruction token (see
:mod:`agents.viz.attention` for how it is read out of the Transformer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vlnenv.language.vocab import tokenize

RGB = tuple[int, int, int]

#: Colour of the hottest view cell, and its opacity over the view.
HEAT_RGB: RGB = (255, 40, 0)
HEAT_ALPHA = 0.65


@dataclass(frozen=True)
class AttentionMap:
    """Where the state token looks at one step."""

    cells: np.ndarray
    """``(V, V)`` non-negative weights of the view cells, row 0 the far edge of the view
    (as the egocentric image)."""
    tokens: np.ndarray | None = None
    """``(n,)`` non-negative weights of the instruction's tokens in the order of
    :func:`vlnenv.language.vocab.tokenize` (``<cls>`` excluded), or ``None`` when the model
    does not attend to words from the state token."""


def normalise(weights: np.ndarray) -> np.ndarray:
    """``weights`` stretched to [0, 1] (float64): the lightest becomes 0 and the heaviest
    1, so that a nearly uniform map still shows where the attention leans; all zeros when
    every weight is equal."""
    w = np.asarray(weights, np.float64)
    if w.size == 0:
        return w.copy()
    low, high = float(w.min()), float(w.max())
    return (w - low) / (high - low) if high > low else np.zeros_like(w)


def heat_overlay(image: np.ndarray, cells: np.ndarray, rgb: RGB = HEAT_RGB,
                 alpha: float = HEAT_ALPHA) -> np.ndarray:
    """``image`` with each view cell tinted towards ``rgb`` in proportion to its
    normalised weight (:func:`normalise`: the heaviest cell at opacity ``alpha``, the
    lightest untouched).

    Args:
        image: ``(S, S, 3)`` uint8 view, ``S`` a multiple of ``V``.
        cells: ``(V, V)`` weights.
        rgb: heat colour.
        alpha: opacity of the heaviest cell, in [0, 1].

    Returns:
        ``(S, S, 3)`` uint8 (``image`` is not modified).

    Raises:
        ValueError: ``cells`` is not square or does not divide the image.
    """
    cells = np.asarray(cells)
    side = image.shape[0]
    if cells.ndim != 2 or cells.shape[0] != cells.shape[1] or side % cells.shape[0]:
        raise ValueError(f"cells {cells.shape} must be (V, V) with V dividing the image side "
                         f"{side}")
    px = side // cells.shape[0]
    w = normalise(cells).repeat(px, 0).repeat(px, 1)[..., None] * alpha  # (S, S, 1)
    out = image.astype(np.float64) * (1.0 - w) + np.asarray(rgb, np.float64) * w  # (S, S, 3)
    return np.rint(out).astype(np.uint8)


def word_weights(instruction: str, tokens: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per whitespace-separated word of ``instruction``, the sum of the weights of its
    tokens (``"stop."`` is the two tokens ``stop`` and ``.``). Tokens past the end of
    ``tokens`` (a truncated instruction) weigh 0.

    Returns:
        ``(n_words,)`` float64.
    """
    weights = np.asarray(tokens, np.float64).reshape(-1)
    out = np.zeros(len(instruction.split()), np.float64)
    at = 0
    for i, word in enumerate(instruction.split()):
        n = len(tokenize(word))
        out[i] = weights[at:at + n].sum()
        at += n
    return out
