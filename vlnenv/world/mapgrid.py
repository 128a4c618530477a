"""The ``[grid]`` of a map file: its rows, where each cell sits in the file, its layers.

Grid coordinates are 0-based ``[row, col]``, as in ``[[objects]] at``; file positions are
1-based lines and columns of the original text. TOML drops the newline right after an
opening triple quote, so the first row usually starts on the line after ``cells = \"\"\"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vlnenv.errors import MapError
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import Cell
from vlnenv.world.toml_positions import Spot, Spots

_FIXED = {"#": Cell.WALL, "+": Cell.DOOR_CLOSED, "/": Cell.DOOR_OPEN}
_CELLS: tuple[str | int, ...] = ("grid", "cells")
#: Most rows, and most cells in a row, of a house's grid (the generator's limit too);
#: checked before the rows are read, so a huge grid costs no time.
MAX_HOUSE_SIDE = 256


@dataclass(frozen=True)
class Grid:
    """The rows of a grid and where they are written.

    Attributes:
        rows: the grid rows, top to bottom, all of one length.
        origins: file position of the first cell of each row, or ``None`` when the
            string cannot be mapped back to the text (escapes, inline tables).
        fallback: where the ``cells`` value starts; used when ``origins`` is ``None``.
    """

    rows: tuple[str, ...]
    origins: tuple[Spot, ...] | None
    fallback: Spot

    def spot(self, row: int, col: int) -> Spot:
        """The file position of grid cell ``(row, col)``."""
        if self.origins is None or not 0 <= row < len(self.origins):
            return self.fallback
        origin = self.origins[row]
        return Spot(origin.line, origin.col + col)

    def layers(
        self, letters: list[str], furniture: dict[str, Furniture]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The structure, room-index and furniture layers of a checked grid.

        Args:
            letters: room letters; a letter's index in this list is its room index.
            furniture: glyph -> furniture kind.
        """
        shape = (len(self.rows), len(self.rows[0]))
        structure = np.zeros(shape, np.uint8)
        room_map = np.full(shape, -1, np.int16)
        furn = np.full(shape, -1, np.int16)
        index = {letter: i for i, letter in enumerate(letters)}
        for r, row in enumerate(self.rows):
            for c, ch in enumerate(row):
                if ch in _FIXED:
                    structure[r, c] = _FIXED[ch]
                elif ch in index:
                    structure[r, c] = Cell.FLOOR
                    room_map[r, c] = index[ch]
                else:
                    structure[r, c] = Cell.FURNITURE
                    furn[r, c] = furniture[ch]
        return structure, room_map, furn


def read_grid(
    cells: str, text: str, spots: Spots, path: str, letters: list[str], glyphs: list[str]
) -> Grid:
    """Split and check the ``cells`` string: not empty, rectangular, known glyphs only.

    Blank lines before the first row and after the last are ignored.

    Args:
        cells: the parsed ``cells`` string.
        text: the whole file text (``\\n`` line ends), to locate the rows.
        spots: key positions of the file.
        path: file name for errors.
        letters: declared room letters.
        glyphs: declared furniture glyphs.

    Raises:
        MapError: at the offending cell; at ``cells`` for a grid larger than
            :data:`MAX_HOUSE_SIDE` on a side.
    """
    raw = cells.split("\n")
    first = next((i for i, row in enumerate(raw) if row), len(raw))
    last = max((i for i, row in enumerate(raw) if row), default=-1)
    height, width = last - first + 1, max((len(row) for row in raw), default=0)
    if max(height, width) > MAX_HOUSE_SIDE:
        raise _error(f"the grid is {height}x{width} cells; expected at most {MAX_HOUSE_SIDE} "
                     f"rows of at most {MAX_HOUSE_SIDE} cells (MAX_HOUSE_SIDE)", path,
                     spots.find(_CELLS))
    origins = _row_origins(cells, text, spots)
    grid = Grid(
        tuple(raw[first : last + 1]),
        None if origins is None else tuple(origins[first : last + 1]),
        spots.find(_CELLS),
    )
    if not grid.rows:
        raise _error("the grid is empty; expected rows of cells between the triple quotes",
                     path, grid.fallback)
    _check_rectangular(grid, path)
    _check_glyphs(grid, path, letters, glyphs)
    return grid


def _row_origins(cells: str, text: str, spots: Spots) -> list[Spot] | None:
    """File positions of the first cell of each line of ``cells``, if they can be known."""
    if not spots.has(_CELLS):
        return None
    value = spots.find(_CELLS)
    lines = text.split("\n")
    line = lines[value.line - 1]
    at = value.col - 1
    if line.startswith(('"""', "'''"), at):
        start = Spot(value.line + 1, 1) if at + 3 == len(line) else Spot(value.line, at + 4)
    else:
        start = Spot(value.line, at + 2)
    offset = sum(len(x) + 1 for x in lines[: start.line - 1]) + start.col - 1
    if text[offset : offset + len(cells)] != cells:
        return None
    count = cells.count("\n") + 1
    return [start] + [Spot(start.line + k, 1) for k in range(1, count)]


def _check_rectangular(grid: Grid, path: str) -> None:
    """Every row as long as the first."""
    width = len(grid.rows[0])
    for r, row in enumerate(grid.rows):
        if len(row) != width:
            raise _error(f"grid row {r} has {len(row)} cells but row 0 has {width}; expected "
                         f"every row to have {width} cells", path,
                         grid.spot(r, min(len(row), width)))


def _check_glyphs(grid: Grid, path: str, letters: list[str], glyphs: list[str]) -> None:
    """Every cell a wall, a door, a declared room letter or a declared furniture glyph."""
    valid = set(_FIXED) | set(letters) | set(glyphs)
    for r, row in enumerate(grid.rows):
        for c, ch in enumerate(row):
            if ch not in valid:
                rooms = ", ".join(letters) or "none declared"
                furniture = ", ".join(glyphs) or "none declared"
                raise _error(f"unknown glyph {ch!r} at grid cell [{r}, {c}]; expected '#' wall, "
                             f"'+' closed door, '/' open door, a room letter from [rooms] "
                             f"({rooms}) or a furniture glyph from [furniture] ({furniture})",
                             path, grid.spot(r, c))


def _error(message: str, path: str, spot: Spot) -> MapError:
    return MapError(message, path, spot.line, spot.col)
