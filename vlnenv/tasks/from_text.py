"""Episodes from a person's own words: a typed instruction read with
:func:`vlnenv.language.parse` in a given house becomes an episode record like a sampled
one (reference path from the shortest-path oracle, goal cells, step budget from
:func:`~vlnenv.tasks.sample.max_steps_for`), so every metric works on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from vlnenv.errors import RouteError, TaskError, UnreachableGoalError, VLNError
from vlnenv.expert.oracle import Oracle
from vlnenv.language.instructions import Instruction, instruction_from_task
from vlnenv.language.parse import parse
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import episode_for, start_pose, trivial
from vlnenv.world.dynamics import Pose
from vlnenv.world.house import House

#: Start poses drawn before giving up when the goal already holds at each.
START_TRIES = 50


def check_start(house: House, start: Any) -> Pose:
    """``start`` as a pose ``(row, col, heading)`` on a cell the agent can stand on.

    Raises:
        TaskError: not three integers, heading outside 0..3, or a cell that is not floor
            or an open door of ``house``.
    """
    if (not isinstance(start, list | tuple) or len(start) != 3
            or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                       for v in start)):
        raise TaskError(f"start must be (row, col, heading), got {start!r}")
    r, c, h = (int(v) for v in start)
    if not 0 <= h < 4:
        raise TaskError(f"start heading must be 0..3 (0 east, 1 south, 2 west, 3 north), "
                        f"got {h}")
    if not house.in_bounds((r, c)) or not house.passable((r, c)):
        raise TaskError(f"start cell ({r}, {c}) is not a free cell of house {house.name!r}")
    return (r, c, h)


def typed_episode(house: House, text: str, rng: np.random.Generator,
                  start: Pose | None = None, house_id: str | None = None,
                  episode_id: str = "typed", oracle: Oracle | None = None) -> Episode:
    """The episode of ``text`` in ``house``.

    Args:
        house: where the episode takes place.
        text: the instruction as typed.
        rng: draws the start pose when ``start`` is ``None``.
        start: the start pose (and the requester's place for "bring me").
        house_id: the record's ``house`` field (defaults to the house's name).
        episode_id: the record's ``episode_id``.
        oracle: a shared oracle for ``house``.

    Raises:
        ParseError: ``text`` is not exactly one task in ``house`` (see :func:`parse`).
        TaskError: a bad start pose, one where the goal already holds, or a goal the
            agent cannot reach from it (a pillow on a bed walled in by furniture).
    """
    if not isinstance(text, str):
        raise TaskError(f"the instruction must be a string, got {type(text).__name__}")
    oracle = oracle if oracle is not None else Oracle(house)
    if start is not None:
        pose = check_start(house, start)
        instruction = parse(text, house, pose)
        if trivial(instruction, pose):
            raise TaskError(f"{text!r} already holds at the start {list(pose)}; expected a "
                            "start away from the goal")
        return _episode(instruction, pose, text, house_id, episode_id, oracle)
    for _ in range(START_TRIES):
        pose = start_pose(house, rng)
        try:
            instruction = parse(text, house, pose)
        except RouteError as err:
            raise RouteError(f"{err}; a route description needs the start pose it begins "
                             "from") from None
        if not trivial(instruction, pose):
            return _episode(instruction, pose, text, house_id, episode_id, oracle)
    raise TaskError(f"{text!r} held at each of {START_TRIES} start poses drawn in house "
                    f"{house.name!r}; give a start away from the goal")


def _episode(instruction: Instruction, pose: Pose, text: str, house_id: str | None,
             episode_id: str, oracle: Oracle) -> Episode:
    try:
        return episode_for(instruction, pose, text, house_id, episode_id, oracle)
    except UnreachableGoalError as err:
        raise TaskError(f"{text!r} cannot be carried out from {list(pose)}: {err}") from None


def read_episode(episode: Episode, house: House) -> Instruction:
    """The episode's task as its words read (:func:`parse` of ``episode.instruction`` from
    its start): the same task as the record's, and it knows what the words tell each room
    apart by (:attr:`GoToRoom.cue <vlnenv.language.instructions.GoToRoom>`), which the
    record does not keep. A ``follow_route`` episode is the record's task: a route's words
    name no room to tell apart, and the record holds the route exactly where the words may
    leave its end open ("turn right and wait at the entrance").

    Raises:
        TaskError: the words cannot be read in ``house``, or read as another task than the
            record's (naming the episode and both tasks).
    """
    if episode.family == "follow_route":
        return instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    try:
        read = parse(episode.instruction, house, episode.start)
    except VLNError as err:
        raise TaskError(f"episode {episode.episode_id}: its words cannot be read: "
                        f"{err}") from None
    task = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    if read.to_task() != task.to_task():
        raise TaskError(f"episode {episode.episode_id}: {episode.instruction!r} reads as "
                        f"{read.to_task()}, not the record's {task.to_task()}")
    return read
