"""Noun phrases of typed instructions: rooms, objects and what to fetch, read from chunks
into the descriptions of :mod:`vlnenv.language.refer` and resolved in a house.

Grammar (words in quotes; ``ROOM``, ``FURN``, ``OBJ``, ``COLOR`` are chunks)::

    room   := ["the" | "a"] ROOM [room-with | room-next]
    room-with := "with" ("the" | "a") FURN | "that has" ("a" | "the") FURN
               | "where the" FURN "is"
    room-next := ("next to" | "beside" | "by" | "that opens onto" | "connected to") room
    object := ["the" | "a" | "an" | "some"] [COLOR] OBJ [place] ["in" room]
    place  := ["lying" | "sitting"] "on the" (FURN | "floor") | "on the" ROOM FURN

Resolution never guesses: a description that fits several rooms or objects raises
:class:`~vlnenv.errors.AmbiguousReferenceError` naming them, one that fits none raises
:class:`~vlnenv.errors.MissingReferentError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vlnenv.errors import AmbiguousReferenceError, MissingReferentError
from vlnenv.language.chunks import Chunk
from vlnenv.language.refer import FLOOR, ObjectDesc, Place, RoomDesc, place_of
from vlnenv.world.colors import Color
from vlnenv.world.house import House, Item
from vlnenv.world.objects import ObjectKind

#: Words that introduce a neighbouring room ("the bedroom next to the bathroom").
NEXT_TO: tuple[tuple[str, ...], ...] = (
    ("next", "to"), ("beside",), ("by",), ("that", "opens", "onto"), ("connected", "to"))
ARTICLES = ("the", "a", "an", "some", "my")


class Cursor:
    """A position in a list of chunks, with look-ahead by word."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.i = 0

    def peek(self, k: int = 0) -> Chunk | None:
        j = self.i + k
        return self.chunks[j] if j < len(self.chunks) else None

    def done(self) -> bool:
        return self.i >= len(self.chunks)

    def at(self, *words: str) -> bool:
        """Whether the next chunks read ``words`` (one word per chunk)."""
        return all((c := self.peek(k)) is not None and c.text == w for k, w in enumerate(words))

    def take(self, *words: str) -> bool:
        """Consume ``words`` when they come next."""
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def take_kind(self, kind: str) -> Chunk | None:
        c = self.peek()
        if c is not None and c.kind == kind:
            self.i += 1
            return c
        return None

    def text(self, start: int, end: int | None = None) -> str:
        return " ".join(c.text for c in self.chunks[start: self.i if end is None else end])


@dataclass(frozen=True)
class RoomPhrase:
    """A room description read from text, with the words it came from."""

    desc: RoomDesc
    text: str


@dataclass(frozen=True)
class ObjectPhrase:
    """An object description read from text.

    Attributes:
        kind, color, place: as in :class:`~vlnenv.language.refer.ObjectDesc`.
        room: the room it is said to be in, or ``None``.
        definite: "the cup" (one particular object) rather than "a cup" (any).
        text: the words it came from.
    """

    kind: ObjectKind
    color: Color | None
    place: Place | None
    room: RoomPhrase | None
    definite: bool
    text: str

    @property
    def desc(self) -> ObjectDesc:
        return ObjectDesc(self.kind, self.color, self.place,
                          None if self.room is None else self.room.desc)


def read_room(cur: Cursor) -> RoomPhrase | None:
    """A room phrase at the cursor, or ``None`` (the cursor is left where it was)."""
    start = cur.i
    cur.take("the") or cur.take("a") or cur.take("an")
    room = cur.take_kind("room")
    if room is None:
        cur.i = start
        return None
    desc = RoomDesc(room.value)
    with_at = cur.i
    if cur.take("with") or cur.take("that", "has"):
        if (cur.take("the") or cur.take("a") or cur.take("an")) and (
                furn := cur.take_kind("furn")):
            desc = RoomDesc(room.value, furniture=furn.value)
            cur.take("in", "it")
        else:
            cur.i = with_at
    elif cur.take("where", "the") and (furn := cur.take_kind("furn")) and cur.take("is"):
        desc = RoomDesc(room.value, furniture=furn.value)
    else:
        cur.i = with_at
        for words in NEXT_TO:
            if cur.take(*words):
                other = read_room(cur)
                if other is not None and other.desc.plain:
                    desc = RoomDesc(room.value, neighbour=other.desc.type)
                    break
                cur.i = with_at
    return RoomPhrase(desc, cur.text(start))


def _place(cur: Cursor) -> tuple[Place | None, RoomPhrase | None]:
    start = cur.i
    cur.take("lying") or cur.take("sitting")
    if not cur.take("on", "the"):
        cur.i = start
        return None, None
    room_at = cur.i
    room = cur.take_kind("room")
    furn = cur.take_kind("furn")
    if room is not None and furn is not None:
        return furn.value, RoomPhrase(RoomDesc(room.value), cur.text(room_at, room_at + 1))
    if room is not None:
        cur.i = start
        return None, None
    if furn is not None:
        return furn.value, None
    if cur.take("floor"):
        return FLOOR, None
    cur.i = start
    return None, None


def read_object(cur: Cursor) -> ObjectPhrase | None:
    """An object phrase at the cursor, or ``None`` (the cursor is left where it was)."""
    start = cur.i
    det = cur.peek()
    definite = not (det is not None and det.text in ("a", "an", "some"))
    if det is not None and det.text in ARTICLES:
        cur.i += 1
    color = cur.take_kind("color")
    obj = cur.take_kind("obj")
    if obj is None:
        cur.i = start
        return None
    place, room = _place(cur)
    if room is None and cur.take("in"):
        room = read_room(cur)
        if room is None:
            cur.i -= 1
    if place is None and room is not None:
        place, _ = _place(cur)
    return ObjectPhrase(obj.value, None if color is None else color.value, place, room,
                        definite, cur.text(start))


# ---------------------------------------------------------------------------- resolve
def _room_name(house: House, room: int | None) -> str:
    return "no room" if room is None else f"the {house.rooms[room].type.word.replace('_', ' ')}"


def resolve_room(house: House, phrase: RoomPhrase) -> int:
    """The one room ``phrase`` describes."""
    rooms = sorted(phrase.desc.matches(house))
    if not rooms:
        raise MissingReferentError(f"this house has no {phrase.text.removeprefix('the ')!r}; "
                                   f"its rooms are {_room_list(house)}")
    if len(rooms) > 1:
        letters = ", ".join(house.rooms[r].letter for r in rooms)
        raise AmbiguousReferenceError(
            f"{len(rooms)} rooms fit {phrase.text!r} (rooms {letters}) - say which, e.g. by "
            "a piece of furniture it has or a room next to it")
    return rooms[0]


def _room_list(house: House) -> str:
    return ", ".join(sorted({r.type.word.replace("_", " ") for r in house.rooms}))


def resolve_object(house: House, phrase: ObjectPhrase) -> Item:
    """The one object ``phrase`` describes."""
    items = phrase.desc.matches(house)
    if not items:
        raise MissingReferentError(f"this house has no {_bare(phrase.text)!r}")
    if len(items) > 1:
        where = ", ".join(_where(house, it) for it in items)
        raise AmbiguousReferenceError(
            f"{len(items)} objects fit {phrase.text!r}: {where} - say which")
    return items[0]


def _where(house: House, item: Item) -> str:
    place = place_of(house, item)
    on = "the floor" if place == FLOOR else f"the {place.name.lower().replace('_', ' ')}"
    return (f"a {item.color.word} {item.kind.word.replace('_', ' ')} on {on} in "
            f"{_room_name(house, house.room_of(item.cell))}")


def _bare(text: str) -> str:
    for article in ARTICLES:
        if text.startswith(article + " "):
            return text[len(article) + 1:]
    return text
