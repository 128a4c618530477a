"""Captions of a view from what it shows (:mod:`vlnenv.pretrain.scene`): the room, then
the nearest visible things with their side, e.g. "a bedroom , a blue bed ahead , a white
pillow on the bed and a door on the left .". Every word comes from the lexicon (the
shipped vocabulary); several phrasings per view differ in templates, synonyms and order.
With ``phrasing="trained"`` the names of rooms, furniture and objects are the trained ones
only (:mod:`vlnenv.language.phrasing`), so pretraining leaves the held-out names unseen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from vlnenv.language.lexicon import FURNITURE_WORDS, OBJECT_WORDS, ROOM_WORDS
from vlnenv.language.phrasing import Phrasing, allowed, as_phrasing
from vlnenv.pretrain.scene import Thing, room_here, things
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.objects import ObjectKind

#: How the room opens a caption.
ROOM_OPENERS: tuple[str, ...] = ("a {room}", "in the {room}", "this is the {room}",
                                 "you are in the {room}")
#: How a side is said.
SIDE_PHRASES: dict[str, tuple[str, ...]] = {
    "left": ("on the left", "to your left", "on your left"),
    "ahead": ("ahead", "straight ahead", "just ahead"),
    "right": ("on the right", "to your right", "on your right"),
}
#: Things named in one caption at most (the nearest ones).
MAX_THINGS = 4

T = TypeVar("T")


def _pick(options: Sequence[T], rng: np.random.Generator,
          phrasing: Phrasing = Phrasing.ANY) -> T:
    options = allowed(options, phrasing)
    return options[int(rng.integers(len(options)))]


def _phrase(thing: Thing, view: int, rng: np.random.Generator, phrasing: Phrasing) -> str:
    side = _pick(SIDE_PHRASES[thing.side(view)], rng)
    if thing.what == "door":
        return f"a door {side}"
    if thing.what == "furniture":
        name = _pick(FURNITURE_WORDS[Furniture(thing.kind)], rng, phrasing)
        return f"a {name.lower()} {side}"
    noun = _pick(OBJECT_WORDS[ObjectKind(thing.kind)], rng, phrasing)
    color = Color(thing.color).word
    where = (f"on the {_pick(FURNITURE_WORDS[Furniture(thing.on)], rng, phrasing).lower()}"
             if thing.on >= 0 else side)
    return f"{noun.article} {color} {noun.text.lower()} {where}"


def caption(codes: np.ndarray, rng: np.random.Generator,
            phrasing: Phrasing = Phrasing.ANY) -> str:
    """One caption of the view ``codes`` (``(V, V)``), phrased with draws from ``rng``: the
    room the agent is in, then up to :data:`MAX_THINGS` of the nearest things in a random
    order, joined by commas and a final "and"; names of ``phrasing`` only."""
    view = codes.shape[0]
    room = _pick(ROOM_WORDS[room_here(codes)], rng, phrasing)
    parts = [_pick(ROOM_OPENERS, rng).format(room=room)]
    seen = things(codes)[:MAX_THINGS]
    order = rng.permutation(len(seen))
    named = [_phrase(seen[i], view, rng, phrasing) for i in order]
    if len(named) > 1:
        named = [*named[:-2], f"{named[-2]} and {named[-1]}"]
    return " , ".join(parts + named) + " ."


def captions(codes: np.ndarray, n: int, seed: int, phrasing: str = "any") -> list[str]:
    """``n`` phrasings of the view's caption, from their own generator seeded ``seed``,
    naming things with the names ``phrasing`` allows (``any``, ``trained``, ``held_out``)."""
    rng = np.random.default_rng(seed)
    said = as_phrasing(phrasing, "captions")
    return [caption(codes, rng, said) for _ in range(n)]


def scene_key(codes: np.ndarray) -> tuple:
    """What a caption of the view can say: the room type and the described things (kind,
    colour, side, what an object lies on). Views with equal keys have the same captions,
    so one's caption is never a negative for the other."""
    view = codes.shape[0]
    seen = things(codes)[:MAX_THINGS]
    return (int(room_here(codes)),
            tuple(sorted((t.what, t.kind, t.color, t.side(view) if t.on < 0 else "", t.on)
                         for t in seen)))
