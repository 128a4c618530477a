"""Attention drawing (numpy): heat over the view follows the cell weights, word shading
follows the token weights."""

import numpy as np
import pytest

from agents.viz.captions import instruction_band
from agents.viz.heat import heat_overlay, normalise, word_weights
from vlnenv.language.vocab import tokenize


def redness(image):
    return image[..., 0].astype(float) - image[..., 1:].mean(axis=-1)


def test_heat_is_stronger_where_the_weights_are_higher():
    view = np.full((56, 56, 3), 120, np.uint8)
    cells = np.zeros((7, 7))
    cells[6, 3], cells[2, 2], cells[0, 0] = 0.6, 0.3, 0.1
    heat = redness(heat_overlay(view, cells))
    per_cell = heat.reshape(7, 8, 7, 8).mean(axis=(1, 3))  # (V, V)
    assert per_cell[6, 3] > per_cell[2, 2] > per_cell[0, 0] > per_cell[4, 4] - 1e-9
    assert per_cell[4, 4] == pytest.approx(0.0)  # the lightest cell is left as it was
    assert np.array_equal(heat_overlay(view, np.full((7, 7), 1 / 49)), view)


def test_heat_rejects_cells_that_do_not_tile_the_view():
    with pytest.raises(ValueError, match="dividing"):
        heat_overlay(np.zeros((56, 56, 3), np.uint8), np.ones((5, 5)))


def test_word_weights_sum_the_tokens_of_each_word():
    text = "Go to the kitchen, then stop."
    tokens = np.arange(len(tokenize(text)), dtype=float)  # go to the kitchen , then stop .
    assert word_weights(text, tokens).tolist() == [0, 1, 2, 3 + 4, 5, 6 + 7]
    assert word_weights(text, tokens[:3]).tolist() == [0, 1, 2, 0, 0, 0]  # truncated
    assert normalise(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]


def test_shaded_words_get_more_colour_where_the_weights_are_higher():
    text = "go to the red kitchen"
    band = instruction_band(text, 400, 2, weights=[0.0, 0.0, 0.0, 0.2, 1.0])
    plain = instruction_band(text, 400, 2)
    assert band.shape == plain.shape
    cols = redness(band).clip(0).sum(axis=0)  # per pixel column
    x = [6 + len("go to the ") * 12, 6 + len("go to the red ") * 12]
    red, kitchen = cols[x[0]:x[0] + 36].sum(), cols[x[1]:x[1] + 84].sum()
    assert kitchen > red > 0 and cols[:x[0] - 12].sum() == 0
