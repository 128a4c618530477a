"""Reading the fields of a stored task (the JSON form of an instruction, see
:func:`vlnenv.language.instructions.instruction_from_task`): each reader returns the value
or raises :class:`~vlnenv.errors.TaskError` naming the field's place (``where``, e.g.
``"ep-3.task.object.cell"``) and what was expected.
"""

from __future__ import annotations

from typing import Any

from vlnenv.errors import TaskError
from vlnenv.world.house import House, Pos


def task_field(task: dict[str, Any], key: str, where: str) -> Any:
    """``task[key]``; raises :class:`TaskError` at ``where`` when ``task`` is not a dict or
    lacks ``key``."""
    if not isinstance(task, dict):
        raise TaskError(f"{where}: expected a task object, got {type(task).__name__}")
    if key not in task:
        raise TaskError(f"{where}: missing field {key!r}")
    return task[key]


def task_cell(value: Any, where: str) -> Pos:
    """A ``[row, col]`` pair of ints as a cell; raises :class:`TaskError` at ``where``."""
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise TaskError(f"{where}: expected a cell [row, col], got {value!r}")
    return (value[0], value[1])


def task_room(house: House, letter: Any, where: str) -> int:
    """The index of the room with ``letter``; raises :class:`TaskError` listing the
    house's rooms."""
    try:
        return house.room_index(letter)
    except KeyError:
        letters = [r.letter for r in house.rooms]
        raise TaskError(f"{where}: no room {letter!r} in house {house.name!r} "
                        f"(rooms: {letters})") from None


def task_enum(enum: Any, word: Any, where: str) -> Any:
    """The member of ``enum`` that ``word`` names; raises :class:`TaskError` listing the
    valid words."""
    try:
        return enum.from_word(word) if hasattr(enum, "from_word") else enum[word.upper()]
    except (KeyError, AttributeError):
        valid = [m.name.lower() for m in enum]
        raise TaskError(f"{where}: unknown {enum.__name__} {word!r}; expected one of "
                        f"{valid}") from None
