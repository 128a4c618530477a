"""What the shortest-path oracle is asked for: a :class:`Goal`, the set of poses to reach,
described by cells and how to reach them (stand on them, or face them to pick up, drop or
toggle), under a structure whose standable cells are floor and doors
(:func:`standable_mask`; a closed door is opened when entered).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from vlnenv.world.house import DIRECTIONS, Pos, traversable


class GoalKind(Enum):
    """How the cells of a :class:`Goal` are to be reached."""

    STAND = "stand"
    """Stand on one of the cells, any heading."""
    FACE = "face"
    """Stand on a standable cell whose front cell is one of the cells (pickup, drop and
    toggle targets)."""


@dataclass(frozen=True)
class Goal:
    """A set of goal poses, described by cells and how to reach them.

    Build with :meth:`stand` or :meth:`face`. Hashable, so fields are cached per goal.

    Attributes:
        kind: stand on the cells, or face them.
        cells: the goal cells ``(row, col)``.
    """

    kind: GoalKind
    cells: frozenset[Pos]

    @classmethod
    def stand(cls, cells: Iterable[Pos]) -> Goal:
        """Goal poses: on any of ``cells``, any heading."""
        return cls(GoalKind.STAND, _cell_set(cells))

    @classmethod
    def face(cls, cells: Iterable[Pos]) -> Goal:
        """Goal poses: on a standable cell, facing any of ``cells``."""
        return cls(GoalKind.FACE, _cell_set(cells))

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """``(H, W)`` bool map of the goal cells (cells outside the grid are dropped)."""
        out = np.zeros(shape, dtype=bool)
        for r, c in self.cells:
            if 0 <= r < shape[0] and 0 <= c < shape[1]:
                out[r, c] = True
        return out

    def poses(self, structure: np.ndarray) -> np.ndarray:
        """``(H, W, 4)`` bool map of the goal poses under ``structure``."""
        cells = self.mask(structure.shape)
        standable = standable_mask(structure)
        if self.kind is GoalKind.STAND:
            return np.repeat((cells & standable)[:, :, None], 4, axis=2)
        ahead = np.stack([_ahead(cells, h) for h in range(4)], axis=2)
        return ahead & standable[:, :, None]

    def __repr__(self) -> str:
        shown = sorted(self.cells)
        more = f", ... ({len(shown)} cells)" if len(shown) > 4 else ""
        return f"Goal.{self.kind.value}([{', '.join(map(str, shown[:4]))}{more}])"


def standable_mask(structure: np.ndarray) -> np.ndarray:
    """Cells the agent can stand on, entering closed doors by opening them: floor and doors
    (:func:`vlnenv.world.house.traversable`)."""
    return traversable(structure)


def _cell_set(cells: Iterable[Pos]) -> frozenset[Pos]:
    return frozenset((int(r), int(c)) for r, c in cells)


def _ahead(cells: np.ndarray, heading: int) -> np.ndarray:
    """``out[p] = cells[p + DIRECTIONS[heading]]`` (False beyond the grid)."""
    dr, dc = DIRECTIONS[heading]
    h, w = cells.shape
    out = np.zeros_like(cells)
    out[max(0, -dr): h - max(0, dr), max(0, -dc): w - max(0, dc)] = cells[
        max(0, dr): h - max(0, -dr), max(0, dc): w - max(0, -dc)
    ]
    return out
