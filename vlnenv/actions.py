"""The action set, in Minigrid's order so muscle memory transfers."""

from __future__ import annotations

from enum import IntEnum


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
