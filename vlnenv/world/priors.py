"""Room-type priors: which furniture and which small objects belong in which rooms.

The generator furnishes rooms from these tables and places objects where they belong;
instructions that name no room ("bring me a pillow") rely on them, so an agent can learn
that pillows are found in bedrooms and living rooms. ``signature`` furniture is what
makes a room recognisable (every generated bedroom has a bed); ``furniture`` lists the
rest that may appear; ``objects`` lists the small objects that live there.
"""

from __future__ import annotations

from dataclasses import dataclass

from vlnenv.world.furniture import Furniture as F
from vlnenv.world.objects import ObjectKind as O
from vlnenv.world.rooms import RoomType as R


@dataclass(frozen=True)
class RoomPrior:
    """What belongs in one room type.

    Attributes:
        signature: furniture every generated room of this type has (one piece each).
        furniture: further furniture that may appear.
        objects: small objects that live in this room type.
    """

    signature: tuple[F, ...]
    furniture: tuple[F, ...]
    objects: tuple[O, ...]


ROOM_PRIORS: dict[R, RoomPrior] = {
    R.BEDROOM: RoomPrior(
        (F.BED,),
        (F.NIGHTSTAND, F.WARDROBE, F.DRESSER, F.DESK, F.PLANT),
        (O.PILLOW, O.BLANKET, O.BOOK, O.PHONE, O.HAT, O.SHOE, O.CANDLE),
    ),
    R.BATHROOM: RoomPrior(
        (F.TOILET, F.SINK),
        (F.BATHTUB, F.SHOWER, F.CABINET),
        (O.TOWEL, O.SOAP, O.TOOTHBRUSH, O.BOTTLE, O.CANDLE),
    ),
    R.KITCHEN: RoomPrior(
        (F.FRIDGE, F.STOVE),
        (F.COUNTER, F.SINK, F.TABLE, F.CABINET),
        (O.CUP, O.PLATE, O.BOWL, O.SPOON, O.APPLE, O.BANANA, O.BOTTLE),
    ),
    R.LIVING_ROOM: RoomPrior(
        (F.SOFA,),
        (F.ARMCHAIR, F.COFFEE_TABLE, F.TV_STAND, F.BOOKSHELF, F.PLANT),
        (O.PILLOW, O.REMOTE, O.BOOK, O.CUP, O.BLANKET, O.CANDLE, O.PHONE),
    ),
    R.DINING_ROOM: RoomPrior(
        (F.TABLE,),
        (F.CABINET, F.PLANT),
        (O.PLATE, O.CUP, O.BOWL, O.SPOON, O.CANDLE, O.APPLE),
    ),
    R.OFFICE: RoomPrior(
        (F.DESK,),
        (F.BOOKSHELF, F.ARMCHAIR, F.CABINET, F.PLANT),
        (O.LAPTOP, O.BOOK, O.PEN, O.PHONE, O.CUP),
    ),
    R.HALLWAY: RoomPrior(
        (),
        (F.CABINET, F.PLANT),
        (O.KEYS, O.SHOE, O.HAT),
    ),
    R.LAUNDRY_ROOM: RoomPrior(
        (F.WASHING_MACHINE,),
        (F.DRYER, F.SINK, F.CABINET),
        (O.TOWEL, O.BLANKET, O.SOAP, O.BOTTLE),
    ),
    R.GARAGE: RoomPrior(
        (F.WORKBENCH,),
        (F.CABINET,),
        (O.WRENCH, O.BALL, O.KEYS, O.BOTTLE),
    ),
    R.NURSERY: RoomPrior(
        (F.CRIB,),
        (F.DRESSER, F.ARMCHAIR, F.BOOKSHELF),
        (O.TEDDY_BEAR, O.TOY, O.BALL, O.BLANKET, O.PILLOW, O.BOOK),
    ),
    R.GYM: RoomPrior(
        (F.TREADMILL,),
        (F.CABINET, F.PLANT),
        (O.DUMBBELL, O.BALL, O.TOWEL, O.BOTTLE),
    ),
    R.PANTRY: RoomPrior(
        (F.CABINET,),
        (F.COUNTER,),
        (O.APPLE, O.BANANA, O.BOTTLE, O.BOWL),
    ),
    R.MEETING_ROOM: RoomPrior(
        (F.TABLE,),
        (F.TV_STAND, F.CABINET, F.PLANT),
        (O.LAPTOP, O.PEN, O.CUP, O.PHONE, O.BOTTLE),
    ),
}


def rooms_for_object(kind: O) -> tuple[R, ...]:
    """Room types in which objects of ``kind`` are expected, in catalogue order."""
    return tuple(room for room, prior in ROOM_PRIORS.items() if kind in prior.objects)


def rooms_for_furniture(kind: F) -> tuple[R, ...]:
    """Room types in which furniture of ``kind`` is expected, in catalogue order."""
    return tuple(
        room
        for room, prior in ROOM_PRIORS.items()
        if kind in prior.signature or kind in prior.furniture
    )
