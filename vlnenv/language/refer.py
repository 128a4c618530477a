"""Referring expressions: descriptions that pick out exactly one room or object.

A description is a set of attributes (type or kind, colour, furniture, neighbour, room);
it *matches* every room or object that has them all, and it is *unambiguous* when it
matches exactly one. Uniqueness is judged over the whole house:

* a room is described by its type, optionally with one piece of furniture only it has
  among the rooms of its type ("the bedroom with the desk") or one neighbouring room type
  only it touches ("the bedroom next to the bathroom"); rooms touch when a door or open
  floor joins them;
* an object by its kind, optionally its colour, the furniture kind it lies on (or the
  floor), and its room: an unambiguous room description, or the bare room type, which
  then matches every room of that type ("the cup in the bedroom" when no other bedroom
  holds a cup);
* a fetch target by an indefinite description ("a red cup") and optionally its room.

Each description's ``surface(rng)`` chooses synonyms and word order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import TypeVar

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.language import lexicon as lx
from vlnenv.language.phrasing import Phrasing, allowed
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import CELL_FURNITURE, House, Item
from vlnenv.world.objects import ObjectKind
from vlnenv.world.priors import ROOM_PRIORS
from vlnenv.world.rooms import RoomType
from vlnenv.world.weighted import weighted_index

#: The "place" of an object that lies on the floor (not on furniture).
FLOOR = "floor"

Place = Furniture | str

#: Relative weight of a description per attribute it uses beyond the minimum: people
#: over-specify now and then ("the red cup in the kitchen" for the only cup), not always.
EXTRA_ATTRIBUTE_WEIGHT = 0.35


def pick(rng: np.random.Generator, options: tuple[str, ...] | list[str],
         phrasing: Phrasing = Phrasing.ANY) -> str:
    """One of ``options`` that ``phrasing`` allows, uniformly."""
    options = allowed(options, phrasing)
    return options[int(rng.integers(len(options)))]


def room_word(room_type: RoomType, rng: np.random.Generator,
              phrasing: Phrasing = Phrasing.ANY) -> str:
    """A name of a room type ("lounge")."""
    return pick(rng, lx.ROOM_WORDS[room_type], phrasing)


def furniture_word(kind: Furniture, rng: np.random.Generator,
                   phrasing: Phrasing = Phrasing.ANY) -> str:
    """A name of a furniture kind ("couch")."""
    return pick(rng, lx.FURNITURE_WORDS[kind], phrasing)


# ---------------------------------------------------------------------------- rooms
def room_neighbours(house: House, room: int) -> frozenset[int]:
    """Rooms joined to ``room`` by a door or by touching floor."""
    return house.room_links[room]


@dataclass(frozen=True)
class RoomDesc:
    """A definite description of a room.

    Attributes:
        type: the room type (always said).
        furniture: a furniture kind the room has ("with the desk"), or ``None``.
        neighbour: a room type the room touches ("next to the bathroom"), or ``None``.
        neighbour_definite: whether that neighbour is the only room of its type in the
            house ("next to the bathroom" rather than "next to a bathroom").
    """

    type: RoomType
    furniture: Furniture | None = None
    neighbour: RoomType | None = None
    neighbour_definite: bool = True

    @property
    def plain(self) -> bool:
        """Whether the description is the room type alone ("the kitchen")."""
        return self.furniture is None and self.neighbour is None

    def matches(self, house: House) -> frozenset[int]:
        """The rooms of ``house`` this description fits."""
        return frozenset(
            i for i in house.rooms_of_type(self.type)
            if (self.furniture is None
                or any(p.kind == self.furniture for p in house.furniture_in_room(i)))
            and (self.neighbour is None
                 or any(house.rooms[j].type == self.neighbour
                        for j in room_neighbours(house, i)))
        )

    def surface(self, rng: np.random.Generator, phrasing: Phrasing = Phrasing.ANY) -> str:
        """"the kitchen", "the bedroom with the desk", "the bedroom next to a bathroom"."""
        room = room_word(self.type, rng, phrasing)
        if self.furniture is not None:
            text = pick(rng, lx.ROOM_WITH, phrasing).format(
                room=room, furniture=furniture_word(self.furniture, rng, phrasing))
        elif self.neighbour is not None:
            det = lx.NEIGHBOUR_DEFINITE if self.neighbour_definite else lx.NEIGHBOUR_INDEFINITE
            other = det.format(room=room_word(self.neighbour, rng, phrasing))
            text = pick(rng, lx.ROOM_NEXT_TO, phrasing).format(room=room, other=other)
        else:
            text = pick(rng, lx.ROOM_PLAIN, phrasing).format(room=room)
        return lx.fix_articles(text)


def _room_candidates(house: House, room: int) -> list[RoomDesc]:
    rtype = house.rooms[room].type
    # "the bedroom with the bed" only where it tells bedrooms apart
    usual = set(ROOM_PRIORS[rtype].signature) if len(RoomDesc(rtype).matches(house)) == 1 else set()
    kinds = sorted({p.kind for p in house.furniture_in_room(room)} - usual)
    neighbour_types = sorted({house.rooms[j].type for j in room_neighbours(house, room)})
    return (
        [RoomDesc(rtype)]
        + [RoomDesc(rtype, furniture=k) for k in kinds]
        + [RoomDesc(rtype, neighbour=t, neighbour_definite=len(house.rooms_of_type(t)) == 1)
           for t in neighbour_types]
    )


def room_descriptions(house: House, room: int) -> list[RoomDesc]:
    """All unambiguous descriptions of ``room`` among the house's rooms, simplest first;
    empty when none exists."""
    return [d for d in _room_candidates(house, room) if d.matches(house) == {room}]


def describe_room(house: House, room: int, rng: np.random.Generator,
                  phrasing: Phrasing = Phrasing.ANY) -> str:
    """A surface of one unambiguous description of ``room``.

    Raises:
        TaskError: no unambiguous description exists.
    """
    descs = room_descriptions(house, room)
    if not descs:
        raise TaskError(_no_room_desc(house, room))
    return choose(descs, rng).surface(rng, phrasing)


def _no_room_desc(house: House, room: int) -> str:
    r = house.rooms[room]
    return (f"room {r.letter} ({r.type.word}) of house {house.name!r} has no unambiguous "
            "description; expected a type, furniture or neighbour that sets it apart")


# ---------------------------------------------------------------------------- objects
def place_of(house: House, item: Item) -> Place:
    """The furniture kind ``item`` lies on, or :data:`FLOOR`."""
    if int(house.structure[item.cell]) == CELL_FURNITURE:
        return Furniture(int(house.furniture[item.cell]))
    return FLOOR


def _place_word(place: Place, rng: np.random.Generator, phrasing: Phrasing) -> str:
    if isinstance(place, Furniture):
        return furniture_word(place, rng, phrasing)
    return lx.FLOOR_WORD


def _noun_phrase(kind: ObjectKind, color: Color | None, rng: np.random.Generator,
                 definite: bool, phrasing: Phrasing) -> tuple[str, lx.Noun]:
    nouns = allowed(lx.OBJECT_WORDS[kind], phrasing)
    noun = nouns[int(rng.integers(len(nouns)))]
    color_text = "" if color is None else lx.COLOR_WORDS[color] + " "
    if definite:
        text = pick(rng, lx.OBJECT_DEFINITE, phrasing).format(color=color_text, noun=noun.text)
    else:
        text = pick(rng, lx.OBJECT_INDEFINITE, phrasing).format(
            article=noun.article, color=color_text, noun=noun.text)
    return text, noun


def _place_and_room(place: Place | None, room: RoomDesc | None,
                    rng: np.random.Generator, phrasing: Phrasing) -> str:
    """" on the table", " in the kitchen", " on the kitchen table", or ""."""
    if place is None and room is None:
        return ""
    on = "" if place is None else pick(rng, lx.ON_PLACE, phrasing).format(
        place=_place_word(place, rng, phrasing))
    if room is None:
        return " " + on
    in_room = pick(rng, lx.IN_ROOM, phrasing).format(room=room.surface(rng, phrasing))
    if place is None:
        return " " + in_room
    place_word = _place_word(place, rng, phrasing)
    type_word = room_word(room.type, rng, phrasing)
    compound = room.plain and place in lx.ROOM_COMPOUND_FURNITURE
    templates = lx.ON_IN_ROOM if compound else lx.ON_IN_ROOM[:1]
    return " " + pick(rng, templates, phrasing).format(
        on=on, in_room=in_room, room_word=type_word, place=place_word)


@dataclass(frozen=True)
class ObjectDesc:
    """A definite description of one object ("the red cup on the kitchen table").

    Attributes:
        kind: the object kind (always said).
        color: its colour, or ``None``.
        place: the furniture kind it lies on or :data:`FLOOR`, or ``None``.
        room: a description of its room, or ``None``; a plain description stands for
            every room of that type.
    """

    kind: ObjectKind
    color: Color | None = None
    place: Place | None = None
    room: RoomDesc | None = None

    @property
    def size(self) -> int:
        """How many attributes beyond the kind the description uses."""
        room = 0 if self.room is None else (1 if self.room.plain else 2)
        return (self.color is not None) + (self.place is not None) + room

    def matches(self, house: House, rooms: frozenset[int] | None = None) -> list[Item]:
        """The objects of ``house`` this description fits; ``rooms``: the rooms its room
        description fits, when the caller already knows them."""
        if self.room is not None and rooms is None:
            rooms = self.room.matches(house)
        return [
            item for item in house.objects_where(self.kind, self.color)
            if (self.place is None or place_of(house, item) == self.place)
            and (rooms is None or house.room_of(item.cell) in rooms)
        ]

    def phrase(self, rng: np.random.Generator,
               phrasing: Phrasing = Phrasing.ANY) -> tuple[str, str]:
        """The description and the pronoun that refers back to it: ("the keys on the
        table", "them")."""
        head, noun = _noun_phrase(self.kind, self.color, rng, True, phrasing)
        where = _place_and_room(self.place, self.room, rng, phrasing)
        return lx.fix_articles(head + where), noun.pronoun

    def surface(self, rng: np.random.Generator, phrasing: Phrasing = Phrasing.ANY) -> str:
        """"the cup", "the red cup on the table in the kitchen", ..."""
        return self.phrase(rng, phrasing)[0]


def _room_options(house: House, room: int) -> list[RoomDesc | None]:
    plain = RoomDesc(house.rooms[room].type)
    options: list[RoomDesc | None] = [None, plain]
    options += [d for d in room_descriptions(house, room) if d != plain]
    return options


def object_descriptions(house: House, item: Item) -> list[ObjectDesc]:
    """All unambiguous definite descriptions of ``item`` among the house's objects,
    simplest first; empty when none exists."""
    if house.object_at(item.cell) != item:
        raise TaskError(f"no {item.color.word} {item.kind.word} at {item.cell} in house "
                        f"{house.name!r}")
    room = house.room_of(item.cell)
    rooms = [None] if room is None else _room_options(house, room)
    fits = {rdesc: rdesc.matches(house) for rdesc in rooms if rdesc is not None}
    out = []
    for color, place, rdesc in product((None, item.color), (None, place_of(house, item)), rooms):
        desc = ObjectDesc(item.kind, color, place, rdesc)
        if desc.matches(house, fits.get(rdesc)) == [item]:
            out.append(desc)
    return sorted(out, key=lambda d: d.size)


def describe_object(house: House, item: Item, rng: np.random.Generator) -> ObjectDesc:
    """One unambiguous description of ``item``.

    Raises:
        TaskError: no unambiguous description exists.
    """
    descs = object_descriptions(house, item)
    if not descs:
        raise TaskError(f"the {item.color.word} {item.kind.word} at {item.cell} in house "
                        f"{house.name!r} has no unambiguous description; expected colour, "
                        "furniture or room to set it apart")
    return choose(descs, rng)


# ---------------------------------------------------------------------------- fetch
@dataclass(frozen=True)
class FetchDesc:
    """An indefinite description of what to fetch ("a red cup") and where from.

    Attributes:
        kind: the object kind.
        color: its colour, or ``None`` (any colour).
        room: a description of the room to fetch from, or ``None`` (anywhere).
    """

    kind: ObjectKind
    color: Color | None = None
    room: RoomDesc | None = None

    def phrase(self, rng: np.random.Generator,
               phrasing: Phrasing = Phrasing.ANY) -> tuple[str, str]:
        """The indefinite noun phrase and its pronoun: ("a red cup", "it")."""
        text, noun = _noun_phrase(self.kind, self.color, rng, False, phrasing)
        return lx.fix_articles(text), noun.pronoun

    def surface(self, rng: np.random.Generator, phrasing: Phrasing = Phrasing.ANY) -> str:
        """"a red cup", "some keys"."""
        return self.phrase(rng, phrasing)[0]

    def room_surface(self, rng: np.random.Generator,
                     phrasing: Phrasing = Phrasing.ANY) -> str:
        """The room's definite description ("the kitchen")."""
        if self.room is None:
            raise TaskError("this fetch names no room")
        return self.room.surface(rng, phrasing)


def fetch_descriptions(house: House, kind: ObjectKind, color: Color | None,
                       room: int | None) -> list[FetchDesc]:
    """All faithful descriptions of a fetch target: with no room, just the object; with a
    room, every unambiguous description of the room, and the bare room type when no other
    room of that type holds a matching object."""
    if room is None:
        return [FetchDesc(kind, color)]
    plain = RoomDesc(house.rooms[room].type)
    found = {house.room_of(it.cell) for it in house.objects_where(kind, color)}
    descs = room_descriptions(house, room)
    if plain not in descs and found & plain.matches(house) == {room}:
        descs = [plain, *descs]
    return [FetchDesc(kind, color, d) for d in descs]


D = TypeVar("D", RoomDesc, ObjectDesc, FetchDesc)


def choose(descs: Sequence[D], rng: np.random.Generator) -> D:
    """One of ``descs``, the simpler ones likelier (each extra attribute multiplies the
    weight by :data:`EXTRA_ATTRIBUTE_WEIGHT`)."""
    sizes = np.array([_size(d) for d in descs], dtype=float)
    weights = EXTRA_ATTRIBUTE_WEIGHT ** sizes
    return descs[weighted_index(rng, weights.tolist())]


def _size(desc: RoomDesc | ObjectDesc | FetchDesc) -> int:
    if isinstance(desc, ObjectDesc):
        return desc.size
    if isinstance(desc, RoomDesc):
        return 0 if desc.plain else 1
    return 0 if desc.room is None else _size(desc.room)
