"""Tile art: every code has its own look, readable at 8 px."""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.render.codes import (
    FLOOR_BASE,
    FURNITURE_BASE,
    N_BASE,
    N_CODES,
    VOID,
    encode,
    object_code,
)
from vlnenv.render.tile_atlas import (
    agent_tile,
    atlas,
    base_tiles,
    object_layers,
    over,
    view_atlas,
)
from vlnenv.world.colors import Color
from vlnenv.world.objects import ObjectKind


def object_masks(tile: int) -> np.ndarray:
    """Foreground (coverage > 1/2) of every object kind, ``(K, tile, tile)`` bool."""
    _, alpha = object_layers(tile)
    return np.stack([alpha[object_code(k, Color.RED), :, :, 0] > 0.5 for k in ObjectKind])


def test_atlas_has_one_read_only_uint8_tile_per_code():
    a = atlas(8)
    assert a.shape == (N_CODES, 8, 8, 3) and a.dtype == np.uint8
    assert not a.flags.writeable
    assert atlas(8) is a


def test_all_tiles_differ_pairwise_at_8px():
    flat = atlas(8).reshape(N_CODES, -1)
    assert len(np.unique(flat, axis=0)) == N_CODES


def test_all_base_tiles_differ_pairwise_at_1px():
    flat = base_tiles(1).reshape(N_BASE, -1)
    assert len(np.unique(flat, axis=0)) == N_BASE


def test_object_kinds_of_one_colour_differ_in_shape_at_8px():
    masks = object_masks(8).reshape(len(ObjectKind), -1)
    differing = (masks[:, None] != masks[None]).sum(-1)  # (K, K) pixels that differ
    np.fill_diagonal(differing, 99)
    assert differing.min() >= 2


def test_one_kind_in_two_colours_has_the_same_shape_and_different_pixels():
    a = atlas(8)
    _, alpha = object_layers(8)
    floor = FLOOR_BASE
    for kind in ObjectKind:
        red, blue = object_code(kind, Color.RED), object_code(kind, Color.BLUE)
        np.testing.assert_array_equal(alpha[red], alpha[blue])
        assert np.abs(a[encode(floor, red)].astype(int) - a[encode(floor, blue)]).max() > 60


def test_a_code_without_object_is_its_base_tile_and_void_is_black():
    a, b = atlas(8), base_tiles(8)
    np.testing.assert_array_equal(a[encode(FURNITURE_BASE, 0)], b[FURNITURE_BASE])
    assert not a[encode(VOID, 0)].any()


def test_objects_leave_the_outer_pixel_ring_free_so_furniture_shows_around_them():
    _, alpha = object_layers(16)
    ring = np.ones((16, 16), bool)
    ring[1:-1, 1:-1] = False
    assert alpha[1:, ring].max() == 0.0
    assert (alpha[1:, :, :, 0] > 0.5).sum(axis=(1, 2)).min() >= 16


def test_white_and_yellow_objects_have_a_dark_outline_on_a_light_floor():
    a = atlas(16)
    floor = FLOOR_BASE + 2  # kitchen: pale yellow
    floor_sum = int(a[encode(floor, 0)].astype(int).sum(-1).min())
    for color in (Color.WHITE, Color.YELLOW):
        tile = a[encode(floor, object_code(ObjectKind.PLATE, color))].astype(int)
        assert tile.sum(-1).min() < floor_sum // 3


def test_agent_points_up_for_heading_3_and_rotates_with_the_heading():
    up = agent_tile(16, 3)[:, :, 3].astype(int)  # (t, t) alpha
    rows = (up > 127).sum(1)
    covered = np.nonzero(rows)[0]
    assert rows[covered[0]] < rows[covered[-1]]  # narrow tip at the top, wide base below
    east = agent_tile(16, 0)[:, :, 3].astype(int)
    for heading in range(4):
        turned = np.rot90(east, k=-heading)  # clockwise quarter turns
        rgba = agent_tile(16, heading)[:, :, 3].astype(int)
        assert np.abs(rgba - turned).max() <= 40


def test_agent_tile_is_red_where_opaque_and_composites_over_a_cell():
    rgba = agent_tile(8, 3)
    solid = rgba[:, :, 3] == 255
    assert solid.any()
    assert (rgba[solid][:, 0] > 200).any()
    cell = base_tiles(8)[FLOOR_BASE]
    out = over(cell, rgba)
    np.testing.assert_array_equal(out[rgba[:, :, 3] == 0], cell[rgba[:, :, 3] == 0])


def test_view_atlas_holds_plain_tiles_then_the_same_with_the_agent():
    v = view_atlas(8)
    assert v.shape == (2 * N_CODES, 8, 8, 3)
    np.testing.assert_array_equal(v[:N_CODES], atlas(8))
    np.testing.assert_array_equal(v[N_CODES + 5], over(atlas(8)[5], agent_tile(8, 3)))


@pytest.mark.parametrize("tile", [0, 65])
def test_tile_sizes_outside_1_to_64_are_rejected(tile):
    with pytest.raises(ValueError, match="tile size"):
        base_tiles(tile)
