"""Text on RGB images with the bitmap font of :mod:`~vlnenv.render.font`: word wrap, drawing
a line in place, and a caption band under a picture (the instruction under a frame).

Drawing is vectorised per line: the glyph masks of a line are gathered and laid side by
side into one ink mask, which is clipped to the image and painted in one assignment.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from vlnenv.render.font import GLYPH_H, GLYPH_W, glyph_indices, glyph_masks

RGB = tuple[int, int, int]

#: Horizontal advance per character at scale 1: the glyph and one blank column.
ADVANCE = GLYPH_W + 1
#: Distance between baselines at scale 1: the glyph (descender included) and two blank rows.
LINE_PITCH = GLYPH_H + 2
#: ``draw_text_block`` picks the largest scale (up to ``MAX_AUTO_SCALE``) that still fits
#: ``AUTO_CHARS`` characters a line.
AUTO_CHARS = 32
MAX_AUTO_SCALE = 4


@cache
def _cells(scale: int) -> np.ndarray:
    """Glyph masks with the blank column after each: ``(N, GLYPH_H*s, ADVANCE*s)`` bool."""
    masks = glyph_masks(scale)  # (N, GLYPH_H*s, GLYPH_W*s)
    cells = np.pad(masks, ((0, 0), (0, 0), (0, scale)))  # (N, GLYPH_H*s, ADVANCE*s)
    cells.flags.writeable = False
    return cells


def auto_scale(width: int) -> int:
    """Font scale for a picture ``width`` pixels wide: the largest, up to
    :data:`MAX_AUTO_SCALE`, that still fits :data:`AUTO_CHARS` characters a line (at least 1)."""
    return int(np.clip(width // (ADVANCE * AUTO_CHARS), 1, MAX_AUTO_SCALE))


def text_width(text: str, scale: int = 1) -> int:
    """Width in pixels of the ink of ``text`` (its longest line), without trailing spacing."""
    longest = max(len(line) for line in text.split("\n"))
    return max(0, longest * ADVANCE - 1) * scale


def text_height(n_lines: int, scale: int = 1) -> int:
    """Height in pixels of ``n_lines`` lines, from the top of the first to the descender row
    of the last (0 for no lines)."""
    if n_lines <= 0:
        return 0
    return ((n_lines - 1) * LINE_PITCH + GLYPH_H) * scale


def wrap(text: str, max_chars: int) -> list[str]:
    """Word-wrap ``text`` into lines of at most ``max_chars`` characters.

    Words are separated by whitespace and joined by single spaces; a newline in ``text``
    starts a new line; a word longer than ``max_chars`` is broken into pieces. Blank lines
    are dropped.

    Args:
        text: the text.
        max_chars: the most characters a line may hold (at least 1).

    Returns:
        The lines, every word of ``text`` in order (empty for blank text).
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if len(line) + 1 + len(word) <= max_chars and line:
                line = f"{line} {word}"
                continue
            if line:
                lines.append(line)
            while len(word) > max_chars:
                lines.append(word[:max_chars])
                word = word[max_chars:]
            line = word
        if line:
            lines.append(line)
    return lines


def draw_text(
    image: np.ndarray, text: str, x: int, y: int, rgb: RGB = (255, 255, 255), scale: int = 1
) -> None:
    """Draw ``text`` onto ``image`` in place, clipped at the image edges.

    Args:
        image: ``(H, W, 3)`` uint8, written in place.
        text: the text; newlines start new lines :data:`LINE_PITCH` ``* scale`` lower.
            Characters outside printable ASCII are drawn as ``?``.
        x: left edge of the first character, in pixels (may lie outside the image).
        y: top of the first line, in pixels (may lie outside the image).
        rgb: ink colour.
        scale: pixels per font pixel along each axis.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"draw_text needs an (H, W, 3) image, got shape {image.shape}")
    cells = _cells(scale)  # (N, gh, aw)
    _, gh, aw = cells.shape
    height, width = image.shape[:2]
    for i, line in enumerate(text.split("\n")):
        top = y + i * LINE_PITCH * scale
        if not line or top >= height or top + gh <= 0 or x >= width:
            continue
        ink = cells[glyph_indices(line)]  # (n, gh, aw)
        ink = ink.transpose(1, 0, 2).reshape(gh, len(line) * aw)  # (gh, n * aw)
        y0, y1 = max(top, 0), min(top + gh, height)
        x0, x1 = max(x, 0), min(x + ink.shape[1], width)
        if x1 <= x0:
            continue
        region = image[y0:y1, x0:x1]  # (y1 - y0, x1 - x0, 3) view
        region[ink[y0 - top:y1 - top, x0 - x:x1 - x]] = rgb


def draw_text_block(
    picture: np.ndarray,
    text: str,
    scale: int | None = None,
    fg: RGB = (255, 255, 255),
    bg: RGB = (0, 0, 0),
    padding: int = 4,
) -> np.ndarray:
    """``picture`` with a band underneath holding ``text``, word-wrapped to its width.

    Args:
        picture: ``(H, W, 3)`` uint8 (not modified).
        text: the caption; see :func:`wrap`.
        scale: font scale; ``None`` picks one from the width (:func:`auto_scale`).
        fg: text colour.
        bg: band colour.
        padding: pixels between the band's edges and the text.

    Returns:
        ``(H + band, W, 3)`` uint8: ``picture`` on top, then a band of
        ``2 * padding + text_height(lines)`` pixels (one line's worth for blank text).
    """
    if picture.ndim != 3 or picture.shape[2] != 3:
        raise ValueError(f"draw_text_block needs an (H, W, 3) picture, got shape {picture.shape}")
    if padding < 0:
        raise ValueError(f"padding must be at least 0 pixels, got {padding}")
    height, width = picture.shape[:2]
    scale = auto_scale(width) if scale is None else scale
    if scale < 1:
        raise ValueError(f"font scale must be at least 1, got {scale}")
    max_chars = max(1, (width - 2 * padding + scale) // (ADVANCE * scale))
    lines = wrap(text, max_chars)
    band = 2 * padding + text_height(max(len(lines), 1), scale)
    out = np.empty((height + band, width, 3), np.uint8)  # (H + band, W, 3)
    out[:height] = picture
    out[height:] = bg
    draw_text(out, "\n".join(lines), padding, height + padding, fg, scale)
    return out
