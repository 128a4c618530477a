"""Map files: hand-made houses as TOML text (``maps/houses/*.toml``).

The format (DESIGN.md, "Map files")::

    name = "two-bedroom apartment"

    [rooms]            # one uppercase letter per room -> room type word
    A = "bedroom"

    [furniture]        # one lowercase glyph per furniture kind -> furniture word
    b = "bed"

    [[objects]]        # small objects: kind, colour, 0-based [row, col] of the grid
    kind = "pillow"
    color = "white"
    at = [1, 2]

    [grid]
    cells = \"\"\"
    #####
    #AbA#
    #####
    \"\"\"

``#`` wall, ``+`` closed door, ``/`` open door, uppercase letter: floor of that room,
lowercase letter: furniture. Room indices follow the letters in alphabetical order.
Every problem raises :class:`~vlnenv.errors.MapError` naming the file, the line and
column in the original text, what was found and what was expected.
:func:`dumps_house` writes the canonical form: rooms sorted by letter, furniture by
glyph, objects by cell, keys in the order above, so that ``loads_house(dumps_house(h))
== h`` for every house whose rooms are in letter order (every loaded house).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from vlnenv.errors import HouseError, MapError
from vlnenv.fileio import write_text_atomic
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import Cell, House, Item, Room
from vlnenv.world.mapgrid import Grid, read_grid
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType
from vlnenv.world.toml_errors import parse_toml
from vlnenv.world.toml_positions import KeyPath, Spots, locate

_TOP_KEYS = ("name", "rooms", "furniture", "objects", "grid")
_OBJECT_KEYS = ("kind", "color", "at")
_GRID_KEYS = ("cells",)
#: Largest map file (or map text) read, in bytes (characters for text): checked before
#: anything is parsed. A 256x256 grid takes 66 kB, the most objects about 50 kB more; the
#: largest shipped map is 6.5 kB.
MAX_MAP_BYTES = 262_144
#: Most ``[[objects]]`` entries in a map (the generator places a few dozen); checked
#: before any entry is read.
MAX_OBJECTS = 1024
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


# ---------------------------------------------------------------------- public API
def loads_house(text: str, path: str = "<string>") -> House:
    """Build a house from map-file text.

    Args:
        text: the TOML text of a map file.
        path: the file name used in error messages.

    Returns:
        The validated house.

    Raises:
        MapError: for any malformed text, with the line and column of the problem.
        TypeError: if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"map text must be a str, got {type(text).__name__}")
    if len(text) > MAX_MAP_BYTES:
        raise MapError(f"{len(text):,} characters; expected a map of at most "
                       f"{MAX_MAP_BYTES:,} (MAX_MAP_BYTES)", str(path))
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark, as some editors write
    text = text.replace("\r\n", "\n")  # as tomllib does, so positions agree with it
    src = _Source(text, str(path), parse_toml(text, str(path)), locate(text))
    return src.build()


def load_house(path: str | os.PathLike[str]) -> House:
    """Read a map file (UTF-8, with or without a byte-order mark) and build its house.

    Raises:
        MapError: for malformed content, bytes that are not UTF-8, a file larger than
            :data:`MAX_MAP_BYTES` (checked before it is read), or a file that cannot be
            read (missing, a folder, no permission).
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_MAP_BYTES:
                raise MapError(f"{size:,} bytes; expected a map file of at most "
                               f"{MAX_MAP_BYTES:,} (MAX_MAP_BYTES)", name)
            data = fh.read(MAX_MAP_BYTES + 1)
    except OSError as err:
        raise MapError(f"cannot read the file ({err.strerror or err}); expected a readable "
                       "map file (.toml)", name) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        col = len(data[line_start : err.start].decode("utf-8", "replace")) + 1
        raise MapError(f"found byte 0x{data[err.start]:02x}, which is not UTF-8; expected "
                       "UTF-8 text", name, line, col) from None
    return loads_house(text, name)


def dumps_house(house: House) -> str:
    """The canonical map-file text of ``house``.

    Raises:
        HouseError: if a room letter cannot be written (not a single letter A-Z).
    """
    rooms = sorted(house.rooms, key=lambda room: room.letter)
    for room in rooms:
        if len(room.letter) != 1 or room.letter not in _UPPER:
            raise HouseError(f"room letter {room.letter!r} cannot be written to a map file; "
                             "expected a single letter A-Z")
    lines = [f"name = {_quote(house.name)}", "", "[rooms]"]
    lines += [f"{room.letter} = {_quote(room.type.word)}" for room in rooms]
    lines += ["", "[furniture]"]
    glyphs = sorted(house.furniture_glyphs.items(), key=lambda kv: kv[1])
    lines += [f"{glyph} = {_quote(kind.word)}" for kind, glyph in glyphs]
    for item in house.objects:
        lines += ["", "[[objects]]", f"kind = {_quote(item.kind.word)}",
                  f"color = {_quote(item.color.word)}", f"at = [{item.cell[0]}, {item.cell[1]}]"]
    lines += ["", "[grid]", 'cells = """', *_grid_rows(house), '"""']
    return "\n".join(lines) + "\n"


def save_house(house: House, path: str | os.PathLike[str]) -> None:
    """Write ``house`` to ``path`` atomically: the file is either the old one or the new one.

    The text is written to a temporary file in the same directory, flushed to disk and
    moved over ``path``; on any error the temporary file is removed and ``path`` is left
    as it was.
    """
    write_text_atomic(path, dumps_house(house))


# ---------------------------------------------------------------------- writing helpers
def _quote(text: str) -> str:
    """A TOML basic string spelling ``text``."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _grid_rows(house: House) -> list[str]:
    """The grid rows of ``house`` in map glyphs."""
    glyph_of = {int(kind): glyph for kind, glyph in house.furniture_glyphs.items()}
    fixed = {Cell.WALL: "#", Cell.DOOR_CLOSED: "+", Cell.DOOR_OPEN: "/"}
    rows = []
    for r in range(house.height):
        row = []
        for c in range(house.width):
            cell = Cell(int(house.structure[r, c]))
            if cell == Cell.FLOOR:
                row.append(house.rooms[int(house.room_map[r, c])].letter)
            elif cell == Cell.FURNITURE:
                row.append(glyph_of[int(house.furniture[r, c])])
            else:
                row.append(fixed[cell])
        rows.append("".join(row))
    return rows


# ---------------------------------------------------------------------- reading
def _kind(value: object) -> str:
    """A phrase naming the TOML type of ``value``."""
    if isinstance(value, bool):
        return "a boolean"
    names = {str: "a string", int: "an integer", float: "a float", dict: "a table",
             list: "an array"}
    return names.get(type(value), "a date or time")


@dataclass
class _Source:
    """One document being turned into a house: text, parsed data and positions."""

    text: str
    path: str
    doc: dict[str, Any]
    spots: Spots

    # ------------------------------------------------------------------ errors
    def error(self, message: str, where: KeyPath, part: str = "value") -> MapError:
        """A :class:`MapError` at the key or value of ``where``."""
        spot = self.spots.find(where, part)
        return MapError(message, self.path, spot.line, spot.col)

    def table(self, where: KeyPath, value: object, label: str, keys: tuple[str, ...]) -> dict:
        """Check that ``value`` is a table whose keys are all in ``keys``."""
        if not isinstance(value, dict):
            raise self.error(f"{label} must be a table, found {_kind(value)}", where)
        for key in value:
            if key not in keys:
                raise self.error(f"unexpected key {key!r} in {label}; expected only "
                                 f"{', '.join(keys)}", (*where, key), "key")
        return value

    def required(self, table: dict, where: KeyPath, key: str, label: str) -> Any:
        """The value of a required key, or an error at the enclosing table."""
        if key not in table:
            wanted = f"a [{key}] table" if key in ("rooms", "grid") else f"a line '{key} = ...'"
            raise self.error(f"missing key {key!r} in {label}; expected {wanted}", where, "key")
        return table[key]

    # ------------------------------------------------------------------ sections
    def build(self) -> House:
        """Check every section, then construct the house."""
        doc = self.table((), self.doc, "the top level", _TOP_KEYS)
        name = self.required(doc, (), "name", "the top level")
        if not isinstance(name, str):
            raise self.error(f"name must be a string, found {_kind(name)}", ("name",))
        rooms = self.rooms(self.required(doc, (), "rooms", "the top level"))
        furniture = self.furniture(doc.get("furniture", {}))
        items = self.objects(doc.get("objects", []))
        grid_table = self.table(("grid",), self.required(doc, (), "grid", "the top level"),
                                "[grid]", _GRID_KEYS)
        cells = self.required(grid_table, ("grid",), "cells", "[grid]")
        if not isinstance(cells, str):
            raise self.error(f"cells must be a multi-line string, found {_kind(cells)}",
                             ("grid", "cells"))
        grid = read_grid(cells, self.text, self.spots, self.path, sorted(rooms),
                         sorted(furniture))
        self.check_used(grid, rooms, furniture)
        return self.construct(name, grid, rooms, furniture, items)

    def rooms(self, value: object) -> dict[str, RoomType]:
        """Parse ``[rooms]``: letter -> room type."""
        words = {room.word: room for room in RoomType}
        table = self.legend(("rooms",), value, "[rooms]", _UPPER, "room type", words)
        if not table:
            raise self.error("[rooms] is empty; expected at least one room letter",
                             ("rooms",), "key")
        return table

    def furniture(self, value: object) -> dict[str, Furniture]:
        """Parse ``[furniture]``: glyph -> furniture kind, one glyph per kind."""
        words = {kind.word: kind for kind in Furniture}
        table = self.legend(("furniture",), value, "[furniture]", _LOWER, "furniture kind",
                            words)
        seen: dict[Furniture, str] = {}
        for glyph, kind in table.items():
            if kind in seen:
                raise self.error(f"furniture {kind.word!r} already has glyph {seen[kind]!r}; "
                                 "expected one glyph per furniture kind", ("furniture", glyph))
            seen[kind] = glyph
        return table

    def legend(self, where: KeyPath, value: object, label: str, letters: str, noun: str,
               words: dict[str, Any]) -> dict[str, Any]:
        """Parse a letter -> catalogue word table (``noun`` names what the words are)."""
        case = "uppercase" if letters == _UPPER else "lowercase"
        if not isinstance(value, dict):
            raise self.error(f"{label} must be a table, found {_kind(value)}", where)
        out = {}
        for key, word in value.items():
            if len(key) != 1 or key not in letters:
                raise self.error(f"{label} key {key!r} is not a single {case} letter; expected "
                                 f"one of {letters[0]}-{letters[-1]}", (*where, key), "key")
            if not isinstance(word, str):
                raise self.error(f"{label} value for {key!r} must be a {noun} word, found "
                                 f"{_kind(word)}", (*where, key))
            if word not in words:
                raise self.error(f"unknown {noun} {word!r} for {key!r}; expected one of: "
                                 f"{', '.join(words)}", (*where, key))
            out[key] = words[word]
        return out

    def objects(self, value: object) -> list[tuple[Item, int]]:
        """Parse the ``[[objects]]`` entries: (item, index of the entry)."""
        if not isinstance(value, list):
            raise self.error(f"objects must be an array of [[objects]] tables, found "
                             f"{_kind(value)}", ("objects",))
        if len(value) > MAX_OBJECTS:
            raise self.error(f"{len(value):,} [[objects]] entries; expected at most "
                             f"{MAX_OBJECTS:,} (MAX_OBJECTS)", ("objects",))
        return [(self.item(i, entry), i) for i, entry in enumerate(value)]

    def item(self, i: int, value: object) -> Item:
        """Parse one ``[[objects]]`` entry."""
        where: KeyPath = ("objects", i)
        entry = self.table(where, value, f"[[objects]] entry {i + 1}", _OBJECT_KEYS)
        label = f"[[objects]] entry {i + 1}"
        kind = self.word(entry, where, "kind", label, {k.word: k for k in ObjectKind})
        color = self.word(entry, where, "color", label, {c.word: c for c in Color})
        at = self.required(entry, where, "at", label)
        if not (isinstance(at, list) and len(at) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in at)):
            found = (f"an array of {', '.join(_kind(x) for x in at[:3]) or 'nothing'}"
                     if isinstance(at, list) else _kind(at))
            raise self.error(f"at must be [row, col], two integers, found {found}",
                             (*where, "at"))
        return Item((at[0], at[1]), kind, color)

    def word(self, entry: dict, where: KeyPath, key: str, label: str, words: dict[str, Any]) -> Any:
        """A catalogue word under ``key`` of an object entry."""
        word = self.required(entry, where, key, label)
        if not isinstance(word, str):
            raise self.error(f"{key} must be a string, found {_kind(word)}", (*where, key))
        if word not in words:
            raise self.error(f"unknown object {key} {word!r}; expected one of: "
                             f"{', '.join(words)}", (*where, key))
        return words[word]

    def check_used(self, grid: Grid, rooms: dict, furniture: dict) -> None:
        """Every declared room letter and furniture glyph appears in the grid."""
        used = set("".join(grid.rows))
        for where, table in ((("rooms",), rooms), (("furniture",), furniture)):
            for letter, kind in table.items():
                if letter not in used:
                    raise self.error(f"{letter!r} ({kind.word}) is declared in [{where[0]}] but "
                                     f"never used in the grid; expected at least one "
                                     f"{letter!r} cell or no declaration", (*where, letter), "key")

    # ------------------------------------------------------------------ the house
    def construct(self, name: str, grid: Grid, rooms: dict[str, RoomType],
                  furniture: dict[str, Furniture], items: list[tuple[Item, int]]) -> House:
        """Build the House, turning its HouseError into a MapError at the cause."""
        letters = sorted(rooms)
        room_list = [Room(letter, rooms[letter]) for letter in letters]
        structure, room_map, furn = grid.layers(letters, furniture)
        glyphs = {kind: glyph for glyph, kind in furniture.items()}
        args = (name, structure, room_list, room_map, furn)
        try:
            return House(*args, [item for item, _ in items], glyphs)
        except HouseError as err:
            try:
                House(*args, (), glyphs)
            except HouseError as grid_err:
                raise self.grid_error(grid, grid_err) from None
            raise self.object_error(err, items) from None

    def grid_error(self, grid: Grid, err: HouseError) -> MapError:
        """A MapError at the grid cell named by a HouseError."""
        if err.cell is None:
            spot = grid.fallback
            return MapError(err.message, self.path, spot.line, spot.col)
        spot = grid.spot(*err.cell)
        return MapError(f"{err.message} (grid cell [{err.cell[0]}, {err.cell[1]}])", self.path,
                        spot.line, spot.col)

    def object_error(self, err: HouseError, items: list[tuple[Item, int]]) -> MapError:
        """A MapError at the ``at`` of the (last) object entry on the HouseError's cell."""
        matching = [i for item, i in items if item.cell == err.cell]
        index = matching[-1] if matching else 0
        return self.error(f"{err.message} (at = [{err.cell[0]}, {err.cell[1]}])"
                          if err.cell else err.message, ("objects", index, "at"))
