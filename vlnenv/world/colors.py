"""The closed catalogue of object colours and their RGB values."""

from __future__ import annotations

from enum import IntEnum


class Color(IntEnum):
    """Colours a small object can have. The name (lower case) is the word used in files
    and instructions."""

    RED = 0
    ORANGE = 1
    YELLOW = 2
    GREEN = 3
    BLUE = 4
    PURPLE = 5
    PINK = 6
    BROWN = 7
    WHITE = 8
    BLACK = 9

    @property
    def word(self) -> str:
        return self.name.lower()


#: RGB of each colour, chosen to stay distinguishable on every floor tile at 8 px.
COLOR_RGB: dict[Color, tuple[int, int, int]] = {
    Color.RED: (230, 30, 30),
    Color.ORANGE: (255, 140, 0),
    Color.YELLOW: (250, 225, 30),
    Color.GREEN: (30, 190, 50),
    Color.BLUE: (30, 90, 255),
    Color.PURPLE: (150, 40, 210),
    Color.PINK: (255, 120, 200),
    Color.BROWN: (130, 75, 25),
    Color.WHITE: (250, 250, 250),
    Color.BLACK: (15, 15, 15),
}
