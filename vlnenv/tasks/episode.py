"""Episode records (R2R-like), stored as JSON Lines: one episode per line.

Fields:

* ``episode_id`` (str): unique within a split.
* ``house`` (str): the house's id (its map file's stem within the suite, or a name).
* ``start`` ([row, col, heading]): the start pose.
* ``instruction`` (str): the English instruction shown to the agent.
* ``task`` (object): the structured task (see :mod:`vlnenv.language.instructions`).
* ``reference_path`` ([[row, col], ...]): the cells an expert walks, start included.
* ``goal`` ([[row, col], ...]): the cells where stopping counts as arrived.
* ``max_steps`` (int): the step budget (see :func:`vlnenv.tasks.sample.max_steps_for`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlnenv.errors import TaskError
from vlnenv.fileio import write_text_atomic

Cell = tuple[int, int]

#: Longest ``instruction`` of a record, in characters (the longest shipped is 541).
MAX_INSTRUCTION_TEXT = 4096
#: Largest ``max_steps`` of a record: above any budget :func:`max_steps_for` gives on the
#: largest house a map file may hold (256x256 cells).
MAX_EPISODE_STEPS = 1_000_000

FIELDS: tuple[str, ...] = (
    "episode_id", "house", "start", "instruction", "task", "reference_path", "goal",
    "max_steps",
)


@dataclass(frozen=True)
class Episode:
    """One episode record."""

    episode_id: str
    house: str
    start: tuple[int, int, int]
    instruction: str
    task: dict[str, Any]
    reference_path: tuple[Cell, ...]
    goal: tuple[Cell, ...]
    max_steps: int

    @property
    def family(self) -> str:
        return str(self.task["family"])

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-able dict with fields in :data:`FIELDS` order."""
        return {
            "episode_id": self.episode_id,
            "house": self.house,
            "start": list(self.start),
            "instruction": self.instruction,
            "task": self.task,
            "reference_path": [list(c) for c in self.reference_path],
            "goal": [list(c) for c in self.goal],
            "max_steps": self.max_steps,
        }

    def dumps(self) -> str:
        """One JSON Lines line (no newline), compact and key-ordered, so files are
        byte-identical across machines."""
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_json(cls, data: Any, where: str = "episode") -> Episode:
        """Validate and build a record; errors name ``where`` and the field."""
        if not isinstance(data, dict):
            raise TaskError(f"{where}: expected a JSON object, got {type(data).__name__}")
        missing = [f for f in FIELDS if f not in data]
        if missing:
            raise TaskError(f"{where}: missing field(s) {missing}; expected {list(FIELDS)}")
        extra = sorted(set(data) - set(FIELDS))
        if extra:
            raise TaskError(f"{where}: unknown field(s) {extra}; expected {list(FIELDS)}")
        for key in ("episode_id", "house", "instruction"):
            if not isinstance(data[key], str) or not data[key]:
                raise TaskError(f"{where}.{key}: expected a non-empty string, got "
                                f"{_brief(data[key])}")
        if len(data["instruction"]) > MAX_INSTRUCTION_TEXT:
            raise TaskError(f"{where}.instruction: {len(data['instruction']):,} characters; "
                            f"expected at most {MAX_INSTRUCTION_TEXT:,} (MAX_INSTRUCTION_TEXT)")
        start = data["start"]
        if not (_is_ints(start, 3) and 0 <= start[2] < 4):
            raise TaskError(f"{where}.start: expected [row, col, heading 0..3], got "
                            f"{_brief(start)}")
        if not isinstance(data["task"], dict) or "family" not in data["task"]:
            raise TaskError(f"{where}.task: expected an object with a 'family', "
                            f"got {_brief(data['task'])}")
        ref = _cells(data["reference_path"], f"{where}.reference_path")
        goal = _cells(data["goal"], f"{where}.goal")
        if not ref or not goal:
            raise TaskError(f"{where}: reference_path and goal must be non-empty")
        if ref[0] != (start[0], start[1]):
            raise TaskError(f"{where}.reference_path: must begin at the start cell "
                            f"{start[:2]}, begins at {list(ref[0])}")
        steps = data["max_steps"]
        if (not isinstance(steps, int) or isinstance(steps, bool)
                or not 1 <= steps <= MAX_EPISODE_STEPS):
            raise TaskError(f"{where}.max_steps: expected an integer in 1..{MAX_EPISODE_STEPS:,} "
                            f"(MAX_EPISODE_STEPS), got {_brief(steps)}")
        return cls(data["episode_id"], data["house"], (start[0], start[1], start[2]),
                   data["instruction"], data["task"], ref, goal, steps)


def _brief(value: Any) -> str:
    """``repr(value)`` cut to 80 characters, for one-line messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def _is_ints(value: Any, n: int) -> bool:
    return (isinstance(value, list) and len(value) == n
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


def _cells(value: Any, where: str) -> tuple[Cell, ...]:
    if not isinstance(value, list):
        raise TaskError(f"{where}: expected a list of [row, col], got {type(value).__name__}")
    for i, cell in enumerate(value):
        if not _is_ints(cell, 2):
            raise TaskError(f"{where}[{i}]: expected [row, col], got {_brief(cell)}")
    return tuple((c[0], c[1]) for c in value)


def loads_episodes(text: str, path: str = "<string>") -> list[Episode]:
    """Parse JSON Lines text; errors name ``path:line`` and the field."""
    episodes = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            raise TaskError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        except RecursionError:
            raise TaskError(f"{where}: JSON nested too deeply; expected an episode record "
                            "(an object of plain fields)") from None
        ep = Episode.from_json(data, where)
        if ep.episode_id in seen:
            raise TaskError(f"{where}.episode_id: {ep.episode_id!r} already used on line "
                            f"{seen[ep.episode_id]}")
        seen[ep.episode_id] = lineno
        episodes.append(ep)
    return episodes


def read_episodes(path: str | os.PathLike[str]) -> list[Episode]:
    """Read and validate a JSON Lines file of episodes."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TaskError(f"{path}: cannot read episodes ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise TaskError(f"{path}: the byte at offset {err.start} is not UTF-8; expected "
                        "JSON Lines text in UTF-8") from None
    return loads_episodes(text, str(path))


def dumps_episodes(episodes: Iterable[Episode]) -> str:
    """JSON Lines text, one record per line, newline-terminated."""
    return "".join(ep.dumps() + "\n" for ep in episodes)


def write_episodes(path: str | os.PathLike[str], episodes: Iterable[Episode]) -> None:
    """Write episodes atomically (temporary file in the same folder, then rename)."""
    write_text_atomic(path, dumps_episodes(episodes))
