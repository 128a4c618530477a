"""Map-file limits and reading: a size cap checked before parsing, the TOML layer's
messages say what was expected, a UTF-8 byte-order mark is accepted, an unreadable file
is a MapError."""

import pytest

from vlnenv.errors import MapError
from vlnenv.world.mapfile import MAX_MAP_BYTES, MAX_OBJECTS, load_house, loads_house
from vlnenv.world.mapgrid import MAX_HOUSE_SIDE


def square_house(side: int) -> str:
    rows = ["#" * side] + ["#" + "A" * (side - 2) + "#"] * (side - 2) + ["#" * side]
    return 'name = "big"\n[rooms]\nA = "bedroom"\n[grid]\ncells = """\n' + "\n".join(rows) + \
        '\n"""\n'


def test_the_largest_allowed_house_loads():
    house = loads_house(square_house(MAX_HOUSE_SIDE))
    assert (house.height, house.width) == (256, 256)


def test_a_grid_past_the_side_limit_is_refused_at_the_cells_key():
    with pytest.raises(MapError, match=r"^<string>:5:9: the grid is 257x257 cells; expected at "
                                       r"most 256 rows"):
        loads_house(square_house(MAX_HOUSE_SIDE + 1))


def test_a_map_past_the_byte_limit_is_refused_before_it_is_parsed(tmp_path):
    text = square_house(1500)  # 2.25 MB, 18 s to load before the cap
    with pytest.raises(MapError, match=r"2,251,558 characters; expected a map of at most "
                                       r"262,144"):
        loads_house(text)
    path = tmp_path / "huge.toml"
    path.write_text(text)
    with pytest.raises(MapError, match=r"huge.toml: 2,251,558 bytes; expected a map file of "
                                       r"at most 262,144"):
        load_house(path)
    assert MAX_MAP_BYTES == 262_144


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + square_house(5).encode())
    assert load_house(path).height == 5
    assert loads_house("\ufeff" + square_house(5)).width == 5


@pytest.mark.parametrize("text, message", [
    ("name = \n", "Invalid value; found the end of the line; expected a value: a quoted "
                  "string"),
    ('name = "x\n', "expected the closing quote on the same line"),
    ("a = 1\na = 2\n", "Cannot overwrite a value; found the end of the line; expected each "
                       "key given once"),
    ("= 1\n", "expected"),
])
def test_toml_errors_say_what_was_expected(text, message):
    with pytest.raises(MapError) as info:
        loads_house(text)
    assert message in str(info.value)
    assert "; expected" in str(info.value)


def test_a_missing_file_or_a_folder_is_a_map_error(tmp_path):
    with pytest.raises(MapError, match=r"nosuch.toml: cannot read the file \(No such file or "
                                       r"directory\); expected a readable map file"):
        load_house(tmp_path / "nosuch.toml")
    with pytest.raises(MapError, match="cannot read the file"):
        load_house(tmp_path)


def test_more_objects_than_the_cap_are_refused_before_any_is_read():
    grid = square_house(40).split("[grid]")
    objects = '[[objects]]\nkind = "cup"\ncolor = "red"\nat = [1, 1]\n' * (MAX_OBJECTS + 1)
    with pytest.raises(MapError, match=r"1,025 \[\[objects\]\] entries; expected at most 1,024"):
        loads_house(grid[0] + objects + "[grid]" + grid[1])
