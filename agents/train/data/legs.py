"""Which words of a route description the current step carries out: a supervised pointer
for the instruction tracker.

A route (``follow_route``) is told leg by leg, one leg per room it passes through
(:func:`vlnenv.language.legs.route_legs`), and each leg's words name its room ("Turn left
and leave the bathroom. Walk into the hallway, take one step forward and walk down the
hallway. Turn right into the bedroom, walk two steps and halt."). The words of leg ``k``
are taken to run from the start of the clause that first names room ``k + 1``'s type
after leg ``k``'s own naming (the clause starts after the last ``,`` or ``.`` before the
name) up to the start of leg ``k + 1``; leg 0 starts at the first word, the last leg ends
at the last. A leg whose room type is not named where it should be leaves the episode
without targets (``None``): the pointer is only taught where the words are found.

A demonstration step is in the leg of the route cell it stands on: the teacher walks the
reference route, so the cells of its poses run along the route in order (turns stay on a
cell; door cells belong to the leg before them). The tracker's attention at the step is
then asked to lie on that leg's words: the sub-instruction attention of Hong et al.
(2020), "Sub-Instruction Aware Vision-and-Language Navigation" (FG-R2R), whose pointer
into the instruction moves with the agent.

    target[t, i] = 1  iff  token i belongs to leg(t)      (token 0 is ``<cls>``)

A ``sequence`` ("Go to the bedroom with a desk, then walk over to the candle") is pointed
at the same way, part by part (:func:`part_spans`, :func:`step_parts`): a step is in the
part the instruction's checker is on (:class:`vlnenv.language.instructions.SequenceInstr`
moves on once the agent reaches the part), and its words run from where the parser cuts
the part (:func:`vlnenv.language.parse.part_positions`) to where the part said next
begins; the part said first starts at the first word. This is the stage of a sequence
held in the pointer, and :data:`POINTED_FAMILIES` are the families it is taught on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from vlnenv.errors import VLNError
from vlnenv.language import lexicon as lx
from vlnenv.language.instructions import SequenceInstr
from vlnenv.language.legs import route_legs
from vlnenv.language.normalise import normalise
from vlnenv.language.parse import part_positions
from vlnenv.language.vocab import tokenize
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.world.house import House, Pos
from vlnenv.world.rooms import RoomType

#: Tokens after which a clause starts.
CLAUSE_BREAKS = frozenset({",", "."})
#: Families whose demonstrations can be given pointer targets.
POINTED_FAMILIES = ("follow_route", "sequence")
#: The families pointed at unless told otherwise (``optim.leg_families``' default).
ROUTES_ONLY = frozenset({"follow_route"})


@cache
def room_names() -> dict[RoomType, tuple[tuple[str, ...], ...]]:
    """Every name of each room type, as token tuples (``("living", "room")``), longest
    first."""
    return {t: tuple(sorted((tuple(tokenize(w)) for w in words), key=len, reverse=True))
            for t, words in lx.ROOM_WORDS.items()}


def find_name(tokens: Sequence[str], names: Sequence[tuple[str, ...]], start: int) -> int | None:
    """The first index ``>= start`` at which one of ``names`` (token tuples) begins in
    ``tokens``, or ``None``."""
    for i in range(start, len(tokens)):
        for name in names:
            if tuple(tokens[i:i + len(name)]) == name:
                return i
    return None


def clause_start(tokens: Sequence[str], i: int) -> int:
    """The first token of the clause holding token ``i``: just after the last ``,`` or
    ``.`` before it (0 when none)."""
    for j in range(i - 1, -1, -1):
        if tokens[j] in CLAUSE_BREAKS:
            return j + 1
    return 0


def leg_spans(tokens: Sequence[str], rooms: Sequence[RoomType]) -> list[tuple[int, int]] | None:
    """``[start, end)`` token spans of each leg of a route description (module docstring).

    Args:
        tokens: the description's tokens (:func:`vlnenv.language.vocab.tokenize`).
        rooms: the type of each leg's room, in order.

    Returns:
        One span per leg, covering ``tokens`` end to end in order; ``None`` when a leg
        after the first has no clause of its own naming its room (or the last leg's
        room is not named at all).
    """
    if not rooms:
        return None
    names = room_names()
    starts = [0]
    cursor = 0
    for k, room in enumerate(rooms):
        found = find_name(tokens, names[room], cursor)
        if found is None:
            return None
        if k > 0:
            start = max(clause_start(tokens, found), starts[-1] + 1)
            if start > found:
                return None
            starts.append(start)
        cursor = found + 1
    ends = [*starts[1:], len(tokens)]
    return list(zip(starts, ends, strict=True))


def step_legs(cells: Sequence[Pos], route: Sequence[Pos],
              firsts: Sequence[int]) -> np.ndarray | None:
    """``(n,)`` the leg of each of ``n`` steps standing on ``cells`` along ``route`` whose
    legs start at route indices ``firsts`` (increasing, ``firsts[0] == 0``); ``None``
    when a cell is off the route ahead of the previous one (not the teacher's walk)."""
    out = np.zeros(len(cells), np.int64)
    at = 0  # route index of the previous step's cell
    for t, cell in enumerate(cells):
        cell = (int(cell[0]), int(cell[1]))
        while at < len(route) and tuple(route[at]) != cell:
            at += 1
        if at == len(route):
            return None
        out[t] = int(np.searchsorted(firsts, at, side="right")) - 1
    return out


def leg_targets(episode: Episode, house: House, poses: Sequence[Sequence[int]],
                max_len: int) -> np.ndarray | None:
    """``(n, max_len)`` bool: for each of the ``n`` steps of a ``follow_route``
    demonstration standing at ``poses`` (``(row, col, heading)``), the instruction tokens
    (``<cls>`` first, as :meth:`vlnenv.language.vocab.Tokenizer.encode` lays them out) of
    the leg it is in; ``None`` for other families, or where :func:`leg_spans` or
    :func:`step_legs` find no alignment, or the step's leg is cut off by ``max_len``."""
    if episode.family != "follow_route" or not episode.reference_path:
        return None
    route = [tuple(c) for c in episode.reference_path]
    legs = route_legs(house, route)
    spans = leg_spans(tokenize(episode.instruction), [house.rooms[g.room].type for g in legs])
    if spans is None:
        return None
    per_step = step_legs([p[:2] for p in poses], route, [g.first for g in legs])
    if per_step is None:
        return None
    return _token_rows(per_step, spans, max_len)


def _token_rows(per_step: np.ndarray, spans: Sequence[tuple[int, int]],
                max_len: int) -> np.ndarray | None:
    """``(n, max_len)`` bool rows marking span ``per_step[t]`` (shifted one for
    ``<cls>``); ``None`` when a span starts at or past ``max_len``."""
    out = np.zeros((len(per_step), max_len), bool)
    for t, k in enumerate(per_step):
        start, end = spans[k]
        if start + 1 >= max_len:
            return None
        out[t, start + 1:min(end + 1, max_len)] = True  # +1: <cls> is token 0
    return out


def part_spans(text: str, parts: int) -> list[tuple[int, int]] | None:
    """``[start, end)`` token spans (:func:`vlnenv.language.vocab.tokenize`) of each part of
    a sequence instruction, for the ``parts`` parts in the order they are to be done
    (module docstring); ``None`` when the parser does not cut ``text`` into that many
    parts, or cannot read it."""
    try:
        positions = part_positions(text)  # typed word number of each part's first word
    except VLNError:
        return None
    if len(positions) != parts or parts < 2:
        return None
    first_token: dict[int, int] = {}
    words = normalise(text)
    for i, word in enumerate(words):
        first_token.setdefault(word.pos, i)
    starts = [first_token.get(p) for p in positions]
    if None in starts or len(set(starts)) != parts:
        return None
    said = sorted(range(parts), key=lambda k: starts[k])  # parts in the order told
    bounds = [0, *(starts[k] for k in said[1:]), len(words)]
    spans: list[tuple[int, int]] = [(0, 0)] * parts
    for j, k in enumerate(said):
        spans[k] = (bounds[j], bounds[j + 1])
    return spans


def step_parts(episode: Episode, house: House, actions: Sequence[int]) -> np.ndarray | None:
    """``(n,)`` the part of a ``sequence`` episode each of its ``n`` ``actions`` is taken
    in: the part the checker is on before the action (it moves on when the agent reaches
    a part); ``None`` for other families."""
    run = EpisodeRun(episode, house)
    instruction = run.instruction
    if not isinstance(instruction, SequenceInstr):
        return None
    out = np.zeros(len(actions), np.int64)
    for t, action in enumerate(actions):
        out[t] = instruction.done
        run.step(int(action))
    return out


def part_targets(episode: Episode, house: House, actions: Sequence[int],
                 max_len: int) -> np.ndarray | None:
    """``(n, max_len)`` bool: for each of the ``n`` ``actions`` of a ``sequence``
    demonstration, the instruction tokens (``<cls>`` first) of the part it is taken in;
    ``None`` for other families, or where :func:`part_spans` finds no cut, or a step's
    part is cut off by ``max_len``."""
    if episode.family != "sequence":
        return None
    spans = part_spans(episode.instruction, len(episode.task["parts"]))
    if spans is None:
        return None
    per_step = step_parts(episode, house, actions)
    if per_step is None:
        return None
    return _token_rows(per_step, spans, max_len)


def pointer_targets(episode: Episode, house: House, poses: Sequence[Sequence[int]],
                    actions: Sequence[int], max_len: int,
                    families: frozenset[str] = ROUTES_ONLY) -> np.ndarray | None:
    """The pointer targets of a teacher demonstration of a family in ``families``
    (:func:`leg_targets` for a route, :func:`part_targets` for a sequence), else
    ``None``."""
    if episode.family not in families:
        return None
    if episode.family == "follow_route":
        return leg_targets(episode, house, poses, max_len)
    return part_targets(episode, house, actions, max_len)
