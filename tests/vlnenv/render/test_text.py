"""Bitmap font and text drawing: distinct glyphs, word wrap, drawing and the caption band."""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.render.font import FIRST, GLYPH_H, GLYPH_W, LAST, N_GLYPHS, glyph_indices, glyph_masks
from vlnenv.render.text import (
    ADVANCE,
    LINE_PITCH,
    auto_scale,
    draw_text,
    draw_text_block,
    text_height,
    text_width,
    wrap,
)

SENTENCE = "Go to the kitchen, pick up the yellow jug and bring it back to me."


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_glyph_masks_cover_printable_ascii_at_every_scale(scale):
    masks = glyph_masks(scale)
    assert masks.shape == (LAST - FIRST + 1, GLYPH_H * scale, GLYPH_W * scale) == (
        N_GLYPHS, GLYPH_H * scale, GLYPH_W * scale)
    assert masks.dtype == bool and not masks.flags.writeable
    assert glyph_masks(scale) is masks  # cached


def test_every_printable_character_has_a_distinct_glyph_and_space_is_empty():
    masks = glyph_masks(1)
    space = ord(" ") - FIRST
    assert not masks[space].any()
    inked = [i for i in range(N_GLYPHS) if i != space]
    assert all(masks[i].any() for i in inked)
    patterns = {masks[i].tobytes(): chr(FIRST + i) for i in inked}
    assert len(patterns) == len(inked), "two characters share a glyph"


def test_scaled_glyph_is_the_glyph_blown_up():
    small, big = glyph_masks(1), glyph_masks(3)
    assert np.array_equal(big[:, ::3, ::3], small)


def test_only_descenders_reach_below_the_baseline():
    masks = glyph_masks(1)
    below = {chr(FIRST + i) for i in range(N_GLYPHS) if masks[i, GLYPH_H - 1].any()}
    assert below == set("gjpqy,_")


def test_unknown_characters_map_to_the_question_mark():
    q = ord("?") - FIRST
    assert glyph_indices("A~é\t").tolist() == [ord("A") - FIRST, ord("~") - FIRST, q, q]


def test_text_width_and_height_count_ink_only():
    assert text_width("", 2) == 0
    assert text_width("a", 1) == GLYPH_W
    assert text_width("abc", 2) == (3 * ADVANCE - 1) * 2
    assert text_width("ab\nabcd") == text_width("abcd")
    assert text_height(0) == 0
    assert text_height(1, 2) == GLYPH_H * 2
    assert text_height(3) == 2 * LINE_PITCH + GLYPH_H


@pytest.mark.parametrize("max_chars", [1, 3, 7, 12, 30, 200])
def test_wrap_never_exceeds_the_width_and_keeps_the_words_in_order(max_chars):
    text = SENTENCE + " Supercalifragilisticexpialidocious!"
    lines = wrap(text, max_chars)
    assert all(1 <= len(line) <= max_chars for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    if max_chars >= len("Supercalifragilisticexpialidocious!"):
        assert [w for line in lines for w in line.split()] == text.split()


def test_wrap_is_greedy_and_breaks_long_words():
    assert wrap("aa bb cc", 5) == ["aa bb", "cc"]
    assert wrap("abcdefgh ij", 3) == ["abc", "def", "gh", "ij"]
    assert wrap("one\ntwo three", 20) == ["one", "two three"]
    assert wrap("   ", 4) == []
    with pytest.raises(ValueError, match="max_chars"):
        wrap("x", 0)


def test_draw_text_paints_exactly_the_glyph():
    img = np.zeros((12, 12, 3), np.uint8)
    draw_text(img, "A", 2, 3, (10, 20, 30))
    ink = img.any(axis=2)
    expected = np.zeros((12, 12), bool)
    expected[3:3 + GLYPH_H, 2:2 + GLYPH_W] = glyph_masks(1)[ord("A") - FIRST]
    assert np.array_equal(ink, expected)
    assert (img[ink] == (10, 20, 30)).all()


def test_draw_text_lays_characters_side_by_side_and_lines_below():
    img = np.zeros((30, 20, 3), np.uint8)
    draw_text(img, "ab\nc", 0, 0, scale=1)
    ink = img[..., 0] > 0
    masks = glyph_masks(1)
    assert np.array_equal(ink[:GLYPH_H, :GLYPH_W], masks[ord("a") - FIRST])
    assert np.array_equal(ink[:GLYPH_H, ADVANCE:ADVANCE + GLYPH_W], masks[ord("b") - FIRST])
    assert np.array_equal(ink[LINE_PITCH:LINE_PITCH + GLYPH_H, :GLYPH_W],
                          masks[ord("c") - FIRST])


@pytest.mark.parametrize("x, y", [(-7, -3), (15, 18), (-100, 5), (5, 100), (30, 30)])
def test_draw_text_clips_at_the_image_edges(x, y):
    img = np.zeros((20, 20, 3), np.uint8)
    big = np.zeros((220, 220, 3), np.uint8)
    draw_text(img, "Hello\nworld", x, y, scale=2)
    draw_text(big, "Hello\nworld", x + 100, y + 100, scale=2)
    assert np.array_equal(img, big[100:120, 100:120])


def _picture(h: int = 40, w: int = 200) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("scale", [None, 1, 2, 3])
def test_text_block_keeps_the_picture_and_adds_a_band_that_fits_every_line(scale):
    pic = _picture()
    before = pic.copy()
    out = draw_text_block(pic, SENTENCE, scale=scale, padding=4)
    s = auto_scale(200) if scale is None else scale
    lines = wrap(SENTENCE, (200 - 8 + s) // (ADVANCE * s))
    assert np.array_equal(pic, before)
    assert out.dtype == np.uint8 and out.shape[1] == 200
    assert np.array_equal(out[:40], pic)
    assert out.shape[0] == 40 + 8 + text_height(len(lines), s)
    assert all(text_width(line, s) <= 200 - 8 for line in lines)
    band = out[40:]
    ink = (band != 0).any(axis=2)
    assert ink.any()
    rows, cols = np.nonzero(ink)
    assert rows.min() >= 4 and rows.max() < band.shape[0] - 4 and cols.min() >= 4
    assert (band[ink] == 255).all()


def test_text_block_draws_the_same_text_as_draw_text():
    pic = _picture(10, 120)
    out = draw_text_block(pic, "pick up the cup", scale=1, fg=(1, 2, 3), bg=(9, 9, 9),
                          padding=2)
    band = np.full((2 * 2 + GLYPH_H, 120, 3), 9, np.uint8)
    draw_text(band, "pick up the cup", 2, 2, (1, 2, 3), 1)
    assert np.array_equal(out[10:], band)


def test_text_block_for_blank_text_is_one_empty_line():
    out = draw_text_block(_picture(), "", scale=2, bg=(7, 7, 7))
    assert out.shape == (40 + 8 + 2 * GLYPH_H, 200, 3)
    assert (out[40:] == 7).all()


def test_text_block_rejects_a_picture_that_is_not_rgb():
    with pytest.raises(ValueError, match="shape"):
        draw_text_block(np.zeros((4, 4), np.uint8), "x")


def test_auto_scale_grows_with_the_width():
    assert auto_scale(10) == 1
    assert auto_scale(224) == 1
    assert auto_scale(2 * 32 * ADVANCE) == 2
    assert auto_scale(100_000) == 4
