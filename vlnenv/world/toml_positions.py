"""Where keys and tables sit in TOML text, so map-file errors can name a line and column.

``tomllib`` returns plain dictionaries without source positions. :func:`locate` reads the
text line by line (after ``tomllib`` has accepted it) and records, for every table header
and every ``key = value`` line, the 1-based line and column of the key and of the value.
Paths are tuples of keys; the n-th ``[[name]]`` table of an array is ``("name", n)``.
Keys written inside inline tables or arrays are not recorded; :meth:`Spots.find` then
falls back to the nearest recorded enclosing key, so every lookup answers somewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

KeyPath = tuple[str | int, ...]

_KEY_PART = re.compile(r"""[ \t]*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')[ \t]*""")


@dataclass(frozen=True)
class Spot:
    """A 1-based (line, column) position in the text."""

    line: int
    col: int


@dataclass(frozen=True)
class Entry:
    """Where one key (or table header) and its value start."""

    key: Spot
    value: Spot


@dataclass
class Spots:
    """The recorded positions of one document.

    Attributes:
        entries: path -> where the key (or header) and its value start.
    """

    entries: dict[KeyPath, Entry] = field(default_factory=dict)

    def find(self, path: KeyPath, part: str = "value") -> Spot:
        """Position of ``path``'s value (``part="value"``) or key (``part="key"``).

        Falls back to the longest recorded prefix of ``path`` (the enclosing table or
        array), then to line 1, column 1.
        """
        for end in range(len(path), 0, -1):
            entry = self.entries.get(path[:end])
            if entry is not None:
                return entry.value if part == "value" and end == len(path) else entry.key
        return Spot(1, 1)

    def has(self, path: KeyPath) -> bool:
        """Whether ``path`` itself (not only an enclosing key) was recorded."""
        return path in self.entries


def locate(text: str) -> Spots:
    """Record where the tables and keys of TOML ``text`` are written.

    Args:
        text: a document ``tomllib`` accepts, with ``\\n`` line ends.

    Returns:
        The positions found; never raises for any string.
    """
    spots = Spots()
    table: KeyPath = ()
    array_counts: dict[KeyPath, int] = {}
    state = _Scan()
    for lineno, line in enumerate(text.split("\n"), start=1):
        if state.open_ml or state.depth:
            state.run(line, 0)
            continue
        start = len(line) - len(line.lstrip(" \t"))
        if start == len(line) or line[start] == "#":
            continue
        if line[start] == "[":
            header = _header(line, start)
            if header is not None:
                path, is_array = header
                if is_array:
                    index = array_counts.get(path, 0)
                    array_counts[path] = index + 1
                    path = (*path, index)
                table = path
                spot = Spot(lineno, start + 1)
                spots.entries[table] = Entry(spot, spot)
                continue
        key = _key(line, start)
        if key is None:
            state.run(line, start)
            continue
        parts, value_at = key
        spots.entries[(*table, *parts)] = Entry(Spot(lineno, start + 1), Spot(lineno, value_at + 1))
        state.run(line, value_at)
    return spots


def _header(line: str, start: int) -> tuple[tuple[str, ...], bool] | None:
    """Parse ``[a.b]`` or ``[[a.b]]`` at ``start``: (key parts, is array of tables)."""
    is_array = line.startswith("[[", start)
    parsed = _key_parts(line, start + (2 if is_array else 1))
    if parsed is None:
        return None
    parts, end = parsed
    closing = "]]" if is_array else "]"
    return (parts, is_array) if line.startswith(closing, end) else None


def _key(line: str, start: int) -> tuple[tuple[str, ...], int] | None:
    """Parse ``key = `` at ``start``: (key parts, index where the value starts)."""
    parsed = _key_parts(line, start)
    if parsed is None:
        return None
    parts, end = parsed
    if not line.startswith("=", end):
        return None
    end += 1
    while end < len(line) and line[end] in " \t":
        end += 1
    return parts, end


def _key_parts(line: str, pos: int) -> tuple[tuple[str, ...], int] | None:
    """Parse a dotted key starting at ``pos``: (parts, index after the key)."""
    parts: list[str] = []
    while True:
        match = _KEY_PART.match(line, pos)
        if match is None:
            return None
        part = _unquote(match.group(1))
        if part is None:
            return None
        parts.append(part)
        pos = match.end()
        if not line.startswith(".", pos):
            return tuple(parts), pos
        pos += 1


def _unquote(part: str) -> str | None:
    """The key a (possibly quoted) key part spells."""
    if part[0] == "'":
        return part[1:-1]
    if part[0] == '"':
        try:
            return next(iter(tomllib.loads(f"{part} = 0")))
        except (tomllib.TOMLDecodeError, StopIteration):
            return None
    return part


class _Scan:
    """Tracks, across lines, an open multi-line string and open brackets of a value."""

    def __init__(self) -> None:
        self.open_ml: str | None = None
        self.depth = 0

    def run(self, line: str, pos: int) -> None:
        """Scan ``line`` from ``pos``, updating the open string and bracket depth."""
        n = len(line)
        while pos < n:
            if self.open_ml:
                pos = self._close_ml(line, pos)
                continue
            ch = line[pos]
            if ch == "#":
                return
            if line.startswith('"""', pos) or line.startswith("'''", pos):
                self.open_ml = line[pos : pos + 3]
                pos += 3
            elif ch in "\"'":
                pos = _string_end(line, pos + 1, ch)
            else:
                self.depth += (ch in "[{") - (ch in "]}")
                self.depth = max(self.depth, 0)
                pos += 1

    def _close_ml(self, line: str, pos: int) -> int:
        """Index after the closing delimiter of the open string, or the line's end."""
        delim = self.open_ml or '"""'
        n = len(line)
        while pos < n:
            if delim == '"""' and line[pos] == "\\":
                pos += 2
                continue
            if line.startswith(delim, pos):
                end = pos + 3
                while end < n and end < pos + 5 and line[end] == delim[0]:
                    end += 1
                self.open_ml = None
                return end
            pos += 1
        return n


def _string_end(line: str, pos: int, quote: str) -> int:
    """Index after the closing ``quote`` of a one-line string whose body starts at ``pos``."""
    n = len(line)
    while pos < n:
        if quote == '"' and line[pos] == "\\":
            pos += 2
            continue
        if line[pos] == quote:
            return pos + 1
        pos += 1
    return n
