"""Every English word the instruction generator can say, in one place.

Catalogue words (room types, furniture, objects, colours) with their synonyms, verbs with
their inflections, and the phrase templates of referring expressions, route descriptions
and task families. Templates are ``str.format`` strings whose ``{slots}`` are filled by
:mod:`vlnenv.language.refer`, :mod:`vlnenv.language.route` and
:mod:`vlnenv.language.realise`; :mod:`vlnenv.language.vocab` builds the closed vocabulary
from the strings here (see :func:`phrases`), so a word that is not in this file is never
produced.

Conventions:

* Multi-word items are written as separate words ("living room", "tv stand").
* Templates write the indefinite article as ``a``; :func:`fix_articles` turns it into
  ``an`` before a vowel ("an apple", "an armchair", "an orange cup").
* A verb phrase is a tuple of ``(verb, rest)`` pairs joined by "and" ("find the kitchen
  and stop there"); :data:`VERB_FORMS` inflects each verb for "after going to ..." and
  "once you have gone to ...".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType


@dataclass(frozen=True)
class Noun:
    """One way to name an object kind.

    Attributes:
        text: the noun phrase without article ("cup", "set of keys").
        article: indefinite determiner: ``"a"`` (count nouns) or ``"some"`` (plural and
            mass nouns: "some keys", "some soap").
        pronoun: how to refer back to it ("it", "them").
    """

    text: str
    article: str = "a"
    pronoun: str = "it"


# ---------------------------------------------------------------------------- catalogues
#: Names of each room type; the first is the plain word.
ROOM_WORDS: dict[RoomType, tuple[str, ...]] = {
    RoomType.BEDROOM: ("bedroom",),
    RoomType.BATHROOM: ("bathroom", "restroom", "washroom"),
    RoomType.KITCHEN: ("kitchen",),
    RoomType.LIVING_ROOM: ("living room", "lounge", "sitting room"),
    RoomType.DINING_ROOM: ("dining room",),
    RoomType.OFFICE: ("office", "study"),
    RoomType.HALLWAY: ("hallway", "hall", "corridor"),
    RoomType.LAUNDRY_ROOM: ("laundry room", "utility room"),
    RoomType.GARAGE: ("garage",),
    RoomType.NURSERY: ("nursery", "baby room"),
    RoomType.GYM: ("gym", "home gym", "exercise room"),
    RoomType.PANTRY: ("pantry", "larder"),
    RoomType.MEETING_ROOM: ("meeting room", "conference room"),
}

#: Names of each furniture kind; the first is the plain word.
FURNITURE_WORDS: dict[Furniture, tuple[str, ...]] = {
    Furniture.BED: ("bed",),
    Furniture.NIGHTSTAND: ("nightstand", "bedside table", "night table"),
    Furniture.WARDROBE: ("wardrobe", "closet"),
    Furniture.DRESSER: ("dresser", "chest of drawers"),
    Furniture.DESK: ("desk",),
    Furniture.BOOKSHELF: ("bookshelf", "bookcase", "shelf"),
    Furniture.SOFA: ("sofa", "couch"),
    Furniture.ARMCHAIR: ("armchair", "easy chair"),
    Furniture.COFFEE_TABLE: ("coffee table",),
    Furniture.TV_STAND: ("TV stand", "TV cabinet", "television stand"),
    Furniture.TABLE: ("table",),
    Furniture.COUNTER: ("counter", "countertop"),
    Furniture.FRIDGE: ("fridge", "refrigerator"),
    Furniture.STOVE: ("stove", "cooker", "oven"),
    Furniture.SINK: ("sink", "basin"),
    Furniture.TOILET: ("toilet",),
    Furniture.BATHTUB: ("bathtub", "bath", "tub"),
    Furniture.SHOWER: ("shower",),
    Furniture.WASHING_MACHINE: ("washing machine", "washer"),
    Furniture.DRYER: ("dryer", "tumble dryer"),
    Furniture.CRIB: ("crib", "cot"),
    Furniture.TREADMILL: ("treadmill", "running machine"),
    Furniture.WORKBENCH: ("workbench", "tool bench"),
    Furniture.CABINET: ("cabinet", "cupboard"),
    Furniture.PLANT: ("plant", "potted plant", "houseplant"),
}

#: Names of each object kind; the first is the plain word.
OBJECT_WORDS: dict[ObjectKind, tuple[Noun, ...]] = {
    ObjectKind.PILLOW: (Noun("pillow"), Noun("cushion")),
    ObjectKind.BLANKET: (Noun("blanket"), Noun("throw")),
    ObjectKind.CUP: (Noun("cup"), Noun("mug")),
    ObjectKind.PLATE: (Noun("plate"), Noun("dish")),
    ObjectKind.BOWL: (Noun("bowl"),),
    ObjectKind.SPOON: (Noun("spoon"),),
    ObjectKind.APPLE: (Noun("apple"),),
    ObjectKind.BANANA: (Noun("banana"),),
    ObjectKind.BOTTLE: (Noun("bottle"),),
    ObjectKind.BOOK: (Noun("book"),),
    ObjectKind.PEN: (Noun("pen"),),
    ObjectKind.LAPTOP: (Noun("laptop"), Noun("laptop computer")),
    ObjectKind.PHONE: (Noun("phone"), Noun("mobile phone"), Noun("cell phone")),
    ObjectKind.REMOTE: (Noun("remote"), Noun("remote control"), Noun("TV remote")),
    ObjectKind.KEYS: (
        Noun("keys", "some", "them"),
        Noun("set of keys"),
        Noun("bunch of keys"),
    ),
    ObjectKind.TOWEL: (Noun("towel"),),
    ObjectKind.SOAP: (Noun("soap", "some"), Noun("bar of soap")),
    ObjectKind.TOOTHBRUSH: (Noun("toothbrush"),),
    ObjectKind.TOY: (Noun("toy"),),
    ObjectKind.TEDDY_BEAR: (Noun("teddy bear"), Noun("teddy")),
    ObjectKind.BALL: (Noun("ball"),),
    ObjectKind.SHOE: (Noun("shoe"),),
    ObjectKind.HAT: (Noun("hat"), Noun("cap")),
    ObjectKind.WRENCH: (Noun("wrench"), Noun("spanner")),
    ObjectKind.DUMBBELL: (Noun("dumbbell"), Noun("weight")),
    ObjectKind.CANDLE: (Noun("candle"),),
}

#: The word of each colour.
COLOR_WORDS: dict[Color, str] = {color: color.word for color in Color}

#: Number words used for step counts ("walk three steps").
NUMBER_WORDS: tuple[str, ...] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)
#: Tens for numbers from twenty up ("twenty one").
TENS_WORDS: tuple[str, ...] = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)

# ---------------------------------------------------------------------------- verbs
#: Inflections of every verb that starts a clause: base -> (gerund, past participle).
VERB_FORMS: dict[str, tuple[str, str]] = {
    "go": ("going", "gone"),
    "walk": ("walking", "walked"),
    "head": ("heading", "headed"),
    "make your way": ("making your way", "made your way"),
    "get": ("getting", "got"),
    "find": ("finding", "found"),
    "enter": ("entering", "entered"),
    "visit": ("visiting", "visited"),
    "stop": ("stopping", "stopped"),
    "wait": ("waiting", "waited"),
    "stand": ("standing", "stood"),
    "approach": ("approaching", "approached"),
    "bring": ("bringing", "brought"),
    "fetch": ("fetching", "fetched"),
    "grab": ("grabbing", "grabbed"),
    "pick up": ("picking up", "picked up"),
    "take": ("taking", "taken"),
    "look for": ("looking for", "looked for"),
}

#: Verbs of motion towards a place ("go to", "walk over to").
MOTION_VERBS: tuple[str, ...] = ("go", "walk", "head", "make your way")

# ---------------------------------------------------------------------------- referring
#: Definite noun phrase of a room: "the kitchen".
ROOM_PLAIN: tuple[str, ...] = ("the {room}",)
#: A room picked out by furniture only it has (among rooms of its type).
ROOM_WITH: tuple[str, ...] = (
    "the {room} with the {furniture}",
    "the {room} with a {furniture}",
    "the {room} that has a {furniture}",
    "the {room} that has the {furniture}",
    "the {room} where the {furniture} is",
)
#: A room picked out by a neighbouring room; ``{other}`` is "the bathroom" or "a bathroom".
ROOM_NEXT_TO: tuple[str, ...] = (
    "the {room} next to {other}",
    "the {room} beside {other}",
    "the {room} by {other}",
    "the {room} that opens onto {other}",
    "the {room} connected to {other}",
)
#: Determiners of a neighbouring room: unique in the house, or one of several.
NEIGHBOUR_DEFINITE = "the {room}"
NEIGHBOUR_INDEFINITE = "a {room}"

#: Where an object lies: on a piece of furniture or on the floor.
ON_PLACE: tuple[str, ...] = ("on the {place}", "lying on the {place}", "sitting on the {place}")
#: The word for an object that lies on the floor.
FLOOR_WORD = "floor"
#: The room an object is in ("in the kitchen").
IN_ROOM: tuple[str, ...] = ("in {room}",)
#: A place and a room together; ``{room_word}`` is the bare room-type noun.
ON_IN_ROOM: tuple[str, ...] = (
    "{on} {in_room}",
    "on the {room_word} {place}",
)
#: Furniture whose name reads well after a room noun ("the kitchen table").
ROOM_COMPOUND_FURNITURE: frozenset[Furniture] = frozenset({
    Furniture.TABLE, Furniture.COUNTER, Furniture.SINK, Furniture.CABINET, Furniture.SOFA,
    Furniture.DESK, Furniture.BOOKSHELF, Furniture.DRESSER, Furniture.COFFEE_TABLE,
    Furniture.TV_STAND, Furniture.WORKBENCH,
})
#: Definite object description: ``{color}`` is "red " or empty.
OBJECT_DEFINITE: tuple[str, ...] = ("the {color}{noun}",)
#: Indefinite object description ("a red cup", "some keys").
OBJECT_INDEFINITE: tuple[str, ...] = ("{article} {color}{noun}",)

# ---------------------------------------------------------------------------- routes
#: A room of the same type as the one just left ("the next bedroom").
NEXT_ROOM = "next {room}"
#: Turns relative to the current heading: 1 right, 2 around, 3 left.
TURN_PHRASES: dict[int, tuple[str, ...]] = {
    1: ("turn right", "turn to your right", "take a right", "make a right", "go right"),
    2: ("turn around", "turn back", "turn all the way around", "spin around",
        "turn to face the other way"),
    3: ("turn left", "turn to your left", "take a left", "make a left", "go left"),
}
#: Sides relative to the current heading.
SIDE_WORDS: dict[int, str] = {1: "right", 3: "left"}
#: Walking a number of steps (``{steps}`` is "three steps" or "one step").
WALK_STEPS: tuple[str, ...] = (
    "walk {steps}",
    "walk forward {steps}",
    "go forward {steps}",
    "take {steps} forward",
    "move ahead {steps}",
)
#: ``{n}`` steps.
STEPS_PLURAL = "{n} steps"
STEP_SINGULAR = "one step"
#: Walking straight until a wall blocks the way.
WALK_TO_WALL: tuple[str, ...] = (
    "walk forward until you reach the wall",
    "go straight until you reach the wall",
    "walk all the way to the wall",
    "continue straight until you hit the wall",
    "keep going until you reach the wall",
)
#: Walking to the end of a long room (hallways).
WALK_TO_END: tuple[str, ...] = (
    "walk to the end of the {room}",
    "go down the {room} to the end",
    "follow the {room} to the end",
    "walk all the way down the {room}",
    "continue to the end of the {room}",
)
#: Walking until a piece of furniture is beside you.
WALK_UP_TO: tuple[str, ...] = (
    "walk up to the {furniture}",
    "walk to the {furniture}",
    "go as far as the {furniture}",
    "continue until you reach the {furniture}",
    "keep walking until you get to the {furniture}",
)
#: Passing a piece of furniture on the way (followed by a count or an exit).
WALK_PAST: tuple[str, ...] = (
    "walk past the {furniture}",
    "go past the {furniture}",
    "pass the {furniture}",
    "continue past the {furniture}",
    "walk by the {furniture}",
)
#: Making one's way through a room when the way is not straight.
CROSS_ROOM: tuple[str, ...] = (
    "make your way across the {room}",
    "cross the {room}",
    "go through the {room}",
    "walk through the {room}",
    "head across the {room}",
)
#: Leaving the room one is in.
LEAVE_ROOM: tuple[str, ...] = (
    "leave the {room}",
    "exit the {room}",
    "walk out of the {room}",
    "go out of the {room}",
    "step out of the {room}",
)
#: Entering a room through a door on one side (``{side}``: "left"/"right").
ENTER_SIDE: tuple[str, ...] = (
    "enter the {room} on your {side}",
    "turn {side} into the {room}",
    "take the door on your {side} into the {room}",
    "go through the door on your {side} into the {room}",
    "go into the {room} on your {side}",
)
#: Entering a room straight ahead.
ENTER_AHEAD: tuple[str, ...] = (
    "go straight into the {room}",
    "continue into the {room}",
    "walk straight into the {room}",
    "enter the {room} ahead of you",
    "keep going into the {room}",
)
#: Turning towards a door some steps away and walking through it (``{side}``).
ENTER_AFTER_TURN: tuple[str, ...] = (
    "turn {side} and go into the {room}",
    "turn {side} and walk into the {room}",
    "turn {side} and head into the {room}",
    "turn {side}, then go into the {room}",
    "turn {side} and continue into the {room}",
)
#: Entering a room with no side given.
ENTER_PLAIN: tuple[str, ...] = (
    "go into the {room}",
    "enter the {room}",
    "walk into the {room}",
    "head into the {room}",
    "step into the {room}",
)
#: Entering and then turning (``{turn}`` is "left"/"right").
ENTER_TURN: tuple[str, ...] = (
    "turn {turn} into the {room}",
    "enter the {room} and turn {turn}",
    "go into the {room} and turn {turn}",
    "step into the {room} and turn {turn}",
    "walk into the {room}, then turn {turn}",
)
#: Entering and then turning around.
ENTER_AROUND: tuple[str, ...] = (
    "enter the {room} and turn around",
    "step into the {room} and turn around",
    "go into the {room}, then turn around",
    "walk into the {room} and turn back",
    "head into the {room} and turn around",
)
#: Stopping next to a piece of furniture (``{furniture}``).
STOP_AT_FURNITURE: tuple[str, ...] = (
    "stop next to the {furniture}",
    "stop by the {furniture}",
    "wait next to the {furniture}",
    "stop beside the {furniture}",
    "stop when you reach the {furniture}",
    "stop once you get to the {furniture}",
)
#: Walking some way to a piece of furniture and stopping there.
WALK_TO_STOP_AT_FURNITURE: tuple[str, ...] = (
    "walk up to the {furniture} and stop",
    "stop when you reach the {furniture}",
    "stop once you get to the {furniture}",
    "walk over to the {furniture} and wait there",
    "keep going until you reach the {furniture} and stop there",
    "continue to the {furniture} and stop next to it",
)
#: The same place when the route goes on (a non-final part of a sequence).
PASS_AT_FURNITURE: tuple[str, ...] = (
    "walk up to the {furniture}",
    "go over to the {furniture}",
    "make your way to the {furniture}",
    "head for the {furniture}",
    "walk over to the {furniture}",
)
#: Stopping in a doorway.
STOP_IN_DOORWAY: tuple[str, ...] = (
    "stop in the doorway",
    "stop at the door",
    "wait in the doorway",
    "stop when you reach the doorway",
    "stop right in the doorway",
)
PASS_IN_DOORWAY: tuple[str, ...] = (
    "walk to the doorway",
    "go to the door",
    "make your way to the doorway",
    "head for the doorway",
    "walk up to the door",
)
#: Stopping just inside a room that was just entered.
STOP_ON_ENTERING: tuple[str, ...] = (
    "stop once you are in the {room}",
    "stop as soon as you enter the {room}",
    "wait at the entrance of the {room}",
    "stop just inside the {room}",
    "stop when you get into the {room}",
)
PASS_ON_ENTERING: tuple[str, ...] = (
    "step into the {room}",
    "enter the {room}",
    "go into the {room}",
    "walk into the {room}",
    "head into the {room}",
)
#: Ending a clause that walked a counted distance.
STOP_HERE: tuple[str, ...] = ("stop", "stop there", "wait there", "halt", "come to a stop")

# ---------------------------------------------------------------------------- families
#: go_to_room. Each template is a verb phrase: ``(verb, rest)`` pairs joined by "and".
GO_TO_ROOM: tuple[tuple[tuple[str, str], ...], ...] = tuple(
    ((verb, "to {room}"),) for verb in MOTION_VERBS
) + (
    (("go", "into {room}"),),
    (("head", "into {room}"),),
    (("walk", "over to {room}"),),
    (("get", "to {room}"),),
    (("enter", "{room}"),),
    (("visit", "{room}"),),
)
#: go_to_room phrasings that end the episode (last part only).
GO_TO_ROOM_FINAL: tuple[tuple[tuple[str, str], ...], ...] = (
    (("find", "{room}"), ("stop", "there")),
    (("go", "to {room}"), ("stop", "there")),
    (("go", "to {room}"), ("wait", "there")),
    (("walk", "into {room}"), ("stop",  "")),
    (("make your way", "to {room}"), ("wait", "there")),
)
#: go_to_object.
GO_TO_OBJECT: tuple[tuple[tuple[str, str], ...], ...] = tuple(
    ((verb, "over to {object}"),) for verb in MOTION_VERBS
) + tuple(((verb, "up to {object}"),) for verb in ("go", "walk")) + (
    (("go", "to {object}"),),
    (("approach", "{object}"),),
    (("find", "{object}"),),
    (("get", "close to {object}"),),
)
GO_TO_OBJECT_FINAL: tuple[tuple[tuple[str, str], ...], ...] = (
    (("find", "{object}"), ("stop", "next to {pronoun}")),
    (("go", "and stand next to {object}"),),
    (("walk", "over to {object}"), ("wait", "there")),
    (("go", "to {object}"), ("stop", "beside {pronoun}")),
    (("look for", "{object}"), ("stop", "when you reach {pronoun}")),
)
#: fetch with the room named.
FETCH_ROOM: tuple[tuple[tuple[str, str], ...], ...] = (
    (("go", "to {room}"), ("bring", "me {object}")),
    (("bring", "me {object} from {room}"),),
    (("fetch", "me {object} from {room}"),),
    (("get", "me {object} from {room}"),),
    (("find", "{object} in {room}"), ("bring", "{pronoun} back to me")),
    (("go", "to {room}"), ("grab", "{object} for me")),
    (("pick up", "{object} in {room}"), ("bring", "{pronoun} to me")),
    (("head", "to {room}"), ("fetch", "{object} for me")),
)
#: fetch with no room named.
FETCH_ANY: tuple[tuple[tuple[str, str], ...], ...] = (
    (("bring", "me {object}"),),
    (("fetch", "me {object}"),),
    (("get", "me {object}"),),
    (("find", "{object}"), ("bring", "{pronoun} to me")),
    (("grab", "{object}"), ("bring", "{pronoun} back to me")),
    (("look for", "{object}"), ("bring", "{pronoun} back here")),
    (("pick up", "{object}"), ("take", "{pronoun} to me")),
)
#: Top-level wrappers of a single-sentence instruction (``{vp}``).
POLITE: tuple[str, ...] = (
    "{vp}.",
    "please {vp}.",
    "{vp}, please.",
    "could you {vp}?",
    "can you {vp}?",
    "I need you to {vp}.",
    "I would like you to {vp}.",
)
#: Sequences read in order: ``{a}`` the earlier parts, ``{b}`` the last part.
THEN: tuple[str, ...] = (
    "{a}, then {b}",
    "{a}, and then {b}",
    "first {a}, and then {b}",
    "first {a}, then {b}",
    "{a} and then {b}",
    "{a}. After that, {b}",
    "start by {a_gerund}, then {b}",
)
#: Joins the earlier parts among themselves.
THEN_JOIN = ", then "
THEN_JOIN_GERUND = " and then "
#: Sequences read backwards: "B after you A".
AFTER: tuple[str, ...] = (
    "{b} after you {a}",
    "after {a_gerund}, {b}",
    "after you {a}, {b}",
    "once you have {a_participle}, {b}",
    "{b}, but first {a}",
    "before you {b}, {a}",
    "{b} once you have {a_participle}",
)
#: Sentence openers that join a multi-sentence part (a route) to the next part.
NEXT_SENTENCE: tuple[str, ...] = (
    "then {b}",
    "after that, {b}",
    "next, {b}",
    "from there, {b}",
    "once you are there, {b}",
)
#: Introduces a route read before the part that follows it ("after" connective).
BEFORE_ROUTE: tuple[str, ...] = (
    "before you {b}, follow these directions",
    "you will {b}, but first follow these directions",
    "before you {b}, do the following",
    "first follow this route, then {b}",
    "your task is to {b}, but first do the following",
)
#: Opens a further sentence of the same stretch of route.
ROUTE_CONTINUE: tuple[str, ...] = ("then {b}", "after that, {b}", "next, {b}")
#: Conjunctions between clauses of one sentence.
AND = " and "
LIST_SEP = ", "
THEN_SEP = ", then "


# ---------------------------------------------------------------------------- helpers
#: The indefinite article before a consonant and before a vowel.
ARTICLE_A, ARTICLE_AN = "a", "an"

_ARTICLE = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")
_SLOT = re.compile(r"\{[a-z_]+\}")


def fix_articles(text: str) -> str:
    """Write ``an`` for ``a`` before a word starting with a vowel ("an apple")."""
    def an(match: re.Match[str]) -> str:
        return (ARTICLE_AN if match.group(1) == ARTICLE_A else ARTICLE_AN.capitalize()) + " "

    return _ARTICLE.sub(an, text)


def number_word(n: int) -> str:
    """English words of ``0 <= n < 100`` ("three", "twenty one")."""
    if not 0 <= n < 100:
        raise ValueError(f"number_word expects 0..99, got {n}")
    if n < len(NUMBER_WORDS):
        return NUMBER_WORDS[n]
    tens, ones = divmod(n, 10)
    return TENS_WORDS[tens] if ones == 0 else f"{TENS_WORDS[tens]} {NUMBER_WORDS[ones]}"


def steps_phrase(n: int) -> str:
    """"one step", "three steps"."""
    return STEP_SINGULAR if n == 1 else STEPS_PLURAL.format(n=number_word(n))


def phrases() -> Iterator[str]:
    """Every string in this module's tables, with ``{slots}`` removed: the raw material of
    the closed vocabulary."""
    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield _SLOT.sub(" ", value)
        elif isinstance(value, Noun):
            yield from walk((value.text, value.article, value.pronoun))
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                yield from walk(item)

    for name, value in sorted(globals().items()):
        if name.isupper() and not name.startswith("_"):
            yield from walk(value)
    for forms in VERB_FORMS.items():
        yield from walk(forms)
    yield " ".join(number_word(n) for n in range(100))
