"""The shortest-path oracle: exact action-level distance fields and the optimal action
from any pose.

A pose is ``(row, col, heading)``. The agent can stand on floor and on door cells (a
closed door is opened when entered, so it counts as standable). Transitions and costs,
as the world's dynamics define them:

* ``turn_left`` ``(p, h) -> (p, (h - 1) % 4)`` and ``turn_right`` ``(p, h) -> (p, (h + 1) % 4)``:
  cost 1;
* ``forward`` ``(p, h) -> (p + DIRECTIONS[h], h)``: cost 1 into floor or an open door,
  2 into a closed door (``toggle`` then ``forward``); walls and furniture block.

A shortest path never enters the same cell twice (a loop costs at least four actions, a
turn in place at most two), so every door on it is opened once and the cost model is
exact. :func:`distance_field` computes the minimal number of actions from every pose to
the nearest goal pose by a bucketed (Dial) breadth-first search run backwards from the
goal poses; :func:`greedy_action` reads the optimal action off a field. Goals (the
poses to reach) are :class:`~vlnenv.expert.goals.Goal` objects.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from vlnenv.actions import Action
from vlnenv.errors import UnreachableGoalError
from vlnenv.expert.goals import Goal, standable_mask
from vlnenv.world.dynamics import Pose
from vlnenv.world.house import (
    CELL_DOOR_CLOSED,
    CELL_DOOR_OPEN,
    CELL_FLOOR,
    CELL_WALL,
    DIRECTIONS,
    House,
    Pos,
)

#: Distance of poses from which no goal pose can be reached.
UNREACHABLE: int = 1 << 30

# Plain ints for the hot loops (enum member look-ups are slow).
_FORWARD, _LEFT, _RIGHT = int(Action.FORWARD), int(Action.TURN_LEFT), int(Action.TURN_RIGHT)
_TOGGLE, _STOP = int(Action.TOGGLE), int(Action.STOP)
#: Flat pose offset of a turn by heading: to ``(h + 1) % 4`` and to ``(h + 3) % 4``.
_TURN_ONE_WAY, _TURN_OTHER_WAY = (1, 1, 1, -3), (3, -1, -1, -1)


@dataclass(frozen=True, eq=False)
class Route:
    """An optimal action sequence from a pose to a goal pose.

    Attributes:
        actions: the actions, without a final ``stop`` (append ``stop`` or the interaction
            the goal was for); ``len(actions)`` equals the distance.
        poses: the pose after each action, the start first (``len(actions) + 1`` poses).
        structure: the structure at the end, doors opened on the way included.
    """

    actions: tuple[int, ...]
    poses: tuple[Pose, ...]
    structure: np.ndarray

    @property
    def cells(self) -> list[Pos]:
        """The cells visited, the start included, one entry per cell change."""
        out = [self.poses[0][:2]]
        for r, c, _ in self.poses[1:]:
            if (r, c) != out[-1]:
                out.append((r, c))
        return out


def enter_cost(kind: int) -> int:
    """Actions needed to move forward into a cell holding ``kind``; ``UNREACHABLE`` if it
    blocks."""
    if kind == CELL_FLOOR or kind == CELL_DOOR_OPEN:
        return 1
    if kind == CELL_DOOR_CLOSED:
        return 2
    return UNREACHABLE


def distance_field(
    house: House, goal: Goal, structure: np.ndarray | None = None, *, until: Pose | None = None
) -> np.ndarray:
    """Minimal number of actions from every pose to a goal pose.

    Algorithm: Dial's bucketed breadth-first search over poses, run backwards from the goal
    poses. With edge costs 1 and 2 three buckets suffice (distances ``k``, ``k + 1``,
    ``k + 2``). A pose's predecessors are the two poses on the same cell turned one way or
    the other (cost 1) and the pose one step behind it (cost 1 into floor or an open door,
    2 into a closed door: toggle then forward). Poses are flat indices on the grid padded
    with a wall border; the loop runs over Python ints, which beats vectorised frontiers
    at these sizes (a few hundred to a few thousand poses, most levels holding a handful).

    Args:
        house: the house (gives the grid and, by default, the structure).
        goal: the goal poses.
        structure: ``(H, W)`` structure with doors as they are now; ``house.structure``
            when ``None``.
        until: stop as soon as this pose is settled. Values up to its distance are exact;
            larger ones are left at ``UNREACHABLE`` (enough for :func:`greedy_action`).

    Returns:
        ``(H, W, 4)`` int32, ``[row, col, heading]``; ``UNREACHABLE`` where no goal pose
        can be reached (including poses on walls and furniture).
    """
    s = _as_structure(house, structure)
    height, width = s.shape
    wp = width + 2
    padded = np.full((height + 2, wp), CELL_WALL, dtype=np.uint8)
    padded[1:-1, 1:-1] = s
    kind = padded.ravel()
    cost_arr = np.where((kind == CELL_FLOOR) | (kind == CELL_DOOR_OPEN), 1, 0)
    cost_arr[kind == CELL_DOOR_CLOSED] = 2
    cost = cost_arr.tolist()  # per padded cell: 0 blocks, else actions to enter it
    back = [(dr * wp + dc) * 4 for dr, dc in DIRECTIONS]  # pose offset of a step back
    field = [UNREACHABLE] * (padded.size * 4)
    goals = np.zeros((height + 2, wp, 4), dtype=bool)
    goals[1:-1, 1:-1] = goal.poses(s)
    first = np.flatnonzero(goals).tolist()
    for pose in first:
        field[pose] = 0
    stop = -1
    if until is not None:
        r, c, h = until
        stop = ((r + 1) * wp + c + 1) * 4 + h
    buckets: list[list[int]] = [first, [], []]
    pending, k = len(first), 0
    one_way, other_way = _TURN_ONE_WAY, _TURN_OTHER_WAY
    while pending:
        current, buckets[k % 3] = buckets[k % 3], []
        pending -= len(current)
        k1 = k + 1
        push = buckets[k1 % 3].append
        for pose in current:
            if field[pose] != k:  # settled earlier at a smaller distance
                continue
            if pose == stop:
                pending = 0
                break
            h = pose & 3
            q = pose + one_way[h]  # turned one way or the other: cost 1
            if field[q] > k1:
                field[q] = k1
                push(q)
                pending += 1
            q = pose + other_way[h]
            if field[q] > k1:
                field[q] = k1
                push(q)
                pending += 1
            q = pose - back[h]  # one cell behind, same heading
            if cost[q >> 2]:
                d = k + cost[pose >> 2]
                if field[q] > d:
                    field[q] = d
                    buckets[d % 3].append(q)
                    pending += 1
        k += 1
    out = np.array(field, dtype=np.int32).reshape(height + 2, wp, 4)[1:-1, 1:-1]
    if stop >= 0:
        out[out >= k] = UNREACHABLE  # beyond the stop pose: not settled, not exact
    return out.copy()


def greedy_action(field: np.ndarray, pose: Pose, structure: np.ndarray) -> int:
    """The optimal action at ``pose`` read off a distance field.

    Algorithm: ``stop`` at distance 0; otherwise the move (forward, turn left, turn right,
    in that order of preference) minimising its cost plus the field at the pose it leads
    to; ``toggle`` instead of ``forward`` when the front cell is a closed door.

    Raises:
        UnreachableGoalError: no goal pose can be reached from ``pose``.
    """
    r, c, h = pose
    dist = int(field[r, c, h])
    if dist >= UNREACHABLE:
        raise UnreachableGoalError(f"no goal pose can be reached from pose {pose}")
    if dist == 0:
        return _STOP
    dr, dc = DIRECTIONS[h]
    fr, fc = r + dr, c + dc
    front_kind = CELL_WALL
    best, best_cost = _STOP, UNREACHABLE
    if 0 <= fr < field.shape[0] and 0 <= fc < field.shape[1]:
        front_kind = int(structure[fr, fc])
        best, best_cost = _FORWARD, enter_cost(front_kind) + int(field[fr, fc, h])
    for move, turned in ((_LEFT, (h - 1) % 4), (_RIGHT, (h + 1) % 4)):
        cost = 1 + int(field[r, c, turned])
        if cost < best_cost:
            best, best_cost = move, cost
    if best == _FORWARD and front_kind == CELL_DOOR_CLOSED:
        return _TOGGLE
    return best


def follow(field: np.ndarray, pose: Pose, structure: np.ndarray) -> Route:
    """Follow :func:`greedy_action` from ``pose`` down to a goal pose.

    ``toggle`` is followed by the ``forward`` through the door it opened; the doors opened
    are recorded in a copy of ``structure``. Terminates after exactly ``field[pose]``
    actions, since each chosen move lowers the field by its cost.

    Raises:
        UnreachableGoalError: no goal pose can be reached from ``pose``.
    """
    pose = as_pose(pose)
    local = np.array(structure, dtype=np.uint8, copy=True)
    actions: list[int] = []
    poses = [pose]
    while True:
        action = greedy_action(field, pose, structure)
        if action == _STOP:
            break
        r, c, h = pose
        if action == _LEFT:
            pose = (r, c, (h - 1) % 4)
        elif action == _RIGHT:
            pose = (r, c, (h + 1) % 4)
        else:
            dr, dc = DIRECTIONS[h]
            if action == _TOGGLE:
                local[r + dr, c + dc] = CELL_DOOR_OPEN
                actions.append(action)
                poses.append(pose)
                action = _FORWARD
            pose = (r + dr, c + dc, h)
        actions.append(action)
        poses.append(pose)
    return Route(tuple(actions), tuple(poses), local)


def geodesic_cells(
    house: House, sources: Iterable[Pos], structure: np.ndarray | None = None
) -> np.ndarray:
    """Cell-level geodesic distance (4-connected steps, headings ignored) from the nearest
    source, walking over floor and doors (open or closed).

    Algorithm: breadth-first search from all sources at once, over the flat cells of the
    grid padded with a wall border (plain Python lists: a house has a few hundred cells,
    where per-wavefront numpy calls cost more than the search). Sources are at distance 0
    whatever they hold (so a furniture cell is one step from the floor beside it); the
    search expands only into floor and door cells.

    Returns:
        ``(H, W)`` int32; ``UNREACHABLE`` where no source can be reached.
    """
    s = _as_structure(house, structure)
    height, width = s.shape
    wide = width + 2
    walk = np.zeros((height + 2, wide), dtype=bool)
    walk[1:-1, 1:-1] = standable_mask(s)
    open_cell = walk.ravel().tolist()
    dist = [UNREACHABLE] * len(open_cell)
    queue = sorted({(r + 1) * wide + c + 1 for r, c in Goal.stand(sources).cells
                    if 0 <= r < height and 0 <= c < width})
    for cell in queue:
        dist[cell] = 0
    steps = (1, wide, -1, -wide)
    for cell in queue:  # the queue grows while it is read
        nxt = dist[cell] + 1
        for step in steps:
            near = cell + step
            if open_cell[near] and dist[near] == UNREACHABLE:
                dist[near] = nxt
                queue.append(near)
    out = np.array(dist, dtype=np.int32).reshape(height + 2, wide)
    return out[1:-1, 1:-1].copy()


class Oracle:
    """Optimal actions in one house, with distance fields cached per (goal, structure).

    Args:
        house: the house.
        cache_size: how many fields to keep (least recently used ones are dropped).
    """

    def __init__(self, house: House, cache_size: int = 64) -> None:
        self.house = house
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[Goal, bytes], np.ndarray] = OrderedDict()
        self._partial: set[tuple[Goal, bytes]] = set()  # fields searched only up to a pose

    def field(self, goal: Goal, structure: np.ndarray | None = None) -> np.ndarray:
        """The (read-only, cached) :func:`distance_field` of ``goal`` under ``structure``."""
        return self._field(goal, _as_structure(self.house, structure), None)

    def _field(self, goal: Goal, s: np.ndarray, until: Pose | None) -> np.ndarray:
        """The field of ``goal`` under ``s``: whole when ``until`` is ``None``, else one
        exact at least from ``until`` down to the goal (enough to follow a route from
        it: :func:`distance_field`'s ``until``). The first search of a goal stops at
        ``until``; a second one, for a pose the first did not reach, searches the whole
        field (the goal is in use: at most one partial search more than before)."""
        key = (goal, s.tobytes())
        field = self._cache.get(key)
        if field is not None and (key not in self._partial or (
                until is not None and field[until] < UNREACHABLE)):
            self._cache.move_to_end(key)
            return field
        if field is not None:
            until = None
        field = distance_field(self.house, goal, s, until=until)
        field.flags.writeable = False
        self._cache[key] = field
        self._cache.move_to_end(key)
        if until is not None and field[until] < UNREACHABLE:
            self._partial.add(key)  # the search may have stopped at ``until``
        else:
            self._partial.discard(key)  # searched to the end
        if len(self._cache) > self.cache_size:
            self._partial.discard(self._cache.popitem(last=False)[0])
        return field

    def reachable(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> bool:
        """Whether a goal pose can be reached from ``pose``."""
        return _reaches(self.field(goal, structure), as_pose(pose))

    def distance(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> int:
        """Minimal number of actions from ``pose`` to a goal pose (``stop`` not counted).

        Raises:
            UnreachableGoalError: no goal pose can be reached from ``pose``.
        """
        field, pose, _ = self._checked(pose, goal, structure)
        return int(field[pose])

    def action(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> int:
        """The optimal action at ``pose``: ``stop`` on a goal pose (of either kind: at a face
        goal the caller decides what to do), ``toggle`` before walking into a closed door,
        else the first of forward, turn left, turn right that is optimal.

        Raises:
            UnreachableGoalError: no goal pose can be reached from ``pose``.
        """
        field, pose, s = self._checked(pose, goal, structure)
        return greedy_action(field, pose, s)

    def route(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> Route:
        """The optimal :class:`Route` from ``pose`` (see :func:`follow`).

        The field's search stops once ``pose`` is settled when no cached field reaches
        it: the route read off that field is the one the whole field gives (every pose
        the descent compares is either exact or farther than ``pose``)."""
        field, pose, s = self._checked(pose, goal, structure, until=True)
        return follow(field, pose, s)

    def actions(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> list[int]:
        """The optimal actions from ``pose`` to a goal pose, without a final ``stop``."""
        return list(self.route(pose, goal, structure).actions)

    def path(self, pose: Pose, goal: Goal, structure: np.ndarray | None = None) -> list[Pos]:
        """The cells visited following the optimal actions, the start included."""
        return self.route(pose, goal, structure).cells

    def _checked(
        self, pose: Pose, goal: Goal, structure: np.ndarray | None, until: bool = False
    ) -> tuple[np.ndarray, Pose, np.ndarray]:
        """The field of ``goal`` under ``structure`` (searched only up to ``pose`` with
        ``until``), ``pose`` as plain ints and the structure, once ``pose`` is known to
        reach a goal pose."""
        pose = as_pose(pose)
        s = _as_structure(self.house, structure)
        on_grid = 0 <= pose[0] < s.shape[0] and 0 <= pose[1] < s.shape[1]
        field = self._field(goal, s, pose if until and on_grid else None)
        if not _reaches(field, pose):
            raise UnreachableGoalError(
                f"no path from pose {pose} to {goal} in house {self.house.name!r}"
            )
        return field, pose, s


def _reaches(field: np.ndarray, pose: Pose) -> bool:
    """Whether ``pose`` (plain ints) is on the grid of ``field`` and reaches a goal pose."""
    r, c, h = pose
    if not (0 <= r < field.shape[0] and 0 <= c < field.shape[1]):
        return False
    return bool(field[r, c, h] < UNREACHABLE)


# ---------------------------------------------------------------------- helpers
def as_pose(pose: Pose) -> Pose:
    """``pose`` as plain ints, the heading taken modulo 4."""
    r, c, h = pose
    return (int(r), int(c), int(h) % 4)


def _as_structure(house: House, structure: np.ndarray | None) -> np.ndarray:
    if structure is None:
        return house.structure
    s = np.asarray(structure, dtype=np.uint8)
    if s.shape != house.shape:
        raise ValueError(f"structure has shape {s.shape}, expected the house's {house.shape}")
    return s
