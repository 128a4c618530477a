"""View geometry and visibility: exact agreement with Minigrid's ``process_vis``."""

import numpy as np
import pytest

from vlnenv.render.view_geometry import view_cells, visible_mask, visible_masks


def minigrid_process_vis(opaque: np.ndarray) -> np.ndarray:
    """A direct port of Minigrid's ``Grid.process_vis`` (agent at bottom centre)."""
    v = opaque.shape[0]
    mask = np.zeros((v, v), bool)
    mask[v - 1, v // 2] = True
    for j in reversed(range(v)):
        for i in range(v - 1):
            if mask[j, i] and not opaque[j, i]:
                mask[j, i + 1] = True
                if j > 0:
                    mask[j - 1, i + 1] = mask[j - 1, i] = True
        for i in reversed(range(1, v)):
            if mask[j, i] and not opaque[j, i]:
                mask[j, i - 1] = True
                if j > 0:
                    mask[j - 1, i - 1] = mask[j - 1, i] = True
    return mask


@pytest.mark.parametrize("view", [3, 5, 7, 9])
def test_visibility_matches_minigrid_on_random_layouts(view):
    rng = np.random.default_rng(view)
    layouts = rng.random((300, view, view)) < rng.random((300, 1, 1))
    batched = visible_masks(layouts)
    for opaque, got in zip(layouts, batched, strict=True):
        want = minigrid_process_vis(opaque)
        assert np.array_equal(visible_mask(opaque), want)
        assert np.array_equal(got, want)


def test_wall_ahead_hides_everything_behind_it():
    opaque = np.zeros((7, 7), bool)
    opaque[5, :] = True  # a wall right in front, across the whole view
    seen = visible_mask(opaque)
    assert seen[6].all() and seen[5].all()
    assert not seen[:5].any()


def test_view_cells_put_the_agent_bottom_centre_facing_each_heading():
    # facing east from (5, 5): the cell ahead is (5, 6), the left column is north (row 4)
    rows, cols = view_cells((5, 5), 0, 3)
    assert (rows[2, 1], cols[2, 1]) == (5, 5)
    assert (rows[1, 1], cols[1, 1]) == (5, 6)
    assert (rows[2, 0], cols[2, 0]) == (4, 5)
    # facing north: ahead is (4, 5), the left column is west (col 4)
    rows, cols = view_cells((5, 5), 3, 3)
    assert (rows[1, 1], cols[1, 1]) == (4, 5)
    assert (rows[2, 0], cols[2, 0]) == (5, 4)
