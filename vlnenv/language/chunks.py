"""Normalised words to *chunks*: catalogue names found, verbs put in their base form.

A chunk is one word or one multi-word name recognised by longest match against the
lexicon ("living room" -> a room of type ``LIVING_ROOM``, "set of keys" -> the object
kind ``KEYS``, "picked up" -> the verb "pick up"). Every word must be known: a word of
the generator's vocabulary (:func:`vlnenv.language.lexicon.phrases`) or of
:data:`EXTRA_WORDS` (what people type around instructions); otherwise
:class:`~vlnenv.errors.UnknownWordError` names each unknown word, its position and the
nearest known words.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from vlnenv.errors import UnknownWordError
from vlnenv.language import lexicon as lx
from vlnenv.language.normalise import Word, normalise
from vlnenv.language.vocab import tokenize
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType

#: Words people type around instructions that the generator never says.
EXTRA_WORDS: frozenset[str] = frozenset(
    "would will kindly thanks thank want like need an the please could can you i me "
    "am are is us let do not ok okay hey hi so just my near down".split())

#: Extra names of catalogue entries, beyond the lexicon's (singular keys, ...).
EXTRA_NAMES: dict[str, tuple[str, Any]] = {
    "key": ("obj", ObjectKind.KEYS),
    "set of key": ("obj", ObjectKind.KEYS),
    "television": ("furn", Furniture.TV_STAND),
    "tv": ("furn", Furniture.TV_STAND),
    "cellphone": ("obj", ObjectKind.PHONE),
    "tv room": ("room", RoomType.LIVING_ROOM),
    "family room": ("room", RoomType.LIVING_ROOM),
    "laundry": ("room", RoomType.LAUNDRY_ROOM),
    "dining": ("room", RoomType.DINING_ROOM),
    "loo": ("room", RoomType.BATHROOM),
    "stay": ("verb", "wait"),
}

#: Number words up to 99 ("twenty one" is two words).
NUMBERS: dict[str, int] = {lx.number_word(n): n for n in range(100)}


@dataclass(frozen=True)
class Chunk:
    """A recognised unit of the input.

    Attributes:
        kind: ``"room"``, ``"furn"``, ``"obj"``, ``"color"``, ``"num"``, ``"verb"``,
            ``"word"`` (any other known word) or ``"punct"``.
        value: the catalogue member, the number, the verb's base form, or the word.
        text: the normalised words it covers ("living room").
        pos: typed position of its first word.
    """

    kind: str
    value: Any
    text: str
    pos: int

    def is_(self, *words: str) -> bool:
        """Whether this chunk is one of ``words`` (compared with its text)."""
        return self.text in words


def _names() -> dict[str, tuple[str, Any]]:
    names: dict[str, tuple[str, Any]] = {}
    for rtype, words in lx.ROOM_WORDS.items():
        names.update({w.lower(): ("room", rtype) for w in words})
    for fkind, words in lx.FURNITURE_WORDS.items():
        names.update({w.lower(): ("furn", fkind) for w in words})
    for okind, nouns in lx.OBJECT_WORDS.items():
        names.update({n.text.lower(): ("obj", okind) for n in nouns})
    names.update({word: ("color", color) for color, word in lx.COLOR_WORDS.items()})
    for base, forms in lx.VERB_FORMS.items():
        names.update({f: ("verb", base) for f in (base, *forms)})
    for word, (kind, value) in EXTRA_NAMES.items():
        names[word] = (kind, value)
    return names


@cache
def names() -> dict[tuple[str, ...], tuple[str, Any]]:
    """Every multi-word name, as a word tuple, to ``(kind, value)``."""
    return {tuple(k.split()): v for k, v in _names().items()}


@cache
def known_words() -> frozenset[str]:
    """Every word the parser accepts."""
    words = {t for phrase in lx.phrases() for t in tokenize(phrase) if t.isalnum()}
    words |= {w for name in names() for w in name}
    return frozenset(words | EXTRA_WORDS)


def _longest(words: list[Word], i: int) -> tuple[int, str, Any] | None:
    table = names()
    for n in range(min(4, len(words) - i), 0, -1):
        key = tuple(w.text for w in words[i: i + n])
        if key in table:
            kind, value = table[key]
            return n, kind, value
    return None


def _number(words: list[Word], i: int) -> tuple[int, int] | None:
    text = words[i].text
    if text not in NUMBERS:
        return None
    if i + 1 < len(words) and f"{text} {words[i + 1].text}" in NUMBERS:
        return 2, NUMBERS[f"{text} {words[i + 1].text}"]
    return 1, NUMBERS[text]


def check_known(words: list[Word]) -> None:
    """Raise :class:`UnknownWordError` naming every unknown word, if any."""
    known = known_words()
    unknown = []
    for w in words:
        if w.text in (",", ".", "?") or w.text in known:
            continue
        near = difflib.get_close_matches(w.text, sorted(known), n=3, cutoff=0.75)
        unknown.append((w.pos, w.typed if w.text == w.typed.lower() else w.text, near))
    if unknown:
        raise UnknownWordError(unknown)


def chunk_words(words: list[Word]) -> list[Chunk]:
    """Chunks of already normalised words (see the module docstring)."""
    check_known(words)
    out: list[Chunk] = []
    i = 0
    while i < len(words):
        w = words[i]
        number = _number(words, i)
        found = _longest(words, i)
        if w.text in (",", ".", "?"):
            out.append(Chunk("punct", w.text, w.text, w.pos))
            i += 1
        elif number is not None and (found is None or number[0] >= found[0]):
            n, value = number
            out.append(Chunk("num", value, " ".join(x.text for x in words[i: i + n]), w.pos))
            i += n
        elif found is not None:
            n, kind, value = found
            out.append(Chunk(kind, value, " ".join(x.text for x in words[i: i + n]), w.pos))
            i += n
        else:
            out.append(Chunk("word", w.text, w.text, w.pos))
            i += 1
    return out


def chunk(text: str) -> list[Chunk]:
    """Chunks of typed ``text``; raises :class:`UnknownWordError` for unknown words."""
    return chunk_words(normalise(text))
