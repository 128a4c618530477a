"""The closed catalogue of furniture kinds.

Furniture blocks movement; kinds with ``holds_objects`` can carry small objects on top.
"""

from __future__ import annotations

from enum import IntEnum


class Furniture(IntEnum):
    """Furniture kinds. The name (lower case) is the word used in map files."""

    BED = 0
    NIGHTSTAND = 1
    WARDROBE = 2
    DRESSER = 3
    DESK = 4
    BOOKSHELF = 5
    SOFA = 6
    ARMCHAIR = 7
    COFFEE_TABLE = 8
    TV_STAND = 9
    TABLE = 10
    COUNTER = 11
    FRIDGE = 12
    STOVE = 13
    SINK = 14
    TOILET = 15
    BATHTUB = 16
    SHOWER = 17
    WASHING_MACHINE = 18
    DRYER = 19
    CRIB = 20
    TREADMILL = 21
    WORKBENCH = 22
    CABINET = 23
    PLANT = 24

    @property
    def word(self) -> str:
        """The map-file spelling, e.g. ``coffee_table``."""
        return self.name.lower()

    @property
    def holds_objects(self) -> bool:
        """Whether small objects can lie on this furniture."""
        return self in HOLDERS

    @classmethod
    def from_word(cls, word: str) -> Furniture:
        """Parse a map-file spelling; raises ``KeyError`` for unknown words."""
        return cls[word.upper()]


#: Furniture that small objects can lie on.
HOLDERS: frozenset[Furniture] = frozenset(
    {
        Furniture.BED,
        Furniture.NIGHTSTAND,
        Furniture.DRESSER,
        Furniture.DESK,
        Furniture.BOOKSHELF,
        Furniture.SOFA,
        Furniture.ARMCHAIR,
        Furniture.COFFEE_TABLE,
        Furniture.TV_STAND,
        Furniture.TABLE,
        Furniture.COUNTER,
        Furniture.STOVE,
        Furniture.WASHING_MACHINE,
        Furniture.DRYER,
        Furniture.CRIB,
        Furniture.WORKBENCH,
        Furniture.CABINET,
    }
)
