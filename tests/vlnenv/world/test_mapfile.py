"""Map files: loading, canonical writing, atomic saving and precise errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import make_house
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vlnenv.errors import HouseError, MapError
from vlnenv.world import dumps_house, load_house, loads_house, save_house
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import Cell, House, Item, Room
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

#: The example of DESIGN.md, "Map files", verbatim.
DESIGN_EXAMPLE = '''\
name = "two-bedroom apartment"

[rooms]          # one uppercase letter per room -> room type
A = "bedroom"
K = "kitchen"
H = "hallway"

[furniture]      # lowercase glyph -> furniture kind; the cell belongs to the room it touches
b = "bed"
f = "fridge"

[[objects]]      # small objects: kind, colour, cell [row, col] (floor or furniture cell)
kind = "pillow"
color = "white"
at = [2, 3]

[grid]
cells = """
#########
#AAb#KKf#
#AAA+KKK#
##+####+#
#HHHHHHH#
#########
"""
'''

#: A small flat written for these tests; line numbers matter to the error tests.
#: Grid row r sits on line 18 + r; grid column c on text column 1 + c.
FLAT = '''\
name = "test flat"

[rooms]
A = "bedroom"
K = "kitchen"

[furniture]
b = "bed"
f = "fridge"

[[objects]]
kind = "pillow"
color = "white"
at = [1, 2]

[grid]
cells = """
#######
#AbA#f#
#AAA+K#
#######
"""
'''

FLAT_ROWS = ["#######", "#AbA#f#", "#AAA+K#", "#######"]


def with_grid(rows: list[str]) -> str:
    """``FLAT`` with its grid rows replaced (the grid still starts on line 18)."""
    return FLAT.replace("\n".join(FLAT_ROWS), "\n".join(rows))


def error_of(text: str, path: str = "m.toml") -> MapError:
    """The MapError that loading ``text`` raises."""
    with pytest.raises(MapError) as info:
        loads_house(text, path)
    return info.value


def assert_error(text: str, line: int, col: int, *words: str) -> MapError:
    """Loading ``text`` fails at ``line:col`` with a message holding every word."""
    err = error_of(text)
    assert (err.line, err.col) == (line, col), str(err)
    assert str(err).startswith(f"m.toml:{line}:{col}: ")
    for word in words:
        assert word in err.message, (word, str(err))
    return err


# ---------------------------------------------------------------------- loading
def test_design_example_loads_with_rooms_in_letter_order() -> None:
    house = loads_house(DESIGN_EXAMPLE)
    assert house.name == "two-bedroom apartment"
    assert house.shape == (6, 9)
    assert [(room.letter, room.type) for room in house.rooms] == [
        ("A", RoomType.BEDROOM), ("H", RoomType.HALLWAY), ("K", RoomType.KITCHEN)]
    assert house.objects == (Item((2, 3), ObjectKind.PILLOW, Color.WHITE),)
    assert house.structure[2, 4] == Cell.DOOR_CLOSED
    assert house.furniture[1, 3] == Furniture.BED
    assert house.room_of((1, 3)) == 0  # the bed belongs to the bedroom it touches
    assert house.room_of((1, 7)) == 2  # the fridge to the kitchen


def test_hand_written_map_loads_open_doors_and_objects_on_furniture() -> None:
    text = '''\
name = "cabin"
[rooms]
L = "living_room"
W = "bathroom"
[furniture]
s = "sofa"
l = "toilet"
i = "sink"
[[objects]]
kind = "remote"
color = "black"
at = [1, 1]
[[objects]]
kind = "towel"
color = "blue"
at = [2, 5]
[grid]
cells = """
########
#sLL/WW#
#sLL#WW#
#LLL#li#
########
"""
'''
    house = loads_house(text)
    assert house.structure[1, 4] == Cell.DOOR_OPEN
    assert house.object_at((1, 1)).kind == ObjectKind.REMOTE
    assert house.piece_at((2, 1)).cells == ((1, 1), (2, 1))  # a two-cell sofa
    assert house.furniture_glyphs == {Furniture.SOFA: "s", Furniture.TOILET: "l",
                                      Furniture.SINK: "i"}


def test_windows_line_ends_load_like_unix_ones() -> None:
    assert loads_house(FLAT.replace("\n", "\r\n")) == loads_house(FLAT)
    err = error_of(FLAT.replace("#AbA#f#", "#AbA#z#").replace("\n", "\r\n"))
    assert (err.line, err.col) == (19, 6)


def test_grid_may_start_on_the_cells_line() -> None:
    text = FLAT.replace('cells = """\n#######', 'cells = """#######')
    assert loads_house(text) == loads_house(FLAT)
    err = error_of(text.replace("#AbA#f#", "#AbA#z#"))
    assert (err.line, err.col) == (18, 6)


def test_load_house_reads_a_file_and_names_it_in_errors(tmp_path) -> None:
    good = tmp_path / "flat.toml"
    good.write_text(FLAT, encoding="utf-8")
    assert load_house(good) == loads_house(FLAT)
    bad = tmp_path / "bad.toml"
    bad.write_text(FLAT.replace('"fridge"', '"fridgee"'), encoding="utf-8")
    with pytest.raises(MapError) as info:
        load_house(bad)
    assert str(info.value).startswith(f"{bad}:9:5: ")


def test_bytes_that_are_not_utf8_point_at_the_bad_byte(tmp_path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(FLAT.replace("test flat", "caf\xe9").encode("latin-1"))
    with pytest.raises(MapError) as info:
        load_house(path)
    assert (info.value.line, info.value.col) == (1, 12)
    assert "UTF-8" in info.value.message


def test_non_string_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        loads_house(FLAT.encode())  # type: ignore[arg-type]


# ---------------------------------------------------------------------- writing
def test_dumps_is_canonical_and_a_fixed_point() -> None:
    text = dumps_house(loads_house(DESIGN_EXAMPLE))
    assert text == '''\
name = "two-bedroom apartment"

[rooms]
A = "bedroom"
H = "hallway"
K = "kitchen"

[furniture]
b = "bed"
f = "fridge"

[[objects]]
kind = "pillow"
color = "white"
at = [2, 3]

[grid]
cells = """
#########
#AAb#KKf#
#AAA+KKK#
##+####+#
#HHHHHHH#
#########
"""
'''
    assert dumps_house(loads_house(text)) == text


def test_round_trip_keeps_every_layer_and_object() -> None:
    house = loads_house(FLAT)
    again = loads_house(dumps_house(house))
    assert again == house
    assert np.array_equal(again.room_map, house.room_map)


def test_objects_are_written_sorted_by_cell() -> None:
    house = make_house(FLAT_ROWS[:1] + ["#AbA#f#", "#AAA+K#"] + FLAT_ROWS[3:],
                       {"A": "bedroom", "K": "kitchen"}, {"b": "bed", "f": "fridge"},
                       [("cup", "red", (2, 5)), ("book", "blue", (1, 1))])
    text = dumps_house(house)
    assert text.index("at = [1, 1]") < text.index("at = [2, 5]")


@pytest.mark.parametrize("name", ['say "hi"', "back\\slash", "two\nlines", "tab\there",
                                  "caf\u00e9 \u2302", "del\x7f"])
def test_any_name_survives_the_round_trip(name: str) -> None:
    house = loads_house(FLAT)
    renamed = House(name, house.structure, house.rooms, house.room_map, house.furniture,
                    house.objects, house.furniture_glyphs)
    assert loads_house(dumps_house(renamed)).name == name


def test_dumps_refuses_a_room_letter_a_file_cannot_hold() -> None:
    house = loads_house(FLAT)
    odd = House("odd", house.structure, [Room("a", RoomType.BEDROOM), house.rooms[1]],
                house.room_map, house.furniture)
    with pytest.raises(HouseError, match="room letter 'a'"):
        dumps_house(odd)


def test_save_house_writes_a_file_that_loads_back(tmp_path) -> None:
    house = loads_house(DESIGN_EXAMPLE)
    target = tmp_path / "saved.toml"
    save_house(house, target)
    assert load_house(target) == house
    assert os.listdir(tmp_path) == ["saved.toml"]  # no temporary file left behind


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    target = tmp_path / "house.toml"
    target.write_text("old contents", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_house(loads_house(FLAT), target)
    assert target.read_text(encoding="utf-8") == "old contents"
    assert os.listdir(tmp_path) == ["house.toml"]


def test_save_of_an_unwritable_house_touches_nothing(tmp_path) -> None:
    house = loads_house(FLAT)
    odd = House("odd", house.structure, [Room("a", RoomType.BEDROOM), house.rooms[1]],
                house.room_map, house.furniture)
    with pytest.raises(HouseError):
        save_house(odd, tmp_path / "odd.toml")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------- TOML and keys
def test_invalid_toml_reports_tomllibs_position() -> None:
    assert_error(FLAT.replace('A = "bedroom"', "A = bedroom"), 4, 5, "not valid TOML", "'b'")


def test_unterminated_string_reports_a_position_inside_the_file() -> None:
    err = error_of(FLAT.replace('name = "test flat"', 'name = "test flat'))
    assert err.line == 1 and "not valid TOML" in err.message


def test_integer_too_long_for_python_is_a_map_error() -> None:
    err = error_of(FLAT.replace("at = [1, 2]", f"at = [{'9' * 5000}, 2]"))
    assert "not valid TOML" in err.message


def test_missing_name_points_at_the_top_of_the_file() -> None:
    assert_error(FLAT.replace('name = "test flat"', ""), 1, 1, "missing key 'name'")


def test_missing_grid_names_the_table_expected() -> None:
    assert_error(FLAT[: FLAT.index("[grid]")], 1, 1, "missing key 'grid'", "[grid]")


def test_missing_cells_points_at_the_grid_table() -> None:
    text = FLAT[: FLAT.index("cells")] + 'rows = 3\n'
    assert_error(text, 17, 1, "unexpected key 'rows'", "cells")
    assert_error(FLAT[: FLAT.index("cells")], 16, 1, "missing key 'cells'")


def test_name_that_is_not_a_string() -> None:
    assert_error(FLAT.replace('"test flat"', "7"), 1, 8, "name must be a string", "an integer")


def test_unexpected_top_level_key() -> None:
    text = FLAT.replace('name = "test flat"\n\n', 'name = "test flat"\nowner = "me"\n')
    assert_error(text, 2, 1, "unexpected key 'owner'", "name, rooms, furniture, objects, grid")


def test_rooms_that_are_not_a_table() -> None:
    text = FLAT.replace('[rooms]\nA = "bedroom"\nK = "kitchen"\n', 'rooms = "bedroom"\n\n\n')
    assert_error(text, 3, 9, "[rooms] must be a table", "a string")


def test_grid_that_is_not_a_table() -> None:
    text = FLAT[: FLAT.index("[grid]")].replace("flat\"\n\n", "flat\"\ngrid = 5\n")
    assert_error(text, 2, 8, "[grid] must be a table", "an integer")


def test_cells_that_are_not_a_string() -> None:
    text = FLAT[: FLAT.index("cells")] + "cells = [1, 2]\n"
    assert_error(text, 17, 9, "cells must be a multi-line string", "an array")


def test_furniture_value_that_is_not_a_word() -> None:
    assert_error(FLAT.replace('b = "bed"', "b = 3"), 8, 5, "[furniture] value for 'b'",
                 "an integer")


@pytest.mark.parametrize("at, found", [("[1]", "an array of an integer"),
                                       ('[1, "2"]', "an integer, a string"),
                                       ("[true, 2]", "a boolean"), ("3", "an integer"),
                                       ("[1.0, 2]", "a float")])
def test_at_that_is_not_two_integers(at: str, found: str) -> None:
    assert_error(FLAT.replace("at = [1, 2]", f"at = {at}"), 14, 6, "at must be [row, col]", found)


def test_objects_that_are_not_tables() -> None:
    text = FLAT.replace('[[objects]]\nkind = "pillow"\ncolor = "white"\nat = [1, 2]\n\n', "")
    text = text.replace("flat\"\n\n", "flat\"\nobjects = 5\n")
    assert_error(text, 2, 11, "objects must be an array", "an integer")


def test_object_missing_a_key_points_at_its_table() -> None:
    assert_error(FLAT.replace('color = "white"\n', ""), 11, 1, "missing key 'color'",
                 "[[objects]] entry 1")


def test_object_with_an_unexpected_key() -> None:
    assert_error(FLAT.replace('color = "white"\n', 'color = "white"\nsize = 2\n'), 14, 1,
                 "unexpected key 'size'", "kind, color, at")


# ---------------------------------------------------------------------- legends
def test_unknown_room_type_lists_the_valid_words() -> None:
    assert_error(FLAT.replace('"bedroom"', '"bedrom"'), 4, 5, "unknown room type 'bedrom'",
                 "bedroom", "living_room", "meeting_room")


def test_unknown_furniture_kind_lists_the_valid_words() -> None:
    assert_error(FLAT.replace('"bed"', '"bead"'), 8, 5, "unknown furniture kind 'bead'",
                 "bed", "coffee_table")


def test_unknown_object_kind_lists_the_valid_words() -> None:
    assert_error(FLAT.replace('"pillow"', '"pilow"'), 12, 8, "unknown object kind 'pilow'",
                 "pillow", "teddy_bear")


def test_unknown_colour_lists_the_valid_words() -> None:
    assert_error(FLAT.replace('"white"', '"teal"'), 13, 9, "unknown object color 'teal'",
                 "white", "purple")


@pytest.mark.parametrize("key", ["AB", "a", "1", "\u00c9"])
def test_room_key_must_be_one_uppercase_letter(key: str) -> None:
    text = FLAT.replace('A = "bedroom"', f'"{key}" = "bedroom"')
    assert_error(text, 4, 1, f"[rooms] key {key!r}", "single uppercase letter")


def test_furniture_key_must_be_one_lowercase_letter() -> None:
    assert_error(FLAT.replace('b = "bed"', 'B = "bed"'), 8, 1, "[furniture] key 'B'",
                 "single lowercase letter")


def test_one_furniture_kind_may_not_have_two_glyphs() -> None:
    assert_error(FLAT.replace('f = "fridge"', 'f = "fridge"\ng = "bed"'), 10, 5,
                 "'bed' already has glyph 'b'")


def test_empty_rooms_table() -> None:
    text = FLAT.replace('A = "bedroom"\nK = "kitchen"\n', "\n\n")
    assert_error(text, 3, 1, "[rooms] is empty")


def test_room_letter_declared_but_never_used() -> None:
    text = FLAT.replace('K = "kitchen"', 'K = "kitchen"\nG = "garage"')
    assert_error(text, 6, 1, "'G' (garage) is declared in [rooms] but never used")


def test_furniture_glyph_declared_but_never_used() -> None:
    text = FLAT.replace('f = "fridge"', 'f = "fridge"\ns = "sofa"')
    assert_error(text, 10, 1, "'s' (sofa) is declared in [furniture] but never used")


# ---------------------------------------------------------------------- the grid
def test_empty_grid() -> None:
    text = FLAT.replace("\n".join(FLAT_ROWS) + "\n", "\n")
    assert_error(text, 17, 9, "the grid is empty")


def test_short_row_points_where_its_cells_run_out() -> None:
    rows = FLAT_ROWS[:2] + ["#AAA+K"] + FLAT_ROWS[3:]
    assert_error(with_grid(rows), 20, 7, "grid row 2 has 6 cells but row 0 has 7")


def test_long_row_points_at_its_first_extra_cell() -> None:
    rows = FLAT_ROWS[:2] + ["#AAA+K##"] + FLAT_ROWS[3:]
    assert_error(with_grid(rows), 20, 8, "grid row 2 has 8 cells but row 0 has 7")


def test_blank_line_inside_the_grid_is_a_short_row() -> None:
    rows = FLAT_ROWS[:2] + [""] + FLAT_ROWS[2:]
    assert_error(with_grid(rows), 20, 1, "grid row 2 has 0 cells")


def test_unknown_glyph_says_which_glyphs_are_valid() -> None:
    err = assert_error(with_grid(["#######", "#AbA#z#", "#AAA+K#", "#######"]), 19, 6,
                       "unknown glyph 'z'", "grid cell [1, 5]")
    assert "(A, K)" in err.message and "(b, f)" in err.message


def test_space_in_a_row_is_an_unknown_glyph() -> None:
    assert_error(with_grid(["#######", "#AbA#f#", "#AA +K#", "#######"]), 20, 4,
                 "unknown glyph ' '")


def test_open_border_points_at_the_opening() -> None:
    rows = ["#######", "#AbA#f#", "#AAA+K/", "#######"]
    assert_error(with_grid(rows), 20, 7, "border must be wall", "grid cell [2, 6]")


def test_grid_smaller_than_three_by_three_points_at_the_cells() -> None:
    text = with_grid(["#A", "#b"]).replace('K = "kitchen"\n', "").replace('f = "fridge"\n', "")
    assert_error(text, 15, 9, "at least 3x3")


def test_one_letter_in_two_areas_points_at_the_second_area() -> None:
    rows = ["#########", "#AbA#fKK#", "#AAA+KKK#", "####+####", "#AAA/KKK#", "#########"]
    assert_error(with_grid(rows), 22, 2, "room A (bedroom) has a second, separate area",
                 "grid cell [4, 1]")


def test_house_rejects_one_room_letter_in_two_areas() -> None:
    with pytest.raises(HouseError) as info:
        make_house(["#######", "#AA#AA#", "#AA+AA#", "#######"], {"A": "bedroom"})
    assert info.value.cell == (1, 4)


def test_furniture_joining_two_areas_makes_them_one_room() -> None:
    house = make_house(["#####", "#AbA#", "#A+A#", "#####"], {"A": "bedroom"}, {"b": "bed"})
    assert house.room_of((1, 2)) == 0


def test_furniture_touching_no_room() -> None:
    rows = ["#########", "#AbA#f#K#", "#AAA+#KK#", "#########"]
    assert_error(with_grid(rows), 19, 6,
                 "fridge touches no room", "grid cell [1, 5]")


def test_furniture_touching_two_rooms() -> None:
    rows = ["#######", "#AbKKf#", "#AA+KK#", "#######"]
    assert_error(with_grid(rows), 19, 3, "bed touches rooms ['A', 'K']", "exactly one room")


def test_unreachable_room_points_at_its_first_cell() -> None:
    rows = ["#######", "#AbA#f#", "#AAA#K#", "#######"]
    assert_error(with_grid(rows), 20, 6, "room K (kitchen) is unreachable", "grid cell [2, 5]")


def test_grid_written_with_escapes_reports_the_cells_value() -> None:
    text = FLAT[: FLAT.index("cells")] + r'cells = "#######\n#AbA#z#\n#AAA+K#\n#######"' + "\n"
    assert_error(text, 17, 9, "unknown glyph 'z'", "grid cell [1, 5]")


# ---------------------------------------------------------------------- objects
@pytest.mark.parametrize("at, words", [
    ("[0, 0]", ("pillow lies on a wall cell",)),
    ("[2, 4]", ("pillow lies on a door_closed cell", "floor or furniture")),
    ("[1, 5]", ("pillow lies on a fridge, which holds no objects",)),
    ("[9, 9]", ("pillow lies outside the 4x7 grid",)),
    ("[-1, 2]", ("outside",)),
])
def test_misplaced_object_points_at_its_at_line(at: str, words: tuple[str, ...]) -> None:
    assert_error(FLAT.replace("at = [1, 2]", f"at = {at}"), 14, 6, *words)


def test_two_objects_on_one_cell_points_at_the_second() -> None:
    extra = '[[objects]]\nkind = "book"\ncolor = "red"\nat = [1, 2]\n\n[grid]'
    assert_error(FLAT.replace("[grid]", extra), 19, 6, "two objects on one cell",
                 "pillow and book")


def test_object_errors_win_only_when_the_grid_is_sound() -> None:
    rows = ["#######", "#AbA#f#", "#AAA#K#", "#######"]
    err = error_of(with_grid(rows).replace("at = [1, 2]", "at = [0, 0]"))
    assert "unreachable" in err.message and err.line == 20


# ---------------------------------------------------------------------- robustness
_ALPHABET = list('#+/ABKbfzZ[]{}="\'\n.,0123456789-_ \t\\') + ['"""', "[[objects]]"]


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """``FLAT`` after one to three random edits of characters or lines."""
    text = FLAT
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "drop_line", "dup_line"]))
        if op in ("drop_line", "dup_line"):
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [] if op == "drop_line" else [lines[i], lines[i]]
            text = "\n".join(lines)
            continue
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from(_ALPHABET))
        if op == "replace":
            text = text[:i] + char + text[i + 1:]
        elif op == "insert":
            text = text[:i] + char + text[i:]
        else:
            text = text[:i] + text[i + 1:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_text())
def test_mutated_maps_load_or_raise_map_error_inside_the_file(text: str) -> None:
    try:
        house = loads_house(text, "m.toml")
    except MapError as err:
        lines = text.split("\n")
        assert 1 <= err.line <= len(lines) and 1 <= err.col <= len(lines[err.line - 1]) + 1
        return
    assert loads_house(dumps_house(house)) == house
