"""Task sampling: a valid episode of any family in a house, from a seeded generator.

For each family the sampler draws a start pose and a target, builds the instruction,
realises its English surface (which refuses ambiguous referents), runs the shortest-path
oracle to get the reference path, and sets the step budget with :func:`max_steps_for`.
A draw that cannot work (no unambiguous referent, goal already reached, ...) is retried;
after ``max_tries`` draws a :class:`~vlnenv.errors.TaskError` says why the last one failed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vlnenv.errors import TaskError, VLNError
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.language.instructions import (
    FAMILIES,
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
    object_goal_cells,
)
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import oracle_actions
from vlnenv.world.dynamics import EpisodeState, Pose
from vlnenv.world.house import CELL_FLOOR, House

#: Families sampled when none is asked for, with their weights.
DEFAULT_FAMILIES: tuple[str, ...] = FAMILIES

#: Shortest reference route (in cells) for ``follow_route``.
MIN_ROUTE_CELLS = 6


def max_steps_for(house: House, reference_actions: int) -> int:
    """Step budget of an episode.

    ``max_steps = 2 * n_ref + n_free + 20``, where ``n_ref`` is the number of actions
    the shortest-path oracle needs and ``n_free`` the number of cells the agent can stand
    on (floor and doors). The first term leaves room for detours along a known route; the
    second for exploring: the explorer, which must look for goals it has not seen, used at
    most 61% of this budget over every family on 300 small and 30 large generated houses
    (``tests/vlnenv/tasks/test_sample.py`` checks that it fits on many more).
    """
    n_free = int(np.count_nonzero(house.traversable_mask()))
    return 2 * reference_actions + n_free + 20


def start_pose(house: House, rng: np.random.Generator) -> Pose:
    """A start pose drawn uniformly over floor cells and headings."""
    floor = np.argwhere(house.structure == CELL_FLOOR)
    r, c = floor[rng.integers(len(floor))].tolist()
    return (r, c, int(rng.integers(4)))


def _draw_go_to_room(house: House, rng: np.random.Generator, start: Pose) -> Instruction:
    start_room = house.room_of(start[:2])
    rooms = [i for i in range(len(house.rooms)) if i != start_room]
    if not rooms:
        raise TaskError("go_to_room needs a room other than the start room")
    return GoToRoom(house, int(rng.choice(rooms)))


def _draw_go_to_object(house: House, rng: np.random.Generator, start: Pose) -> Instruction:
    goals = {it: object_goal_cells(house, it.cell) for it in house.objects}
    items = [it for it, goal in goals.items() if goal and start[:2] not in goal]
    if not items:
        raise TaskError("go_to_object needs an object away from the start")
    return GoToObject(house, items[int(rng.integers(len(items)))])


def _draw_fetch(house: House, rng: np.random.Generator, start: Pose) -> Instruction:
    items = [it for it in house.objects if house.neighbours(it.cell)]
    if not items:
        raise TaskError("fetch needs an object that can be picked up")
    item = items[int(rng.integers(len(items)))]
    color = item.color if rng.random() < 0.5 else None
    room = house.room_of(item.cell) if rng.random() < 0.5 else None
    task = Fetch(house, item.kind, start[:2], color, room)
    if any(cell in task.goal_cells for cell in task.targets):
        raise TaskError("fetch target lies next to the requester")
    return task


def _draw_follow_route(
    house: House, rng: np.random.Generator, start: Pose, oracle: Oracle
) -> Instruction:
    floor = np.argwhere(house.structure == CELL_FLOOR)
    start_room = house.room_of(start[:2])
    ends = [tuple(x) for x in floor.tolist() if house.room_of(tuple(x)) != start_room]
    if not ends:
        raise TaskError("follow_route needs a cell in another room")
    end = ends[int(rng.integers(len(ends)))]
    route = oracle.path(start, Goal.stand([end]))
    if len(route) < MIN_ROUTE_CELLS:
        raise TaskError(f"route shorter than {MIN_ROUTE_CELLS} cells")
    return FollowRoute(house, route, start[2])


def _draw_sequence(house: House, rng: np.random.Generator, start: Pose) -> Instruction:
    parts: list[Instruction] = []
    for _ in range(2):
        draw = _draw_go_to_room if rng.random() < 0.5 else _draw_go_to_object
        part = draw(house, rng, start)
        if parts and (part == parts[-1] or part.goal_cells & parts[-1].goal_cells):
            raise TaskError("sequence parts must lead to different places")
        parts.append(part)
    connective = SequenceInstr.CONNECTIVES[int(rng.integers(2))]
    return SequenceInstr(house, parts, connective)


def draw_instruction(
    house: House, rng: np.random.Generator, family: str, start: Pose, oracle: Oracle
) -> Instruction:
    """One candidate instruction of ``family`` from ``start`` (may be unusable)."""
    if family == "go_to_room":
        return _draw_go_to_room(house, rng, start)
    if family == "go_to_object":
        return _draw_go_to_object(house, rng, start)
    if family == "fetch":
        return _draw_fetch(house, rng, start)
    if family == "follow_route":
        return _draw_follow_route(house, rng, start, oracle)
    if family == "sequence":
        return _draw_sequence(house, rng, start)
    raise TaskError(f"unknown task family {family!r}; expected one of {FAMILIES}")


def sample_episode(
    house: House,
    rng: np.random.Generator,
    families: Sequence[str] = DEFAULT_FAMILIES,
    house_id: str | None = None,
    episode_id: str = "0",
    max_tries: int = 200,
    oracle: Oracle | None = None,
    start: Pose | None = None,
) -> Episode:
    """Sample one valid episode.

    Args:
        house: where the episode takes place.
        rng: the only source of randomness.
        families: families to choose from (uniformly).
        house_id: the record's ``house`` field (defaults to the house's name).
        episode_id: the record's ``episode_id``.
        max_tries: draws before giving up.
        oracle: a shared oracle for ``house`` (speeds up repeated sampling).
        start: the start pose; drawn uniformly over floor cells when ``None``.

    Raises:
        TaskError: when no valid episode was found in ``max_tries`` draws.
    """
    for family in families:
        if family not in FAMILIES:
            raise TaskError(f"unknown task family {family!r}; expected one of {FAMILIES}")
    oracle = oracle if oracle is not None else Oracle(house)
    reason = "no draw made"
    for _ in range(max_tries):
        family = families[int(rng.integers(len(families)))]
        pose = start_pose(house, rng) if start is None else start
        try:
            instruction = draw_instruction(house, rng, family, pose, oracle)
            if trivial(instruction, pose):
                raise TaskError("the goal (or its first part) holds at the start")
            text = instruction.surface(rng)
            return episode_for(instruction, pose, text, house_id, episode_id, oracle)
        except VLNError as err:
            reason = str(err)
            continue
    raise TaskError(f"could not sample a {'/'.join(families)} episode in house "
                    f"{house.name!r} after {max_tries} draws; last reason: {reason}")


def episode_for(instruction: Instruction, start: Pose, text: str, house_id: str | None = None,
                episode_id: str = "0", oracle: Oracle | None = None) -> Episode:
    """The episode record of ``instruction`` said as ``text`` from ``start``: the
    oracle's path is the reference path and :func:`max_steps_for` the step budget.

    Raises:
        VLNError: the oracle cannot carry the instruction out from ``start``.
    """
    house = instruction.house
    run = EpisodeRun.of_instruction(instruction, start)
    actions = oracle_actions(run, oracle)  # solve(..., "oracle")'s actions, one route a stage
    final = run.state
    return Episode(
        episode_id=episode_id,
        house=house_id if house_id is not None else house.name,
        start=(int(start[0]), int(start[1]), int(start[2])),
        instruction=text,
        task=instruction.to_task(),
        reference_path=tuple(final.path),
        goal=tuple(sorted(instruction.goal_cells)),
        max_steps=max_steps_for(house, len(actions)),
    )


def trivial(instruction: Instruction, start: Pose) -> bool:
    """Whether the goal (or a sequence's first part) already holds at ``start``."""
    state = EpisodeState.initial(instruction.house, start)
    first = instruction.parts[0] if isinstance(instruction, SequenceInstr) else instruction
    return first.reached(state)
