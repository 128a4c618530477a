"""The closed catalogue of room types."""

from __future__ import annotations

from enum import IntEnum


class RoomType(IntEnum):
    """Room types. The name (lower case) is the word used in map files."""

    BEDROOM = 0
    BATHROOM = 1
    KITCHEN = 2
    LIVING_ROOM = 3
    DINING_ROOM = 4
    OFFICE = 5
    HALLWAY = 6
    LAUNDRY_ROOM = 7
    GARAGE = 8
    NURSERY = 9
    GYM = 10
    PANTRY = 11
    MEETING_ROOM = 12

    @property
    def word(self) -> str:
        """The map-file spelling, e.g. ``living_room``."""
        return self.name.lower()

    @classmethod
    def from_word(cls, word: str) -> RoomType:
        """Parse a map-file spelling; raises ``KeyError`` for unknown words."""
        return cls[word.upper()]
