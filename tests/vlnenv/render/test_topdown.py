"""Top-down rendering: size, per-cell tiles, agent, path and highlights."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_house

from vlnenv.render.codes import cell_codes
from vlnenv.render.tile_atlas import agent_tile, atlas, over
from vlnenv.render.topdown import HIGHLIGHT_RGB, PATH_RGB, render_topdown, topdown_from_codes
from vlnenv.world.house import Cell

ROWS = [
    "########",
    "#AAb#KK#",
    "#AAA+KK#",
    "########",
]


def house():
    return make_house(
        ROWS,
        {"A": "bedroom", "K": "kitchen"},
        {"b": "bed"},
        [("pillow", "white", (1, 3)), ("cup", "red", (2, 6))],
    )


def block(img: np.ndarray, cell: tuple[int, int], tile: int) -> np.ndarray:
    r, c = cell
    return img[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]


@pytest.mark.parametrize("tile", [1, 8, 16])
def test_topdown_is_the_grid_size_times_the_tile(tile):
    h = house()
    img = render_topdown(h, tile)
    assert img.shape == (4 * tile, 8 * tile, 3) and img.dtype == np.uint8


def test_every_cell_shows_its_atlas_tile():
    h = house()
    img = render_topdown(h, 8)
    codes = cell_codes(h)
    for r in range(h.height):
        for c in range(h.width):
            np.testing.assert_array_equal(block(img, (r, c), 8), atlas(8)[codes[r, c]])
    np.testing.assert_array_equal(topdown_from_codes(codes, 8), img)


def test_opening_a_door_changes_only_its_cell():
    h = house()
    structure = h.structure.copy()
    structure[2, 4] = Cell.DOOR_OPEN
    diff = np.any(render_topdown(h, 8) != render_topdown(h, 8, structure=structure), axis=-1)
    rows, cols = np.nonzero(diff)
    assert set(zip((rows // 8).tolist(), (cols // 8).tolist(), strict=True)) == {(2, 4)}


def test_agent_is_drawn_in_its_cell_only():
    h = house()
    plain = render_topdown(h, 16)
    img = render_topdown(h, 16, agent=(2, 2, 1))
    np.testing.assert_array_equal(block(img, (2, 2), 16), over(block(plain, (2, 2), 16),
                                                              agent_tile(16, 1)))
    img[32:48, 32:48] = plain[32:48, 32:48]
    np.testing.assert_array_equal(img, plain)


def test_path_passes_through_cell_centres_and_stays_on_its_cells():
    h = house()
    path = [(1, 1), (2, 1), (2, 2), (2, 3)]
    img = render_topdown(h, 16, path=path)
    plain = render_topdown(h, 16)
    for r, c in path:
        assert tuple(img[r * 16 + 8, c * 16 + 8]) == PATH_RGB
    rows, cols = np.nonzero(np.any(img != plain, axis=-1))
    assert set(zip((rows // 16).tolist(), (cols // 16).tolist(), strict=True)) <= set(path)


def test_highlight_tints_only_the_highlighted_cells():
    h = house()
    plain = render_topdown(h, 8).astype(int)
    img = render_topdown(h, 8, highlight=[(1, 1), (1, 2)]).astype(int)
    changed = np.any(img != plain, axis=-1)
    expected = np.zeros_like(changed)
    expected[8:16, 8:24] = True
    np.testing.assert_array_equal(changed, expected)
    # the tint pulls the highlighted cells towards the highlight colour
    toward = np.abs(img[8:16, 8:24] - HIGHLIGHT_RGB).sum(-1)
    assert np.all(toward < np.abs(plain[8:16, 8:24] - HIGHLIGHT_RGB).sum(-1))


def test_tile_size_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="1..64"):
        render_topdown(house(), 65)
