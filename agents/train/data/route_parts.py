"""A route demonstration cut into one demonstration per part of its description
(``data.route_parts``): what a policy that reads a route part by part
(``model.read_route_parts``, :mod:`agents.evaluation.parts`) is taught.

The parts and where each is done on the route come from
:func:`vlnenv.language.route_parts.route_part_ends`. Each part is then walked as its words
say, from where the part before it left the reader (the episode's start pose for the
first), along the route's cells to its end cell, turning to its end heading when it has
one (:func:`walk_part`):

    for each next route cell: turn towards it (left, right, or left twice), open a
    closed door in the way, step forward; then turn to the end heading; then stop.

These are the oracle's moves along the route, with its turns, except where the words say
more than the shortest path does: "turn right" at the start of a route whose first step
is a one-cell jog means facing the way the route then runs, and the part turns there
(the oracle, knowing the route, would step first).

Its episode starts at the part's start pose with the part's words as the instruction, so
a replay renders it as the reader sees it after moving on: a fresh start (the ``gps``
observation counts from there, as the policy counts it; doors opened by an earlier part
show closed, which never blocks a part: a door is opened and walked through in one part).

A demonstration whose parts cannot be placed (the describer leaves a part's end open, a
part with no move) is left out and counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from agents.train.data.demo_set import DemoSet
from vlnenv.actions import Action
from vlnenv.errors import ParseError
from vlnenv.language.parse_route import Atom
from vlnenv.language.route import End
from vlnenv.language.route_parts import part_atoms, route_part_ends
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import RunTrace
from vlnenv.world.dynamics import EpisodeState, Pose
from vlnenv.world.house import CELL_DOOR_CLOSED, DIRECTIONS, House, Pos

FAMILY = "follow_route"
_LEFT, _RIGHT, _FORWARD, _TOGGLE, _STOP = (int(Action.TURN_LEFT), int(Action.TURN_RIGHT),
                                           int(Action.FORWARD), int(Action.TOGGLE),
                                           int(Action.STOP))


def turns(heading: int, toward: int) -> list[int]:
    """The turns from ``heading`` to ``toward``: none, right, left, or left twice."""
    rel = (toward - heading) % 4
    return [[], [_RIGHT], [_LEFT, _LEFT], [_LEFT]][rel]


def walk_part(house: House, start: Pose, route: Sequence[Pos], end: End
              ) -> tuple[list[int], list[Pose]] | None:
    """The actions of one part (the last one ``stop``) and the pose before each: from
    ``start`` (on a route cell) along the route to cell ``end[0]``, then turned to
    ``end[1]`` (see the module docstring); ``None`` when the start is not on the route
    before the end, a step is blocked, or the part has no move."""
    cells = [tuple(c) for c in route]
    here = (int(start[0]), int(start[1]))
    if here not in cells or cells.index(here) > end[0]:
        return None
    state = EpisodeState.initial(house, start)
    actions: list[int] = []
    poses: list[Pose] = []

    def do(action: int) -> None:
        poses.append(state.pose)
        actions.append(action)
        state.step_action(action)

    for cell in cells[cells.index(here) + 1: end[0] + 1]:
        step = (cell[0] - state.pos[0], cell[1] - state.pos[1])
        for action in turns(state.heading, DIRECTIONS.index(step)):
            do(action)
        if int(state.structure[cell]) == CELL_DOOR_CLOSED:
            do(_TOGGLE)
        do(_FORWARD)
        if state.pos != cell:
            return None
    if end[1] is not None:
        for action in turns(state.heading, end[1]):
            do(action)
    if not actions:
        return None
    poses.append(state.pose)
    actions.append(_STOP)
    return actions, poses


def _part_episode(ep: Episode, u: int, text: str, pose: tuple[int, int, int],
                  route: Sequence[Pos], first: int, last: int) -> Episode:
    """Part ``u`` of ``ep``: from ``pose`` (on route cell ``first``) to route cell
    ``last``; its task is the route from ``first`` on (at least two cells)."""
    rest = [list(c) for c in route[min(first, len(route) - 2):]]
    return dataclasses.replace(
        ep, episode_id=f"{ep.episode_id}/part{u}", start=tuple(int(v) for v in pose),
        instruction=text, task={"family": FAMILY, "heading": int(pose[2]), "route": rest},
        reference_path=tuple(tuple(c) for c in route[first: last + 1]))


def split_route_demos(demos: DemoSet, houses: Mapping[str, House]) -> tuple[DemoSet, int]:
    """``demos`` with each teacher's own ``follow_route`` demonstration replaced by its
    parts (see the module docstring); others are kept as they are.

    Returns:
        The demonstrations, and how many route demonstrations were left out because their
        parts could not be placed.
    """
    keep: list[DemoSet] = []
    dropped = 0
    for i, ep in enumerate(demos.episodes):
        if ep.family != FAMILY or not demos.expert[i]:
            keep.append(demos.subset([i]))
            continue
        parts = route_part_episodes(ep, houses[ep.house])
        if parts is None:
            dropped += 1
            continue
        keep.append(DemoSet([p[0] for p in parts], [p[1] for p in parts],
                            [p[1].copy() for p in parts], np.ones(len(parts), bool),
                            np.ones(len(parts), bool), [p[2] for p in parts], {}))
    out = DemoSet.concat(keep, {**demos.meta, "route_parts": True})
    return out, dropped


def route_part_episodes(ep: Episode, house: House
                        ) -> list[tuple[Episode, np.ndarray, RunTrace, End]] | None:
    """The parts of one route episode, each walked from where the one before it ended:
    ``(episode, actions, trace, end)`` each (the part's episode, its moves ending in
    ``stop``, the poses before them, where on the route its words are done:
    :func:`~vlnenv.language.route_parts.route_part_ends`); ``None`` when its parts cannot
    be placed."""
    route = [tuple(int(v) for v in c) for c in ep.task["route"]]
    placed = route_part_ends(house, route, int(ep.task["heading"]), ep.instruction)
    if placed is None:
        return None
    out = []
    pose: Pose = tuple(int(v) for v in ep.start)  # type: ignore[assignment]
    for u, (text, end) in enumerate(placed):
        walked = walk_part(house, pose, route, end)
        if walked is None:
            return None
        actions, poses = walked
        trace = RunTrace(poses, [0] * len(poses), [frozenset({route[end[0]]})])
        first = route.index(pose[:2])
        out.append((_part_episode(ep, u, text, pose, route, first, end[0]),
                    np.asarray(actions, np.uint8), trace, end))
        pose = poses[-1]
    return out


def walk_steps(text: str) -> int | None:
    """``N`` when ``text`` (one part) is a "walk N steps" clause, alone or with a stop
    ("take eleven steps forward and come to a stop"); ``None`` otherwise.

    >>> walk_steps("go forward fourteen steps"), walk_steps("walk two steps and stop there")
    (14, 2)
    >>> walk_steps("turn left") is None
    True
    """
    try:
        parts = part_atoms(text)
    except ParseError:
        return None
    return walk_length(parts[0]) if parts is not None and len(parts) == 1 else None


def walk_length(atoms: Sequence[Atom]) -> int | None:
    """``N`` when the clauses of one part (:func:`~vlnenv.language.route_parts.part_atoms`)
    are a "walk N steps" clause, alone or followed by a stop; ``None`` otherwise.

    >>> walk_length([("steps", ("{steps}", 11)), ("stop",)]), walk_length([("turn_left",)])
    (11, None)
    """
    if atoms[0][0] != "steps" or [a[0] for a in atoms[1:]] not in ([], ["stop"]):
        return None
    return int(dict(atoms[0][1:])["{steps}"])


def is_long_walk(ep: Episode, from_steps: int) -> bool:
    """Whether ``ep`` is a route part that walks ``from_steps`` steps or more
    (:func:`walk_steps`)."""
    if ep.family != FAMILY:
        return False
    steps = walk_steps(ep.instruction)
    return steps is not None and steps >= from_steps


def repeat_long_walks(demos: DemoSet, from_steps: int, times: int) -> tuple[DemoSet, int]:
    """``demos`` with each route-part demonstration that walks ``N >= from_steps`` steps
    (:func:`is_long_walk`) played ``times`` times an epoch (copies next to their
    original), and how many copies were added.

    A model that reads routes part by part follows "walk N steps" by its ``gps`` count
    from where the part starts. On ``val_unseen`` the longer recipe's model of page 38 did
    such parts for ``N`` of 1-3 in 92-98% of cases in every suite, 4-7 in 77-89% (47% in
    hand-made houses) and 8-12 in 25-54%, while ``small/train``'s 1,000 routes say "N
    steps" with ``N >= 8`` only 62 times (``scripts/route_part_modes.py``;
    docs/experiments/39-long-walks-counted.md)."""
    reps = np.asarray([times if is_long_walk(ep, from_steps) else 1
                       for ep in demos.episodes], np.int64)  # (n,)
    return demos.repeated(reps), int((reps - 1).sum())
