"""Cell codes: the encoding, whole-grid codes and single-cell updates."""

from __future__ import annotations

import numpy as np
from helpers import make_house

from vlnenv.render.codes import (
    DOOR_CLOSED,
    DOOR_OPEN,
    FURNITURE_BASE,
    N_BASE,
    N_CODES,
    N_OBJ,
    VOID,
    WALL,
    cell_codes,
    decode,
    encode,
    floor_code,
    furniture_code,
    object_code,
    object_of,
    update_cell,
)
from vlnenv.render.egocentric import pad_grids
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import Cell, Item
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

ROWS = [
    "########",
    "#AAb#KK#",
    "#AAA+KK#",
    "########",
]


def tiny_house():
    return make_house(
        ROWS,
        {"A": "bedroom", "K": "kitchen"},
        {"b": "bed"},
        [("pillow", "white", (1, 3)), ("cup", "red", (2, 6))],
    )


def test_encoding_sizes_follow_the_catalogues():
    assert N_OBJ == 1 + len(ObjectKind) * len(Color)
    assert N_BASE == 4 + len(RoomType) + len(Furniture)
    assert N_CODES == N_BASE * N_OBJ
    assert encode(VOID, 0) == 0


def test_decode_inverts_encode_for_every_code():
    bases, objs = np.divmod(np.arange(N_CODES), N_OBJ)
    assert [encode(int(b), int(o)) for b, o in zip(bases[::97], objs[::97], strict=True)] == list(
        range(0, N_CODES, 97)
    )
    assert decode(encode(7, 13)) == (7, 13)


def test_object_codes_are_distinct_and_invertible():
    codes = {object_code(k, c): (k, c) for k in ObjectKind for c in Color}
    assert sorted(codes) == list(range(1, N_OBJ))
    assert all(object_of(code) == kc for code, kc in codes.items())
    assert object_of(0) is None


def test_cell_codes_of_a_tiny_house():
    house = tiny_house()
    codes = cell_codes(house)
    assert codes.dtype == np.int32 and codes.shape == house.shape
    assert codes[0, 0] == encode(WALL)
    assert codes[1, 1] == encode(floor_code(RoomType.BEDROOM))
    assert codes[1, 5] == encode(floor_code(RoomType.KITCHEN))
    assert codes[2, 4] == encode(DOOR_CLOSED)
    assert codes[1, 3] == encode(
        furniture_code(Furniture.BED), object_code(ObjectKind.PILLOW, Color.WHITE)
    )
    assert codes[2, 6] == encode(
        floor_code(RoomType.KITCHEN), object_code(ObjectKind.CUP, Color.RED)
    )
    assert furniture_code(Furniture.BED) == FURNITURE_BASE


def test_structure_with_an_open_door_changes_only_the_door():
    house = tiny_house()
    structure = house.structure.copy()
    structure[2, 4] = Cell.DOOR_OPEN
    before, after = cell_codes(house), cell_codes(house, structure)
    assert after[2, 4] == encode(DOOR_OPEN)
    changed = np.argwhere(before != after).tolist()
    assert changed == [[2, 4]]


def test_objects_mapping_places_items_at_their_keys_not_their_original_cells():
    house = tiny_house()
    cup = house.object_at((2, 6))
    codes = cell_codes(house, objects={(1, 1): cup})
    assert codes[1, 1] == encode(floor_code(RoomType.BEDROOM), object_code(cup.kind, cup.color))
    assert codes[2, 6] == encode(floor_code(RoomType.KITCHEN))
    assert codes[1, 3] == encode(furniture_code(Furniture.BED))


def test_update_cell_after_pickup_and_drop_matches_a_full_recompute():
    house = tiny_house()
    structure = house.structure.copy()
    objects = {item.cell: item for item in house.objects}
    codes = cell_codes(house, structure, objects)
    cup = objects.pop((2, 6))
    assert update_cell(codes, house, structure, objects, (2, 6)) == encode(
        floor_code(RoomType.KITCHEN)
    )
    objects[(2, 2)] = cup
    update_cell(codes, house, structure, objects, (2, 2))
    np.testing.assert_array_equal(codes, cell_codes(house, structure, objects))
    assert codes[2, 2] == encode(floor_code(RoomType.BEDROOM), object_code(cup.kind, cup.color))


def test_update_cell_after_toggle_and_with_an_item_list():
    house = tiny_house()
    structure = house.structure.copy()
    codes = cell_codes(house, structure)
    structure[2, 4] = Cell.DOOR_OPEN
    assert update_cell(codes, house, structure, house.objects, (2, 4)) == encode(DOOR_OPEN)
    structure[2, 4] = Cell.DOOR_CLOSED
    update_cell(codes, house, structure, list(house.objects), (2, 4))
    np.testing.assert_array_equal(codes, cell_codes(house))


def test_update_cell_writes_through_the_interior_of_a_padded_grid():
    house = tiny_house()
    structure = house.structure.copy()
    codes_p, _ = pad_grids(cell_codes(house), structure == Cell.WALL, 3)
    structure[2, 4] = Cell.DOOR_OPEN
    update_cell(codes_p[3:-3, 3:-3], house, structure, {}, (2, 4))
    assert codes_p[2 + 3, 4 + 3] == encode(DOOR_OPEN)
    assert codes_p[0, 0] == 0


def test_item_lists_use_each_items_own_cell():
    house = tiny_house()
    moved = [Item((1, 2), ObjectKind.BOOK, Color.BLUE)]
    codes = cell_codes(house, objects=moved)
    assert codes[1, 2] == encode(
        floor_code(RoomType.BEDROOM), object_code(ObjectKind.BOOK, Color.BLUE)
    )
