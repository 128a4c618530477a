"""The explorer: an expert that knows only what the agent has seen (as the BabyAI bot).
Its frontier rule has a torch twin, the planner of ``agents.models.explore`` (parity:
``tests/agents/models/test_explore.py``).

It remembers which cells the egocentric view has shown (with the view's own visibility:
walls, closed doors and the outside of the grid occlude) and the structure as last seen.
It plans only over that memory, with unseen cells treated as walls, so it never plans
through, nor steps onto, a cell it has not seen:

1. once the goal is identified (a goal cell, or an ``evidence`` cell when given, has been
   seen), it takes the shortest known path to a goal pose made of seen cells;
2. otherwise, or when no such pose is reachable through known cells, it heads for the
   nearest frontier pose: standing on a known traversable cell and facing an unseen cell
   off the grid's border (the cell in front is always visible, so reaching it reveals that
   cell; the border is wall in every house, so it is never worth a look);
3. when neither exists, everything reachable has been seen and the goal is unreachable.

Plans are :func:`~vlnenv.expert.oracle.distance_field` searches over the memory, cut off
once the agent's pose is settled, read by :func:`~vlnenv.expert.oracle.greedy_action`, so
the explorer shares the oracle's costs and tie-breaks and is deterministic. It terminates:
without new sight the memory, hence the plan, is unchanged, and each action lowers the
distance to a target whose reaching reveals a cell or ends the task.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from vlnenv.errors import UnreachableGoalError
from vlnenv.expert.goals import Goal, standable_mask
from vlnenv.expert.oracle import (
    UNREACHABLE,
    Pose,
    Route,
    as_pose,
    distance_field,
    follow,
    greedy_action,
)
from vlnenv.render.view_geometry import view_cells, visible_mask
from vlnenv.world.house import CELL_DOOR_CLOSED, CELL_WALL, House, Pos


def visible_cells(structure: np.ndarray, pose: Pose, view: int) -> tuple[np.ndarray, np.ndarray]:
    """World rows and cols of the cells the egocentric view shows from ``pose``.

    Walls, closed doors and cells outside the grid are opaque (seen, but hiding what lies
    behind them), exactly as in the rendered view.
    """
    r, c, h = pose
    rows, cols = view_cells((r, c), h, view)
    height, width = structure.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    kind = structure[np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)]
    opaque = ~inside | (kind == CELL_WALL) | (kind == CELL_DOOR_CLOSED)
    shown = visible_mask(opaque) & inside
    return rows[shown], cols[shown]


class Explorer:
    """Acts on what the agent has seen: explore to the nearest frontier until the goal is
    identified, then take the shortest known path to it.

    Args:
        house: the house (only its grid shape is read; what it holds is learnt by sight).
        goal: the goal poses.
        evidence: cells whose sight identifies the goal; the goal cells when ``None``.
        view: the egocentric view size the agent sees with.

    Attributes:
        seen: ``(H, W)`` bool, cells the agent has seen.
        known: ``(H, W)`` uint8 structure as last seen; unseen cells read as walls.
    """

    def __init__(
        self, house: House, goal: Goal, evidence: Iterable[Pos] | None = None, view: int = 7
    ) -> None:
        self.house = house
        self.goal = goal
        self.view = view
        cells = goal.cells if evidence is None else evidence
        self.evidence = Goal.stand(cells).mask(house.shape)
        self.seen = np.zeros(house.shape, dtype=bool)
        self.known = np.full(house.shape, CELL_WALL, dtype=np.uint8)
        self._last: tuple[Goal, bytes, np.ndarray] | None = None

    @classmethod
    def from_history(
        cls,
        house: House,
        goal: Goal,
        history: Iterable[tuple[Pose, np.ndarray]],
        evidence: Iterable[Pos] | None = None,
        view: int = 7,
    ) -> Explorer:
        """An explorer that has observed each ``(pose, structure)`` of a trajectory (for
        DAgger: relabel a learner's steps with what the explorer would do)."""
        explorer = cls(house, goal, evidence, view)
        for pose, structure in history:
            explorer.observe(pose, structure)
        return explorer

    def inherit(self, other: Explorer) -> None:
        """Take over the memory of another explorer of the same house (when a task moves on
        to its next goal, what was seen stays seen)."""
        if other.seen.shape != self.seen.shape:
            raise ValueError(f"memory of shape {other.seen.shape} does not fit the house's "
                             f"{self.seen.shape}")
        self.seen = other.seen.copy()
        self.known = other.known.copy()

    @property
    def identified(self) -> bool:
        """Whether a goal (or evidence) cell has been seen."""
        return bool(np.any(self.seen & self.evidence))

    def observe(self, pose: Pose, structure: np.ndarray) -> None:
        """Remember the cells visible from ``pose`` and what they hold in ``structure``."""
        rows, cols = visible_cells(np.asarray(structure), as_pose(pose), self.view)
        self.seen[rows, cols] = True
        self.known[rows, cols] = np.asarray(structure)[rows, cols]

    def act(self, pose: Pose, structure: np.ndarray) -> int:
        """Observe from ``pose``, then return the next action (``stop`` on a goal pose).

        Raises:
            UnreachableGoalError: everything reachable has been seen and no goal pose is
                reachable.
        """
        self.observe(pose, structure)
        pose = as_pose(pose)
        field = self._plan(pose)
        return greedy_action(field, pose, self.known)

    def route(self, pose: Pose) -> Route:
        """The route the explorer currently intends from ``pose`` (to a goal pose or a
        frontier pose), over its memory only; nothing is observed."""
        pose = as_pose(pose)
        return follow(self._plan(pose), pose, self.known)

    def targets(self) -> list[Goal]:
        """What the explorer would head for, in order of preference: the seen goal poses
        (once identified), then the frontier."""
        out = []
        if self.identified:
            seen_goal = [cell for cell in self.goal.cells if self._was_seen(cell)]
            out.append(Goal(self.goal.kind, frozenset(seen_goal)))
        out.append(Goal.face(self.frontier()))
        return out

    def frontier(self) -> list[Pos]:
        """Unseen cells 4-adjacent to a seen traversable cell, row-major.

        The grid's border is left out: every house is walled round, so looking at its
        border reveals nothing.
        """
        walk = standable_mask(self.known) & self.seen
        near = np.zeros_like(walk)
        near[1:-1, 1:-1] = walk[:-2, 1:-1] | walk[2:, 1:-1] | walk[1:-1, :-2] | walk[1:-1, 2:]
        return [tuple(x) for x in np.argwhere(near & ~self.seen).tolist()]

    def _plan(self, pose: Pose) -> np.ndarray:
        """Distance field to the first reachable target, cut off at ``pose``.

        The last field is reused while the memory and target are unchanged and it reaches
        ``pose`` (walking down a field stays within the part already computed)."""
        known = self.known.tobytes()
        for target in self.targets():
            last = self._last
            if last is not None and last[:2] == (target, known) and last[2][pose] < UNREACHABLE:
                return last[2]
            field = distance_field(self.house, target, self.known, until=pose)
            self._last = (target, known, field)
            if field[pose] < UNREACHABLE:
                return field
        raise UnreachableGoalError(
            f"explored everything reachable from pose {pose} in house {self.house.name!r} "
            f"and no pose of {self.goal} can be reached"
        )

    def _was_seen(self, cell: Pos) -> bool:
        r, c = cell
        return 0 <= r < self.house.height and 0 <= c < self.house.width and bool(self.seen[r, c])
