"""The house world: catalogues, the House model, the dynamics of an episode in it, map files
and the generator."""

from vlnenv.world.colors import COLOR_RGB, Color
from vlnenv.world.furniture import HOLDERS, Furniture
from vlnenv.world.mapfile import dumps_house, load_house, loads_house, save_house
from vlnenv.world.objects import ObjectKind
from vlnenv.world.priors import ROOM_PRIORS, RoomPrior
from vlnenv.world.rooms import RoomType

__all__ = [
    "COLOR_RGB",
    "HOLDERS",
    "ROOM_PRIORS",
    "Color",
    "Furniture",
    "ObjectKind",
    "RoomPrior",
    "RoomType",
    "dumps_house",
    "load_house",
    "loads_house",
    "save_house",
]
