"""Egocentric view: which world cells land where, occlusion, and the rendered pixels."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_house
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vlnenv.render.codes import (
    DOOR_CLOSED,
    DOOR_OPEN,
    N_CODES,
    WALL,
    cell_codes,
    encode,
    floor_code,
    object_code,
    update_cell,
)
from vlnenv.render.egocentric import (
    egocentric_codes,
    egocentric_view,
    opaque_mask,
    pad_grids,
    render_codes,
)
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.render.view_geometry import view_cells, visible_mask, visible_masks
from vlnenv.world.colors import Color
from vlnenv.world.house import Cell
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

W = encode(WALL)
A = encode(floor_code(RoomType.LIVING_ROOM))
B = encode(floor_code(RoomType.BEDROOM))
DC, DO = encode(DOOR_CLOSED), encode(DOOR_OPEN)

# A wall row with one door splits a bedroom (rows 1-2) from a living room (rows 4-5).
WALLED = [
    "###########",
    "#BBBBBBBBB#",
    "#BBBBBBBBB#",
    "#####+#####",
    "#AAAAAAAAA#",
    "#AAAAAAAAA#",
    "###########",
]

# One open room; objects two cells east, south, west and north of the centre (4, 4).
OPEN = ["#########"] + ["#AAAAAAA#"] * 7 + ["#########"]
AROUND = [("cup", "red", (4, 6)), ("book", "blue", (6, 4)), ("apple", "green", (4, 2)),
          ("ball", "orange", (2, 4))]


def walled():
    return make_house(WALLED, {"A": "living_room", "B": "bedroom"})


def open_room():
    return make_house(OPEN, {"A": "living_room"}, objects=AROUND)


def view_of(house, pos, heading, view, structure=None):
    s = house.structure if structure is None else structure
    codes_p, opaque_p = pad_grids(cell_codes(house, s), opaque_mask(s), view)
    return egocentric_codes(codes_p, view, pos, heading, view, opaque_p)


def on_floor(kind: str, color: str) -> int:
    return encode(floor_code(RoomType.LIVING_ROOM),
                  object_code(ObjectKind.from_word(kind), Color[color.upper()]))


def test_a_wall_directly_ahead_hides_everything_behind_it():
    got = view_of(walled(), (4, 2), 3, 5)
    expected = np.array([[0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0],
                         [W, W, W, W, W],
                         [W, A, A, A, A]])
    np.testing.assert_array_equal(got, expected)


def test_a_closed_door_hides_the_room_behind_it():
    got = view_of(walled(), (5, 5), 3, 5)
    expected = np.array([[0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0],
                         [W, W, DC, W, W],
                         [A, A, A, A, A],
                         [A, A, A, A, A]])
    np.testing.assert_array_equal(got, expected)


def test_opening_the_door_reveals_the_room_behind_it():
    house = walled()
    structure = house.structure.copy()
    structure[3, 5] = Cell.DOOR_OPEN
    got = view_of(house, (5, 5), 3, 5, structure)
    expected = np.array([[B, B, B, B, B],
                         [B, B, B, B, B],
                         [W, W, DO, W, W],
                         [A, A, A, A, A],
                         [A, A, A, A, A]])
    np.testing.assert_array_equal(got, expected)


def test_toggling_a_door_in_the_padded_grids_updates_the_next_view():
    house, pad = walled(), 5
    structure = house.structure.copy()
    codes_p, opaque_p = pad_grids(cell_codes(house), opaque_mask(structure), pad)
    assert not view_of(house, (5, 5), 3, 5)[0].any()
    structure[3, 5] = Cell.DOOR_OPEN
    update_cell(codes_p[pad:-pad, pad:-pad], house, structure, {}, (3, 5))
    opaque_p[3 + pad, 5 + pad] = False
    got = egocentric_codes(codes_p, pad, (5, 5), 3, 5, opaque_p)
    assert got[2, 2] == DO and (got[:2] == B).all()


@pytest.mark.parametrize(
    ("heading", "ahead", "right", "left"),
    [
        (0, ("cup", "red"), ("book", "blue"), ("ball", "orange")),
        (1, ("book", "blue"), ("apple", "green"), ("cup", "red")),
        (2, ("apple", "green"), ("ball", "orange"), ("book", "blue")),
        (3, ("ball", "orange"), ("cup", "red"), ("apple", "green")),
    ],
)
def test_each_heading_maps_world_cells_to_the_expected_view_cells(heading, ahead, right, left):
    got = view_of(open_room(), (4, 4), heading, 5)
    expected = np.full((5, 5), A)
    expected[0] = W  # the border wall four cells ahead
    expected[2, 2] = on_floor(*ahead)  # two cells ahead
    expected[4, 4] = on_floor(*right)  # two cells to the right
    expected[4, 0] = on_floor(*left)  # two cells to the left
    np.testing.assert_array_equal(got, expected)


def test_cells_outside_the_house_are_void():
    got = view_of(open_room(), (1, 1), 3, 5)
    expected = np.array([[0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0],
                         [0, W, W, W, W],
                         [0, W, A, A, A]])
    np.testing.assert_array_equal(got, expected)


def test_codes_match_a_direct_reference_everywhere():
    house = walled()
    structure = house.structure.copy()
    structure[3, 5] = Cell.DOOR_OPEN
    codes = cell_codes(house, structure)
    opaque = opaque_mask(structure)
    for view in (3, 5, 7, 11):
        codes_p, opaque_p = pad_grids(codes, opaque, view)
        for r, c in np.argwhere(house.passable_mask()).tolist():
            for heading in range(4):
                rows, cols = view_cells((r, c), heading, view)
                inside = (rows >= 0) & (rows < house.height) & (cols >= 0) & (cols < house.width)
                rr, cc = np.where(inside, rows, 0), np.where(inside, cols, 0)
                ref_opaque = np.where(inside, opaque[rr, cc], True)
                ref = np.where(inside & visible_mask(ref_opaque), codes[rr, cc], 0)
                got = egocentric_codes(codes_p, view, (r, c), heading, view, opaque_p)
                np.testing.assert_array_equal(got, ref)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([3, 5, 7, 9]).flatmap(lambda v: arrays(bool, (v, v))))
def test_single_visibility_equals_batched_and_always_sees_own_and_front_cell(opaque):
    view = opaque.shape[0]
    np.testing.assert_array_equal(visible_mask(opaque), visible_masks(opaque[None])[0])
    opaque[view - 1, view // 2] = False  # the agent stands on a see-through cell
    seen = visible_mask(opaque)
    np.testing.assert_array_equal(seen, visible_masks(opaque[None])[0])
    assert seen[view - 1, view // 2] and seen[view - 2, view // 2]


def test_facing_a_wall_the_wall_itself_is_seen():
    got = view_of(walled(), (4, 5), 3, 3)
    assert got[1, 1] == DC and got[2, 1] == A
    assert not got[0].any()


def test_render_codes_puts_each_tile_in_place_unrotated_with_the_agent_at_bottom_centre():
    house = open_room()
    img = egocentric_view(house, (4, 4), 0, view=7, tile=8)
    assert img.shape == (56, 56, 3) and img.dtype == np.uint8
    codes = view_of(house, (4, 4), 0, 7)
    tiles = view_atlas(8)
    for i in range(7):
        for j in range(7):
            code = codes[i, j] + (N_CODES if (i, j) == (6, 3) else 0)
            np.testing.assert_array_equal(img[i * 8:(i + 1) * 8, j * 8:(j + 1) * 8], tiles[code])
    np.testing.assert_array_equal(render_codes(codes, tiles), img)
    agent = img[48:56, 24:32].astype(int)
    assert ((agent[..., 0] > 200) & (agent[..., 1] < 60)).any()


def test_padded_grids_are_void_and_opaque_around_the_house():
    codes = np.arange(12, dtype=np.int32).reshape(3, 4) + 1
    opaque = np.array([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0]], bool)
    codes_p, opaque_p = pad_grids(codes, opaque, 2)
    np.testing.assert_array_equal(codes_p, np.pad(codes, 2, constant_values=0))
    np.testing.assert_array_equal(opaque_p, np.pad(opaque, 2, constant_values=True))
    assert codes_p.dtype == np.int32 and opaque_p.dtype == bool
    assert codes_p.flags.c_contiguous and opaque_p.flags.c_contiguous
