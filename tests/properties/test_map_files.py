"""Property: map files built from random grids and random tables (rooms, furniture,
objects, name) give a house or a one-line ``MapError`` with ``path:line:col`` inside the
file, never another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vlnenv.errors import MapError
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.mapfile import dumps_house, loads_house
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

ROOMS = [r.word for r in RoomType]
FURNITURE = [f.word for f in Furniture]
KINDS = [o.word for o in ObjectKind]
COLORS = [c.word for c in Color]
#: Grid glyphs: walls, doors, two room letters, two furniture glyphs, and strangers.
GLYPHS = "#####+/AABab.? \t"

scalars = st.one_of(st.integers(-3, 300), st.text(max_size=6), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))


def toml_value(value: object) -> str:
    """A TOML literal for a str, int, float, bool or list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


@st.composite
def grids(draw) -> list[str]:
    """A bordered rectangle of room A with random cells changed, or a random block."""
    height, width = draw(st.integers(0, 9)), draw(st.integers(0, 11))
    if draw(st.booleans()):
        rows = [[draw(st.sampled_from(GLYPHS)) for _ in range(width)] for _ in range(height)]
    else:
        rows = [list("#" * width)] + [list("#" + "A" * max(width - 2, 0) + "#")
                                      for _ in range(max(height - 2, 0))] + [list("#" * width)]
        for _ in range(draw(st.integers(0, 4))):
            if rows and rows[0]:
                r = draw(st.integers(0, len(rows) - 1))
                c = draw(st.integers(0, len(rows[r]) - 1))
                rows[r][c] = draw(st.sampled_from(GLYPHS))
    if rows and draw(st.booleans()):  # ragged
        rows[draw(st.integers(0, len(rows) - 1))].append("A")
    return ["".join(row) for row in rows]


@st.composite
def map_files(draw) -> str:
    lines = []
    if draw(st.integers(0, 9)):
        lines.append(f"name = {toml_value(draw(st.one_of(st.text(max_size=12), scalars)))}")
    lines.append("[rooms]")
    rooms = draw(st.dictionaries(st.sampled_from(["A", "B", "a", "AB", "1", "C"]),
                                 st.one_of(st.sampled_from(ROOMS), scalars), max_size=3))
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in rooms.items()]
    lines.append("[furniture]")
    furniture = draw(st.dictionaries(st.sampled_from(["a", "b", "B", "#", "ab"]),
                                     st.one_of(st.sampled_from(FURNITURE), scalars), max_size=3))
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in furniture.items()]
    for _ in range(draw(st.integers(0, 3))):
        lines.append("[[objects]]")
        fields = {"kind": st.one_of(st.sampled_from(KINDS), scalars),
                  "color": st.one_of(st.sampled_from(COLORS), scalars),
                  "at": st.one_of(st.lists(st.integers(-2, 12), max_size=3), scalars),
                  "extra": scalars}
        for key, strategy in fields.items():
            if draw(st.integers(0, 7)):
                if key != "extra" or not draw(st.integers(0, 5)):
                    lines.append(f"{key} = {toml_value(draw(strategy))}")
    lines.append("[grid]")
    lines.append('cells = """')
    lines += draw(grids())
    lines.append('"""')
    return "\n".join(lines) + "\n"


def check(text: str) -> None:
    """``text`` loads (and round-trips) or raises a one-line MapError inside the file."""
    try:
        house = loads_house(text, "m.toml")
    except MapError as err:
        assert "\n" not in str(err) and str(err).startswith("m.toml:")
        lines = text.split("\n")
        if err.line is not None:
            assert 1 <= err.line <= len(lines)
            assert err.col is None or 1 <= err.col <= len(lines[err.line - 1]) + 1
        return
    assert loads_house(dumps_house(house)) == house


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(map_files())
def test_random_map_files_load_or_raise_a_one_line_map_error_inside_the_file(text: str) -> None:
    check(text)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(map_files())
def test_many_random_map_files_load_or_raise_a_one_line_map_error(text: str) -> None:
    check(text)
