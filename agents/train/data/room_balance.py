"""Goal rooms that are hard to find seen more often: the ``go_to_room`` and
``go_to_object`` demonstrations whose goal lies in a room of a rare type
(``data.room_balance``), or in a room with a look-alike (``data.lookalike_repeat``),
repeated in the training data.

The generator draws room types by fixed weights (:mod:`vlnenv.world.generate`), so in the
``small`` and ``large`` train houses together a laundry room, pantry or garage holds the
goal of about 1 in 100 goal-finding demonstrations and a bedroom of 1 in 4; in big houses
(more rooms, so more of the rare types) such goals are about a quarter of the episodes and
over half of the goal-finding failures. At ``power = 1`` on the longer recipe's second half
hour the rare types' goals in big houses gained what the common ones lost, no more
(docs/experiments/33-rare-rooms-and-wrong-stops.md).

With ``n_t`` goal-finding demonstrations whose goal room has type ``t``, ``N = Σ n_t`` of
them and ``K`` types present, each is played

    r_t = clip(round((N / (K · n_t)) ** power), 1, cap)

times an epoch (``power = 1``: as often as an even share ``N / K`` would give, up to
``cap``; ``power = 0``: once, as without balancing). Demonstrations of the other families,
and any whose goal is in no room, are played once. This is the inverse-frequency
re-sampling of class-balanced training (Kang et al., 2020, "Decoupling representation
and classifier for long-tailed recognition", ``q``-balanced sampling with ``q = 1 -
power``), applied to whole episodes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from agents.train.data.demo_set import DemoSet
from vlnenv.language.instructions import GoToObject, GoToRoom, instruction_from_task
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


def goal_room(episode: Episode, house: House) -> int | None:
    """Index of the room the goal of a ``go_to_room`` or ``go_to_object`` episode lies in:
    the room the instruction names, or the room of the target object's cell (furniture
    belongs to the room it stands in); ``None`` for other families or a goal in no room."""
    if episode.family not in ("go_to_room", "go_to_object"):
        return None
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    if isinstance(instruction, GoToRoom):
        return instruction.room
    if isinstance(instruction, GoToObject):
        return house.room_of(instruction.item.cell)
    return None


def goal_room_type(episode: Episode, house: House) -> str | None:
    """The type name (``"laundry_room"``) of :func:`goal_room`'s room, or ``None``."""
    room = goal_room(episode, house)
    return None if room is None else house.rooms[room].type.name.lower()


def balance_repeats(types: Sequence[str | None], power: float, cap: int) -> np.ndarray:
    """``(n,)`` int64 times each demonstration is played: ``r_t`` of the module docstring
    for one whose goal room has type ``types[i]``, 1 for ``None``.

    >>> balance_repeats(["a", "a", "a", "b", None], power=1.0, cap=8).tolist()
    [1, 1, 1, 2, 1]
    """
    counts = Counter(t for t in types if t is not None)
    total, kinds = sum(counts.values()), len(counts)
    repeats = {t: int(np.clip(round((total / (kinds * n)) ** power), 1, cap))
               for t, n in counts.items()}
    return np.asarray([1 if t is None else repeats[t] for t in types], np.int64)


def balance_rooms(demos: DemoSet, houses: Mapping[str, House], power: float,
                  cap: int) -> tuple[DemoSet, Counter[str]]:
    """``demos`` with each demonstration repeated as :func:`balance_repeats` says (copies
    next to their original; the loader shuffles every epoch), and per room type the
    demonstrations added."""
    types = [goal_room_type(ep, houses[ep.house]) for ep in demos.episodes]
    repeats = balance_repeats(types, power, cap)  # (n,)
    added: Counter[str] = Counter()
    for t, r in zip(types, repeats, strict=True):
        if t is not None and r > 1:
            added[t] += int(r) - 1
    return demos.repeated(repeats), added


def has_lookalike(episode: Episode, house: House) -> bool:
    """Whether the goal room of a ``go_to_room`` episode (:func:`goal_room`) has a
    look-alike: another room of its type in the house, so that only the words' relation
    ("the bedroom with the desk", "next to the bathroom") tells which one is meant."""
    if episode.family != "go_to_room":
        return False
    room = goal_room(episode, house)
    if room is None:
        return False
    kind = house.rooms[room].type
    return sum(r.type == kind for r in house.rooms) > 1


def repeat_lookalikes(demos: DemoSet, houses: Mapping[str, House],
                      repeats: int) -> tuple[DemoSet, int]:
    """``demos`` with each ``go_to_room`` demonstration whose goal room has a look-alike
    (:func:`has_lookalike`) played ``repeats`` times an epoch (copies next to their
    original), and how many copies were added."""
    times = np.asarray([repeats if has_lookalike(ep, houses[ep.house]) else 1
                        for ep in demos.episodes], np.int64)  # (n,)
    return demos.repeated(times), int((times - 1).sum())
