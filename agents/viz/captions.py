"""Text bands under episode frames: the instruction (each word optionally shaded by an
attention weight) and a one-line status bar (step, action, and the success or failure
banner at the end). Bitmap font of :mod:`vlnenv.render.text`; numpy only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vlnenv.render.font import GLYPH_H
from vlnenv.render.text import ADVANCE, LINE_PITCH, draw_text, text_height, text_width

RGB = tuple[int, int, int]

#: Band background and text colours.
BAND_BG: RGB = (0, 0, 0)
TEXT_FG: RGB = (255, 255, 255)
#: Colour of the most attended word's background (others in proportion).
WORD_HEAT_RGB: RGB = (255, 150, 0)


def layout_words(words: Sequence[str], max_chars: int) -> list[tuple[int, int]]:
    """Greedy line breaking: the (line, column) in characters where each word starts,
    lines at most ``max_chars`` wide (a longer word gets a line of its own)."""
    spots: list[tuple[int, int]] = []
    line, col = 0, 0
    for word in words:
        if col > 0 and col + 1 + len(word) > max_chars:
            line, col = line + 1, 0
        start = col + 1 if col > 0 else 0
        spots.append((line, start))
        col = start + len(word)
    return spots


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def instruction_band(text: str, width: int, scale: int, padding: int = 6,
                     weights: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """A band ``width`` pixels wide holding ``text`` word-wrapped.

    Args:
        text: the instruction.
        width: band width in pixels.
        scale: font scale.
        padding: pixels around the text.
        weights: one weight in [0, 1] per whitespace-separated word: the word's background
            is shaded towards :data:`WORD_HEAT_RGB` in proportion (dark text on words
            above one half); ``None`` draws plain text.

    Returns:
        ``(band, width, 3)`` uint8; the height depends only on ``text``, ``width`` and
        ``scale``.
    """
    words = text.split()
    max_chars = max(1, (width - 2 * padding + scale) // (ADVANCE * scale))
    spots = layout_words(words, max_chars)
    n_lines = spots[-1][0] + 1 if spots else 1
    band = np.empty((2 * padding + text_height(n_lines, scale), width, 3), np.uint8)
    band[:] = BAND_BG
    if weights is not None and len(weights) != len(words):
        raise ValueError(f"{len(weights)} word weights for {len(words)} words")
    for i, (word, (line, col)) in enumerate(zip(words, spots, strict=True)):
        x = padding + col * ADVANCE * scale
        y = padding + line * LINE_PITCH * scale
        fg = TEXT_FG
        if weights is not None and weights[i] > 0:
            w = float(np.clip(weights[i], 0.0, 1.0))
            band[max(y - scale, 0):y + (GLYPH_H + 1) * scale,
                 max(x - scale, 0):x + len(word) * ADVANCE * scale] = _mix(BAND_BG,
                                                                          WORD_HEAT_RGB, w)
            fg = (0, 0, 0) if w > 0.5 else TEXT_FG
        draw_text(band, word, x, y, fg, scale)
    return band


def status_bar(text: str, width: int, scale: int, bg: RGB, padding: int = 6,
               lines: int = 2) -> np.ndarray:
    """A bar ``width`` pixels wide with room for ``lines`` lines: ``text`` in white on
    ``bg``, in a smaller font when its longest line does not fit at ``scale`` (the bar
    keeps its height).

    Returns:
        ``(2 * padding + text_height(lines, scale), width, 3)`` uint8.
    """
    bar = np.empty((2 * padding + text_height(lines, scale), width, 3), np.uint8)
    bar[:] = bg
    fits = (width - 2 * padding) // max(text_width(text, 1), 1)
    draw_text(bar, text, padding, padding, TEXT_FG, int(np.clip(fits, 1, scale)))
    return bar
