"""English to verifiable instructions: :func:`parse`, the inverse of the generator.

``parse(text, house, start)`` reads typed English into the same instruction objects the
task sampler builds (:mod:`vlnenv.language.instructions`), so that ``parse(surface(i))
== i`` for every form :mod:`vlnenv.language.realise` can write, and free wording
("Could you bring me the TV remote from the lounge?") is read the same way. It is
rule-based, in steps:

1. :mod:`~vlnenv.language.normalise` and :mod:`~vlnenv.language.chunks`: words,
   catalogue names and verbs (unknown words are refused here);
2. politeness is set aside ("could you", "please", "I'd like you to", "thanks");
   "I would like / I want / I need" + a thing means "bring me" that thing;
3. a route description (turns, steps, "leave the kitchen") goes to
   :mod:`~vlnenv.language.parse_route`;
4. otherwise the text is cut into the parts of a sequence ("A, then B", "B after you
   A", "before you B, A", "A. After that, B", ...), each part into verb phrases joined
   by "and", and each part read as a fetch (a thing to bring back) or as places to go;
5. referents are resolved in the house (:mod:`~vlnenv.language.phrase`).

Every refusal is a :class:`~vlnenv.errors.ParseError` subclass with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vlnenv.errors import MissingReferentError, ParseError, TaskError
from vlnenv.language.chunks import Chunk, chunk
from vlnenv.language.instructions import (
    Fetch,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
)
from vlnenv.language.parse_route import is_route, parse_route
from vlnenv.language.phrase import (
    Cursor,
    ObjectPhrase,
    RoomPhrase,
    read_object,
    read_room,
    resolve_object,
    resolve_room,
)
from vlnenv.world.dynamics import Pose
from vlnenv.world.house import House

#: Words dropped wherever they stand.
POLITE_WORDS = frozenset({"please", "kindly", "ok", "okay", "hey", "hi", "so"})
#: Openings dropped at the start ("could you ...").
POLITE_OPENINGS: tuple[tuple[str, ...], ...] = (
    ("i", "would", "like", "you", "to"), ("i", "need", "you", "to"),
    ("i", "want", "you", "to"), ("could", "you"), ("can", "you"), ("would", "you"),
    ("will", "you"), ("let", "us"), ("first",), ("start", "by"),
)
#: Openings that ask for a thing: read as "bring me".
WANT_OPENINGS: tuple[tuple[str, ...], ...] = (
    ("i", "would", "like"), ("i", "want"), ("i", "need"),
)
#: Closings dropped at the end.
POLITE_CLOSINGS: tuple[tuple[str, ...], ...] = (
    ("thank", "you"), ("thanks",), ("would", "you"), ("will", "you"), ("could", "you"),
    ("can", "you"))
#: Verbs whose clause asks to bring something back.
FETCH_VERBS = frozenset({"bring", "fetch", "grab", "pick up", "take"})
#: Words a verb phrase may hold besides rooms and objects.
FILLER = frozenset({
    "to", "into", "over", "up", "close", "me", "for", "back", "here", "there", "it", "them",
    "next", "beside", "when", "you", "reach", "and", "at", "by", "near", "inside",
    "the", "get", "is", "are", "once", "come", "down",
})
#: Markers between the parts of a sequence read in order.
THEN_MARKERS: tuple[tuple[str, ...], ...] = (
    (",", "and", "then"), (",", "then"), ("and", "then"), (".", "after", "that", ","),
    (".", "after", "that"), (".", "then"), (".", "next", ","), (".", "and", "then"),
    (",", "after", "that", ","), (",", "after", "that"), ("and", "after", "that"),
    ("then",), (".",),
)


@dataclass
class VerbPhrase:
    """One verb and what follows it, up to the next verb."""

    verb: str
    objects: list[ObjectPhrase] = field(default_factory=list)
    rooms: list[RoomPhrase] = field(default_factory=list)
    source: RoomPhrase | None = None
    to_me: bool = False
    #: rooms and objects in the order said.
    targets: list[ObjectPhrase | RoomPhrase] = field(default_factory=list)


def parse(text: str, house: House, start: Pose | None = None) -> Instruction:
    """Read an English instruction as a task in ``house``.

    Args:
        text: the instruction as typed.
        house: the house it is about; referents are resolved there.
        start: the start pose ``(row, col, heading)``; needed for "bring me" (the
            requester waits there) and for route descriptions.

    Returns:
        The instruction: equal to the generator's when ``text`` is one of its surfaces.

    Raises:
        UnknownWordError: words outside the vocabulary (each named with its position).
        AmbiguousReferenceError: a description that fits several rooms or objects.
        MissingReferentError: a room or object the house does not have.
        RouteError: a route the house cannot follow from ``start``.
        ParseError: anything else that cannot be read as exactly one task.
    """
    chunks = _read_chunks(text)
    if not [c for c in chunks if c.kind != "punct"]:
        raise ParseError(f"no instruction in {text!r}; expected e.g. 'go to the kitchen'")
    if is_route(chunks):
        return parse_route(chunks, house, start)
    parts, connective = split_sequence(chunks)
    try:
        instructions = [i for part in parts for i in read_part(part, house, start)]
    except ParseError as err:
        if type(err) is not ParseError or start is None:
            raise
        try:  # a route in words this parser does not mark as route words
            return parse_route(chunks, house, start)
        except ParseError:
            raise err from None
    if len(instructions) == 1:
        return instructions[0]
    try:
        return SequenceInstr(house, instructions, connective)
    except TaskError as err:
        raise ParseError(f"not a task this house can check: {err}") from None


def spoken_order(text: str) -> list[int]:
    """The parts of a sequence instruction in the order ``text`` says them, as indices into
    the order they are to be done: ``[0, 1]`` for "A, then B", ``[1, 0]`` for "B after you
    A" (as :func:`parse` cuts it; a text it reads as one part gives ``[0]``).

    Raises:
        UnknownWordError: words outside the vocabulary.
        ParseError: a sequence marker without the comma it needs.
    """
    starts = part_positions(text)
    return sorted(range(len(starts)), key=starts.__getitem__)


def part_positions(text: str) -> list[int]:
    """Where each part of a sequence instruction begins in ``text``: the typed position
    (1-based whitespace-separated word number, as :class:`~vlnenv.language.normalise.Word`
    counts it) of the part's first word, for the parts in the order they are to be done:
    ``[1, 6]`` for "Go to the kitchen, then the bathroom", ``[7, 1]`` for "Go to the
    bathroom after you go to the kitchen" (as :func:`parse` cuts it; a text it reads as
    one part gives one position).

    Raises:
        UnknownWordError: words outside the vocabulary.
        ParseError: a sequence marker without the comma it needs.
    """
    parts, _ = split_sequence(_read_chunks(text))
    return [part[0].pos for part in parts]


def part_texts(text: str) -> list[str]:
    """The parts of a sequence instruction, each written as an instruction of its own, in
    the order they are to be done: ``["Go to the kitchen.", "Go to the bathroom."]`` for
    "Go to the kitchen, then the bathroom", ``["Visit the restroom.", "Go over to the
    book."]`` for "Go over to the book after you visit the restroom"; a text of one part
    gives itself, as typed.

    It reads the words alone, as an agent may (no house is needed): the parts are cut as
    :func:`parse` cuts them, politeness is set aside, a part's verb is put in its base form
    ("after finding the bottle" gives "Find the bottle.") and a part without a verb of its
    own means "go to" ("then the bathroom" gives "Go to the bathroom."). A route
    description, and a text whose parts are not each places to go or a thing to bring
    (as :func:`read_verb_phrase` reads them), is one part: ``[text]``.

    Raises:
        UnknownWordError: words outside the vocabulary.
        ParseError: a sequence marker without the comma it needs.
    """
    chunks = _read_chunks(text)
    if is_route(chunks):
        return [text]
    parts, _ = split_sequence(chunks)
    try:
        for part in parts:
            for phrase in _verb_phrases(part):
                read_verb_phrase(phrase)
    except ParseError:
        return [text]
    return [_part_text(part) for part in parts] if len(parts) > 1 else [text]


def _part_text(chunks: list[Chunk]) -> str:
    """One part's chunks as a sentence (see :func:`part_texts`): from its verb in its base
    form, "go to" where the part had no verb."""
    chunks, added = _with_verb(chunks)
    words = [str(chunks[0].value), *(c.text for c in chunks[1:])]
    if added and words[1] not in ("to", "into"):
        words.insert(1, "to")
    sentence = ""
    for word in words:
        sentence += word if not sentence or word in (",", ".") else " " + word
    return sentence[0].upper() + sentence[1:].rstrip(",.") + "."


def _read_chunks(text: str) -> list[Chunk]:
    """The chunks of ``text``, a "?" read as ".", politeness set aside."""
    return _strip_politeness([c if c.text != "?" else Chunk("punct", ".", ".", c.pos)
                              for c in chunk(text)])


# ---------------------------------------------------------------------------- politeness
def _trim(chunks: list[Chunk]) -> list[Chunk]:
    while chunks and chunks[0].kind == "punct":
        chunks = chunks[1:]
    while chunks and chunks[-1].kind == "punct":
        chunks = chunks[:-1]
    return chunks


def _starts(chunks: list[Chunk], words: tuple[str, ...]) -> bool:
    return len(chunks) >= len(words) and all(c.text == w for c, w in zip(chunks, words,
                                                                         strict=False))


def _strip_politeness(chunks: list[Chunk]) -> list[Chunk]:
    chunks = _trim([c for c in chunks if c.text not in POLITE_WORDS])
    changed = True
    while changed:
        changed = False
        for words in POLITE_OPENINGS:
            if _starts(chunks, words):
                chunks, changed = _trim(chunks[len(words):]), True
        for words in WANT_OPENINGS:
            if _starts(chunks, words):
                pos = chunks[0].pos
                chunks = [Chunk("verb", "bring", "bring", pos), Chunk("word", "me", "me", pos),
                          *chunks[len(words):]]
        for words in POLITE_CLOSINGS:
            n = len(words)
            if len(chunks) >= n and tuple(c.text for c in chunks[-n:]) == words:
                chunks, changed = _trim(chunks[:-n]), True
    return chunks


# ---------------------------------------------------------------------------- sequences
def _find(chunks: list[Chunk], words: tuple[str, ...], start: int = 0) -> int:
    for i in range(start, len(chunks) - len(words) + 1):
        if all(chunks[i + k].text == w for k, w in enumerate(words)):
            return i
    return -1


def _split_on(chunks: list[Chunk], markers: tuple[tuple[str, ...], ...]) -> list[list[Chunk]]:
    parts: list[list[Chunk]] = []
    current: list[Chunk] = []
    i = 0
    while i < len(chunks):
        for words in markers:
            if _starts(chunks[i:], words):
                parts.append(current)
                current, i = [], i + len(words)
                break
        else:
            current.append(chunks[i])
            i += 1
    parts.append(current)
    return [p for p in (_trim(p) for p in parts) if p]


def _first_comma(chunks: list[Chunk]) -> int:
    i = _find(chunks, (",",))
    if i < 0:
        raise ParseError(f"expected a comma after {' '.join(c.text for c in chunks)!r}")
    return i


def split_sequence(chunks: list[Chunk]) -> tuple[list[list[Chunk]], str]:
    """The parts of a sequence, in the order they are to be done, and its connective
    (``"then"``, or ``"after"`` for parts said last-first)."""
    chunks = _trim(chunks)
    before_after: tuple[list[Chunk], list[Chunk]] | None = None
    verb_next = len(chunks) > 1 and chunks[1].kind == "verb"
    if _starts(chunks, ("after", "you")) or _starts(chunks, ("once", "you", "have")) or (
            _starts(chunks, ("after",)) and verb_next):
        skip = 1 if verb_next and chunks[0].text == "after" else (
            2 if chunks[0].text == "after" else 3)
        comma = _first_comma(chunks)
        before_after = chunks[skip:comma], chunks[comma + 1:]
    elif _starts(chunks, ("before", "you")):
        comma = _first_comma(chunks)
        before_after = chunks[comma + 1:], chunks[2:comma]
    else:
        for words in ((",", "but", "first"), ("but", "first"), ("after", "you"),
                      ("once", "you", "have")):
            i = _find(chunks, words, 1)
            if i > 0:
                before_after = chunks[i + len(words):], chunks[:i]
                break
    if before_after is not None:
        earlier, last = before_after
        parts = _split_on(earlier, ((",", "and", "then"), (",", "then"), ("and", "then")))
        return [*parts, _trim(last)], "after"
    return _split_on(chunks, THEN_MARKERS), "then"


# ---------------------------------------------------------------------------- parts
def _with_verb(chunks: list[Chunk]) -> tuple[list[Chunk], bool]:
    """A part's chunks from its verb: a leading "first" or "and" dropped, and "go" put in
    front of a part with no verb of its own; and whether "go" was put there."""
    if chunks and chunks[0].text in ("first", "and"):
        chunks = chunks[1:]
    if chunks and chunks[0].kind != "verb":
        return [Chunk("verb", "go", "go", chunks[0].pos), *chunks], True
    return chunks, False


def _verb_phrases(chunks: list[Chunk]) -> list[list[Chunk]]:
    """Cut at "and" or "," before a verb; a part with no verb of its own means "go"."""
    chunks, _ = _with_verb(chunks)
    phrases: list[list[Chunk]] = []
    for i, c in enumerate(chunks):
        joined = i > 0 and chunks[i - 1].text in ("and", ",")
        if c.kind == "verb" and (not phrases or joined):
            if phrases and phrases[-1] and phrases[-1][-1].text in ("and", ","):
                phrases[-1].pop()
            phrases.append([c])
        else:
            phrases[-1].append(c)
    return phrases


def read_verb_phrase(chunks: list[Chunk]) -> VerbPhrase:
    """Rooms, objects and "me" in one verb phrase."""
    vp = VerbPhrase(chunks[0].value)
    cur = Cursor(chunks)
    cur.i = 1
    while not cur.done():
        c = cur.peek()
        assert c is not None
        at = cur.i
        if cur.take("from"):
            room = read_room(cur)
            if room is None:
                raise ParseError(f"expected a room after 'from' at word {c.pos}")
            vp.source = room
        elif (obj := read_object(cur)) is not None:
            vp.objects.append(obj)
            vp.targets.append(obj)
        elif (room := read_room(cur)) is not None:
            said = " ".join(x.text for x in chunks[max(0, at - 2): at])
            if vp.verb in FETCH_VERBS and said.endswith((" to", " into")) and said not in (
                    "me to", "me into"):  # "take me to the kitchen" is going there
                raise ParseError(f"things can only be brought to you ('bring me ...'), not "
                                 f"to {room.text!r}")
            vp.rooms.append(room)
            vp.targets.append(room)
        elif c.kind == "furn":
            raise ParseError(f"{c.text!r} (word {c.pos}) is furniture; expected a room or a "
                             "small object to go to")
        elif c.text in FILLER or (c.kind == "verb" and c.value in ("get", "stand")):
            vp.to_me |= c.text == "me"
            cur.i += 1
        else:
            raise ParseError(f"could not read {c.text!r} at word {c.pos} in "
                             f"{' '.join(x.text for x in chunks)!r}; expected a room, an "
                             "object or 'me'")
    return vp


def read_part(chunks: list[Chunk], house: House, start: Pose | None) -> list[Instruction]:
    """One part of a sequence: a fetch, or one or more places to go in turn."""
    vps = [read_verb_phrase(p) for p in _verb_phrases(chunks)]
    things = [o for vp in vps for o in vp.objects]
    if any(vp.verb in FETCH_VERBS or vp.to_me for vp in vps) and (
            things or not any(vp.rooms for vp in vps)):  # "take me to the kitchen": go
        return [_fetch(vps, house, start, chunks)]
    out: list[Instruction] = []
    for vp in vps:
        for target in vp.targets:
            if isinstance(target, ObjectPhrase):
                instruction: Instruction = GoToObject(house, resolve_object(house, target),
                                                      target.desc)
            else:
                instruction = GoToRoom(house, resolve_room(house, target), target.desc)
            if not out or out[-1] != instruction:
                out.append(instruction)
    if not out:
        raise ParseError(f"no room or object to go to in "
                         f"{' '.join(c.text for c in chunks)!r}")
    return out


def _fetch(vps: list[VerbPhrase], house: House, start: Pose | None,
           chunks: list[Chunk]) -> Instruction:
    said = " ".join(c.text for c in chunks)
    objects = [o for vp in vps for o in vp.objects]
    if len(objects) != 1:
        raise ParseError(f"expected exactly one thing to bring in {said!r}, "
                         f"found {len(objects)}")
    obj = objects[0]
    rooms = [r for vp in vps for r in ([vp.source] if vp.source else []) + vp.rooms]
    if obj.room is not None:
        rooms.append(obj.room)
    if len({r.desc for r in rooms}) > 1:
        raise ParseError(f"expected at most one room to bring from in {said!r}")
    if start is None:
        raise ParseError("'bring me' needs the requester's place: pass start=(row, col, "
                         "heading)")
    if obj.definite:
        if obj.room is None and rooms:  # "bring me the soap from the bathroom"
            obj = replace(obj, room=rooms[0], text=f"{obj.text} in {rooms[0].text}")
        return _fetch_one(house, obj, start)
    if obj.place is not None:
        raise ParseError(f"cannot check where {obj.text!r} lies; name its colour or room "
                         "instead")
    room = None if not rooms else _fetch_room(house, obj, rooms[0])
    try:
        return Fetch(house, obj.kind, start[:2], obj.color, room)
    except TaskError:
        raise MissingReferentError(f"this house has no {_what(obj)}") from None


def _what(obj: ObjectPhrase) -> str:
    color = "" if obj.color is None else obj.color.word + " "
    return color + obj.kind.word.replace("_", " ")


def _fetch_room(house: House, obj: ObjectPhrase, room: RoomPhrase) -> int:
    """The room to fetch from: the one ``room`` describes, or, for a bare room type
    ("the bedroom"), the only room of that type that holds a matching object."""
    rooms = room.desc.matches(house)
    if room.desc.plain and len(rooms) > 1:
        holding = {house.room_of(it.cell) for it in house.objects_where(obj.kind, obj.color)}
        if rooms & holding:
            rooms = frozenset(rooms & holding)
    if len(rooms) == 1:
        index = next(iter(rooms))
        if not house.objects_where(obj.kind, obj.color, index):
            raise MissingReferentError(f"{room.text!r} has no {_what(obj)}")
        return index
    return resolve_room(house, room)


def _fetch_one(house: House, obj: ObjectPhrase, start: Pose) -> Instruction:
    """"Bring me the red cup": the one object described, as the simplest fetch whose
    only target it is."""
    item = resolve_object(house, obj)
    room = house.room_of(item.cell)
    for color, in_room in ((obj.color, None), (item.color, None), (obj.color, room),
                           (item.color, room)):
        task = Fetch(house, item.kind, start[:2], color, in_room)
        if task.targets == {item.cell}:
            return task
    raise ParseError(f"{obj.text!r} cannot be told apart from other "
                     f"{item.kind.word.replace('_', ' ')}s by colour and room; a fetch "
                     "names only those")
