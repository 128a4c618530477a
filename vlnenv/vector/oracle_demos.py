"""Oracle demonstrations for many episodes, fast. Twin of :func:`vlnenv.tasks.solver.solve`
with the oracle (the same actions; ``tests/vlnenv/vector/test_batched.py`` checks them).

:func:`~vlnenv.tasks.solver.play_expert` asks the oracle for one action per step (a stage, a
goal, a field look-up and a greedy choice each time). The same actions come out of one
:meth:`~vlnenv.expert.oracle.Oracle.route` per stage: the field of the stage's goal is
followed down to a goal pose, then the stage's own action (``pickup``, ``stop``) is taken.
They are the same because a route ends at the first goal pose it reaches (the field is 0
exactly there), the stage changes only at those ends (an object picked up, a sequence part
reached), and greedy descent on the field a route started with agrees with the solver's
choices after a door it opened (``tests/vlnenv/vector/test_batched.py`` checks the actions against
the solver's on sampled and suite episodes). Fields are cached per (house, goal, doors) by
one :class:`Oracle` per house, so episodes in the same house share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.expert.oracle import Oracle
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import stage_goal
from vlnenv.vector.layout import ObjectCache
from vlnenv.world.house import House


def oracle_actions(run: EpisodeRun, oracle: Oracle | None = None,
                   max_steps: int = 10_000) -> list[int]:
    """Play ``run`` with the oracle until it stops and return the actions taken, ending
    with ``stop``: those ``play_expert(run, "oracle")`` takes.

    Raises:
        TaskError: if the expert has not stopped within ``max_steps`` actions.
    """
    oracle = oracle if oracle is not None else Oracle(run.house)
    instruction, state = run.instruction, run.state
    actions: list[int] = []
    while not state.stopped:
        stage = instruction.stage(state)
        route = oracle.route(state.pose, stage_goal(stage), state.structure)
        run.replay(route.actions)
        actions.extend(route.actions)
        if instruction.stage(state) == stage:  # at the stage's goal: its own action
            action = int(stage.then if stage.then is not None else Action.STOP)
            run.step(action)
            actions.append(action)
        if len(actions) > max_steps:
            raise TaskError(f"oracle did not finish {instruction!r} within {max_steps} steps")
    return actions


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
