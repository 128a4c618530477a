"""Grid searches on flat lists: exact answers on tiny grids."""

import numpy as np

from vlnenv.world.grid_search import count_areas, flood, padded_list


def test_flood_stays_inside_the_mask_and_4_connected():
    mask = np.array([[1, 1, 0, 1],
                     [0, 1, 0, 1],
                     [1, 0, 0, 1]], dtype=bool)
    expected = np.array([[1, 1, 0, 0],
                         [0, 1, 0, 0],
                         [0, 0, 0, 0]], dtype=bool)  # (2, 0) touches only diagonally
    assert np.array_equal(flood(mask, (0, 0)), expected)


def test_flood_includes_its_start_even_outside_the_mask():
    mask = np.zeros((2, 2), dtype=bool)
    assert flood(mask, (1, 1)).tolist() == [[False, False], [False, True]]


def test_count_areas_counts_each_label_apart_and_ignores_negative_cells():
    labels = np.array([[0, 0, -1, 1],
                       [-1, 0, -1, 1],
                       [0, -1, 1, 1]])
    assert count_areas(labels) == 3  # label 0 twice (the corner cell is cut off), 1 once


def test_padded_list_rings_the_layer_with_the_fill():
    assert padded_list(np.array([[5]]), -1) == [-1, -1, -1, -1, 5, -1, -1, -1, -1]
