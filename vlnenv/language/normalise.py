"""Typed English to plain lower-case words: the first step of parsing and tokenizing.

People type "I'd like the living-room's TV remote, please!" where the generator writes
"I would like ... the living room ... TV remote". :func:`normalise` maps what is typed to
the generator's spelling wherever the meaning is clear:

* capitals are lowered and curly quotes straightened;
* contractions are spelt out ("I'd" -> "i would", "don't" -> "do not", "it's" ->
  "it is"); a possessive "'s" or trailing "'" is dropped ("the kitchen's sink" ->
  "the kitchen sink");
* hyphens and slashes separate words ("living-room" -> "living room"); dotted
  abbreviations close up ("T.V." -> "tv");
* whole numbers written as digits become number words ("3 steps" -> "three steps");
* "!" ends a sentence like "."; ";" and ":" separate like ","; every other
  punctuation character is dropped.

Each word remembers its position in the typed text (1-based word number) so that errors
can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vlnenv.language.lexicon import number_word

#: Contractions spelt out (after lower-casing and straightening quotes).
CONTRACTIONS: dict[str, str] = {
    "i'd": "i would", "i'm": "i am", "i'll": "i will", "i've": "i have",
    "you'd": "you would", "you're": "you are", "you'll": "you will", "you've": "you have",
    "we'd": "we would", "we're": "we are", "we'll": "we will", "let's": "let us",
    "it's": "it is", "that's": "that is", "there's": "there is", "here's": "here is",
    "what's": "what is", "where's": "where is",
    "don't": "do not", "doesn't": "does not", "didn't": "did not", "can't": "can not",
    "cannot": "can not", "won't": "will not", "wouldn't": "would not",
    "shouldn't": "should not", "isn't": "is not", "aren't": "are not",
}
#: Punctuation kept as a token of its own, and what it stands for.
PUNCTUATION: dict[str, str] = {
    ",": ",", ".": ".", "?": "?", "!": ".", ";": ",", ":": ",",
}

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                         "\u2013": "-", "\u2014": "-"})
_ABBREVIATION = re.compile(r"^(?:[a-z]\.){2,}$")
_PIECE = re.compile(r"[a-z0-9']+|[,.?!;:]")


@dataclass(frozen=True)
class Word:
    """One normalised word (or punctuation mark) and where it was typed.

    Attributes:
        text: the normalised word ("would", "three", ",").
        pos: 1-based number of the whitespace-separated word it came from.
        typed: that typed word as written ("I'd").
    """

    text: str
    pos: int
    typed: str


def _spell(piece: str) -> list[str]:
    """Words of one letters/digits/apostrophe run."""
    piece = piece.strip("'")
    if not piece:
        return []
    if piece in CONTRACTIONS:
        return CONTRACTIONS[piece].split()
    if piece.endswith("n't"):
        return [piece[:-3], "not"]
    if piece.endswith("'s"):
        return [piece[:-2]]
    for tail, full in (("'re", "are"), ("'ll", "will"), ("'ve", "have"), ("'d", "would"),
                       ("'m", "am")):
        if piece.endswith(tail):
            return [piece[: -len(tail)], full]
    if piece.isdigit() and int(piece) < 100:
        return number_word(int(piece)).split()
    return [piece.replace("'", "")]


def normalise(text: str) -> list[Word]:
    """The normalised words of ``text`` (see the module docstring).

    Args:
        text: any typed English.

    Returns:
        Words and punctuation marks in order, each with its typed position.
    """
    out: list[Word] = []
    for pos, typed in enumerate(str(text).translate(_QUOTES).split(), start=1):
        low = typed.lower()
        if _ABBREVIATION.match(low):
            low = low.replace(".", "")
        low = re.sub(r"[-/]", " ", low)
        for piece in _PIECE.findall(low):
            if piece in PUNCTUATION:
                out.append(Word(PUNCTUATION[piece], pos, typed))
            else:
                out.extend(Word(w, pos, typed) for w in _spell(piece))
    return out


def normalise_text(text: str) -> str:
    """:func:`normalise` as one string, words joined by single spaces."""
    return " ".join(w.text for w in normalise(text))
