"""The action set, in Minigrid's order so muscle memory transfers."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from vlnenv.errors import EnvError


class Action(IntEnum):
    """``Discrete(7)`` actions. Pickup, drop and toggle act on the cell in front; stop
    ends the episode and success is judged there (as R2R and Habitat do)."""

    TURN_LEFT = 0
    TURN_RIGHT = 1
    FORWARD = 2
    PICKUP = 3
    DROP = 4
    TOGGLE = 5
    STOP = 6

    @property
    def word(self) -> str:
        return self.name.lower()


_N_ACTIONS = len(Action)


def as_action(action: object) -> int:
    """The action index of what was passed to ``step``.

    Accepted, with a value in ``0..6``: a Python ``int`` or :class:`Action`, a
    ``numpy.integer`` scalar (``np.int64(2)``), a 0-d integer array (``np.array(2)``). Refused, with
    :class:`~vlnenv.errors.EnvError`: floats (``2.5``, and also ``2.0``), strings
    (``"2"``, ``"forward"``), ``None``, booleans, and arrays with any dimension
    (``np.array([2])``).

    Raises:
        EnvError: the action is not one of the above.
    """
    if type(action) is int and 0 <= action < _N_ACTIONS:  # the common case, at once
        return action
    value = action
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise EnvError(f"action {brief(action)}; expected an integer in 0..{len(Action) - 1} "
                       "(an int, a numpy integer or a 0-d integer array)")
    if not 0 <= int(value) < len(Action):
        raise EnvError(f"action {int(value)} is out of range; expected an integer in "
                       f"0..{len(Action) - 1}")
    return int(value)


def brief(value: object, limit: int = 60) -> str:
    """``value`` described on one short line for an error message: an array by its shape
    and dtype, anything else by its ``repr`` (cut at ``limit`` characters) and type."""
    if isinstance(value, np.ndarray):
        return f"(array of shape {value.shape}, dtype {value.dtype})"
    text = repr(value)
    text = text if len(text) <= limit else text[:limit] + "..."
    return f"{text} ({type(value).__name__})"
