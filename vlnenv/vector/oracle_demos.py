"""Oracle demonstrations for many episodes, fast. Twin of :func:`vlnenv.tasks.solver.solve`
with the oracle (the same actions; ``tests/vlnenv/vector/test_batched.py`` checks them).

:func:`~vlnenv.tasks.solver.play_expert` asks the oracle for one action per step (a stage, a
goal, a field look-up and a greedy choice each time);
:func:`~vlnenv.tasks.solver.oracle_actions` takes the same actions in
one :meth:`~vlnenv.expert.oracle.Oracle.route` per stage
(``tests/vlnenv/vector/test_batched.py`` checks the actions against the solver's on sampled
and suite episodes). Fields are cached per (house, goal, doors) by
one :class:`Oracle` per house, so episodes in the same house share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from vlnenv.expert.oracle import Oracle
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import oracle_actions
from vlnenv.vector.layout import ObjectCache
from vlnenv.world.house import House

__all__ = ["oracle_demos"]


def oracle_demos(
    episodes: Iterable[Episode], houses: Mapping[str, House], cache_houses: int = 512,
) -> Iterator[tuple[Episode, list[int]]]:
    """``(episode, oracle actions)`` for each episode record, sharing one oracle (and its
    cached fields) per house.

    Args:
        episodes: the records (a suite split, say).
        houses: house id -> house for every record's ``house``.
        cache_houses: how many houses' oracles to keep.
    """
    oracles = ObjectCache(cache_houses)
    for episode in episodes:
        house = houses[episode.house]
        oracle = oracles.get(house, "oracle", lambda house=house: Oracle(house))
        yield episode, oracle_actions(EpisodeRun(episode, house), oracle)
