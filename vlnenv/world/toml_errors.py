"""tomllib's errors as :class:`~vlnenv.errors.MapError`: the line and column it names,
what was found there, and what was expected (tomllib's messages often lack that part,
which :data:`TOML_EXPECTED` supplies by a phrase of the message)."""

from __future__ import annotations

import re
from typing import Any

from vlnenv.errors import MapError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_TOML_AT = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.DOTALL)

#: What tomllib's messages lack: the expectation, by a phrase of the message.
TOML_EXPECTED: tuple[tuple[str, str], ...] = (
    ("invalid statement", "a `key = value` line, a [table] header or a comment"),
    ("invalid value", "a value: a quoted string, an integer, an [array] or an {inline table}"),
    ("unclosed", "the closing bracket or brace"),
    ("unterminated", "the closing quote"),
    ("illegal character '\\n'", "the closing quote on the same line (triple quotes for "
                                  "several lines)"),
    ("illegal character", "printable characters (escape control characters in strings)"),
    ("cannot declare", "each table declared once"),
    ("cannot overwrite", "each key given once"),
    ("cannot mutate", "each table declared once"),
)


def parse_toml(text: str, path: str) -> dict[str, Any]:
    """``tomllib.loads`` with its errors turned into :class:`MapError`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message, line, col = _toml_position(str(err), text)
        lines = text.split("\n")
        row = lines[line - 1] if line <= len(lines) else ""
        found = repr(row[col - 1]) if col <= len(row) else (
            "the end of the file" if line >= len(lines) else "the end of the line")
        raise MapError(f"not valid TOML: {message}; found {found}{_expected(message)}", path,
                       line, col) from None
    except (ValueError, RecursionError) as err:
        raise MapError(f"not valid TOML for a map file: {err}; expected plain tables, "
                       "strings and small integers", path, 1, 1) from None


def _expected(message: str) -> str:
    """``"; expected ..."`` for a tomllib message that does not say what was expected."""
    low = message.lower()
    if "expected" in low:
        return ""
    for phrase, expected in TOML_EXPECTED:
        if phrase in low:
            return f"; expected {expected}"
    return "; expected TOML: `key = value` lines, [table] headers, quoted strings"


def _toml_position(message: str, text: str) -> tuple[str, int, int]:
    """Split tomllib's ``"... (at line L, column C)"`` into (message, L, C)."""
    match = _TOML_AT.match(message)
    if match is None:
        return message, 1, 1
    if match.group(2) is None:  # "at end of document"
        lines = text.split("\n")
        return match.group(1), len(lines), len(lines[-1]) + 1
    return match.group(1), int(match.group(2)), int(match.group(3))
