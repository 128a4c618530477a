"""The closed catalogue of small object kinds (things the agent can pick up)."""

from __future__ import annotations

from enum import IntEnum


class ObjectKind(IntEnum):
    """Small object kinds. The name (lower case) is the word used in map files."""

    PILLOW = 0
    BLANKET = 1
    CUP = 2
    PLATE = 3
    BOWL = 4
    SPOON = 5
    APPLE = 6
    BANANA = 7
    BOTTLE = 8
    BOOK = 9
    PEN = 10
    LAPTOP = 11
    PHONE = 12
    REMOTE = 13
    KEYS = 14
    TOWEL = 15
    SOAP = 16
    TOOTHBRUSH = 17
    TOY = 18
    TEDDY_BEAR = 19
    BALL = 20
    SHOE = 21
    HAT = 22
    WRENCH = 23
    DUMBBELL = 24
    CANDLE = 25

    @property
    def word(self) -> str:
        """The map-file spelling, e.g. ``teddy_bear``."""
        return self.name.lower()

    @classmethod
    def from_word(cls, word: str) -> ObjectKind:
        """Parse a map-file spelling; raises ``KeyError`` for unknown words."""
        return cls[word.upper()]
