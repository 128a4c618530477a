"""The project's exception types.

Every error says what was wrong, where, and what was expected. ``MapError`` carries the
file, line and column of the offending text so that ``str(err)`` reads as
``path:line:col: found ...; expected ...`` (the form compilers and linters use).
"""

from __future__ import annotations


class VLNError(Exception):
    """Base class of every error raised by vlnenv."""


class MapError(VLNError):
    """A map file (or map text) that cannot be turned into a valid house.

    Args:
        message: what is wrong, including what was found and what was expected.
        path: the file (or ``"<string>"`` for text not read from a file).
        line: 1-based line in the file, or ``None`` when the error concerns the whole file.
        col: 1-based column, or ``None``.
    """

    def __init__(
        self, message: str, path: str = "<string>", line: int | None = None, col: int | None = None
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class HouseError(VLNError):
    """A house that breaks an invariant (found in memory, not in a file).

    Args:
        message: what is wrong and what was expected.
        cell: the (row, col) cell concerned, if any.
    """

    def __init__(self, message: str, cell: tuple[int, int] | None = None) -> None:
        self.message = message
        self.cell = cell
        super().__init__(message if cell is None else f"cell {cell}: {message}")


class UnreachableGoalError(VLNError):
    """The expert was asked for a path to goal cells that cannot be reached."""


class TaskError(VLNError):
    """A task or episode that cannot be sampled, or a malformed episode record."""


class SuiteError(VLNError):
    """A suite spec, build or built suite that is wrong: names the file (and field) and
    what was expected."""


class MetricError(VLNError, ValueError):
    """A metric or statistic asked of inputs on which it is undefined (empty path,
    empty goal, bad threshold, mismatched samples)."""


class GeneratorError(VLNError, ValueError):
    """A generator config (or seed) that cannot produce houses; names the field and what
    was expected."""


class EvaluationError(VLNError):
    """An evaluation asked for episodes that do not exist, or a policy that misbehaved."""


class PolicyError(VLNError):
    """A policy run without what it needs (an info key, a valid argument)."""


class OutputError(VLNError):
    """An output path that cannot be written as asked: a file where a folder is wanted (or
    the reverse), earlier results that would be replaced without ``--force``, a folder that
    cannot be created."""


class EnvError(VLNError, ValueError):
    """An environment called with what it does not accept: an action outside the action
    space, an unknown or malformed ``reset`` option, a bad constructor setting."""


class RenderError(VLNError, ValueError):
    """An image that the renderer could not have drawn (wrong shape, or a tile that is in
    no atlas), given to something that reads images back."""


class ParseError(VLNError):
    """English that :func:`vlnenv.language.parse` cannot turn into exactly one task: the
    message quotes what was not understood and what was expected."""


class UnknownWordError(ParseError):
    """Words outside the parser's vocabulary; each is named with its position (1-based
    word number) and the nearest known words.

    Args:
        unknown: ``(position, word, nearest known words)`` per unknown word.
    """

    def __init__(self, unknown: list[tuple[int, str, list[str]]]) -> None:
        self.unknown = unknown
        parts = []
        for pos, word, near in unknown:
            hint = f" (did you mean {' or '.join(repr(w) for w in near)}?)" if near else ""
            parts.append(f"{word!r} at word {pos}{hint}")
        super().__init__("unknown word" + ("s " if len(unknown) > 1 else " ")
                         + "; ".join(parts))


class AmbiguousReferenceError(ParseError):
    """A description that fits several rooms or objects of the house: says which and asks
    the user to say which."""


class MissingReferentError(ParseError):
    """A description that fits nothing in the house (no such room or object)."""


class RouteError(ParseError):
    """A route description the house cannot follow from the start pose (or one given
    without a start pose)."""
