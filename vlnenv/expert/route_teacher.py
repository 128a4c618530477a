"""A teacher for ``follow_route`` that keeps to the described route, for states off it.

The oracle's label for a route episode is the shortest way to the route's end (the
instruction's stage). On the route the two agree: the route *is* the oracle's path. Off
it (a learner that took a wrong turn, the states DAgger labels), the shortest way to the
end is a way the words never described: it cannot be read from the instruction or seen
in the view. This teacher instead leads back to the route and on along it, the labels an
instruction-faithful expert gives (the path-fidelity argument of Jain et al., 2019, "Stay
on the Path: Instruction Fidelity in Vision-and-Language Navigation"):

* **progress** ``k``: the furthest route cell reached so far, walking the episode's path
  (:attr:`~vlnenv.world.dynamics.EpisodeState.path`) and taking every route cell it
  stands on that lies further along than ``k`` (a cell behind never takes it back);
* **label**: the oracle's action towards standing on ``route[k + 1]``; once the end is
  reached (``k`` the last index), towards standing on the end, and ``stop`` there.

It needs the state and the route only, so any state can be labelled, in any order.
"""

from __future__ import annotations

from collections.abc import Sequence

from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import Pos


def route_progress(route: Sequence[Pos], path: Sequence[Pos]) -> int:
    """``k``: the index of the furthest cell of ``route`` that ``path`` has stood on, taken
    in walking order (module docstring); 0 when it has stood on none but the start."""
    first = {}
    for i, cell in enumerate(route):
        first.setdefault(tuple(cell), i)
    k = 0
    for cell in path:
        k = max(k, first.get(tuple(cell), 0))
    return k


def route_action(route: Sequence[Pos], state: EpisodeState, oracle: Oracle) -> int:
    """The route teacher's action in ``state`` (module docstring).

    Raises:
        UnreachableGoalError: the next route cell cannot be reached from the state.
    """
    k = route_progress(route, state.path)
    target = tuple(route[min(k + 1, len(route) - 1)])
    return int(oracle.action(state.pose, Goal.stand([target]), state.structure))
