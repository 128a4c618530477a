"""Experts: the shortest-path oracle (knows the whole house; its goals are
:class:`~vlnenv.expert.goals.Goal` objects) and the explorer (knows only what the agent has
seen)."""

from vlnenv.expert.explorer import Explorer, visible_cells
from vlnenv.expert.goals import Goal, GoalKind, standable_mask
from vlnenv.expert.oracle import (
    UNREACHABLE,
    Oracle,
    Pose,
    Route,
    distance_field,
    enter_cost,
    follow,
    geodesic_cells,
    greedy_action,
)

__all__ = [
    "UNREACHABLE",
    "Explorer",
    "Goal",
    "GoalKind",
    "Oracle",
    "Pose",
    "Route",
    "distance_field",
    "enter_cost",
    "follow",
    "geodesic_cells",
    "greedy_action",
    "standable_mask",
    "visible_cells",
]
