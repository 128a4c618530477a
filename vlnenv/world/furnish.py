"""Furnishing one room of a generated house (steps 6-7 of :mod:`vlnenv.world.generate`):
furniture from the room's priors against the walls (signature pieces always), never beside a
door and never cutting the room's floor apart, then small objects on the floor and on
holding furniture.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from vlnenv.world.colors import Color
from vlnenv.world.furniture import HOLDERS, Furniture
from vlnenv.world.house import Item, Pos
from vlnenv.world.priors import RoomPrior
from vlnenv.world.weighted import weighted_sample

if TYPE_CHECKING:
    from vlnenv.world.floorplan import Rect

#: Placements tried per optional piece of furniture (signature pieces try them all).
_OPTIONAL_TRIES = 6
#: Optional pieces that may fail to fit in one room before furnishing stops.
_OPTIONAL_FAILURES = 4
#: How much likelier an object lies on holding furniture than on a floor cell.
_ON_FURNITURE_WEIGHT = 3.0

#: Furniture kinds that take two cells (one cell when two don't fit).
_TWO_CELL: frozenset[Furniture] = frozenset({
    Furniture.BED, Furniture.SOFA, Furniture.BATHTUB, Furniture.TABLE, Furniture.COUNTER,
    Furniture.DESK, Furniture.WORKBENCH, Furniture.TREADMILL,
})


_FLOOR, _WALL = -1, -2
_HOLDER_VALUES = frozenset(int(kind) for kind in HOLDERS)
_COLOR_OF = {int(color): color for color in Color}  # Color(i) without the enum call


@lru_cache(maxsize=4096)
def _placements(h: int, w: int, size: int) -> tuple[tuple[int, ...], ...]:
    """Every ``size``-cell piece (1 or 2) in an ``h`` x ``w`` room that touches a wall, as
    indices into the room's padded flat grid (see :class:`Furnisher`), row-major."""
    def on_wall(cell: Pos) -> bool:
        return cell[0] in (0, h - 1) or cell[1] in (0, w - 1)

    def flat(cell: Pos) -> int:
        return (cell[0] + 1) * (w + 2) + cell[1] + 1

    cells = [(r, c) for r in range(h) for c in range(w)]
    if size == 1:
        return tuple((flat(cell),) for cell in cells if on_wall(cell))
    pairs = [(cell, (cell[0] + dr, cell[1] + dc)) for cell in cells for dr, dc in ((0, 1), (1, 0))]
    return tuple((flat(a), flat(b)) for a, b in pairs
                 if b[0] < h and b[1] < w and (on_wall(a) or on_wall(b)))


class Furnisher:
    """Furniture placement inside one room. ``grid`` is the room padded by a ring of wall,
    flattened row-major: ``_WALL``, ``_FLOOR`` or the :class:`Furniture` value of a cell.

    Args:
        rect: the room's floor extent.
        near_doors: house cells beside a door, which stay floor.
    """

    def __init__(self, rect: Rect, near_doors: list[Pos]) -> None:
        self.rect = rect
        self.h, self.w, stride = rect.height, rect.width, rect.width + 2
        self.steps = (1, stride, -1, -stride)
        wall = [_WALL] * stride
        self.grid = wall + ([_WALL] + [_FLOOR] * self.w + [_WALL]) * self.h + wall
        self.near_doors = {self._flat(cell) for cell in near_doors}
        self.floor = self.h * self.w

    def _flat(self, cell: Pos) -> int:
        return (cell[0] - self.rect.top + 1) * (self.w + 2) + cell[1] - self.rect.left + 1

    def _cell(self, i: int) -> Pos:
        """House coordinates of flat index ``i``."""
        r, c = divmod(i, self.w + 2)
        return self.rect.top + r - 1, self.rect.left + c - 1

    def _set(self, cells: tuple[int, ...], value: int) -> None:
        """Put furniture ``value`` on ``cells`` (``_FLOOR``: clear them back to floor)."""
        for i in cells:
            self.grid[i] = value
        self.floor += -len(cells) if value >= 0 else len(cells)

    def _floor_connected(self, cells: tuple[int, ...]) -> bool:
        """Whether the floor is still in one piece after furniture took ``cells``.

        The floor was in one piece before (a room starts as a rectangle and every placement
        is checked), so it still is exactly when the floor cells beside ``cells`` are
        joined to each other: any path through ``cells`` can be rerouted between them. A
        breadth-first search from one of them stops as soon as it has met them all."""
        grid, steps = self.grid, self.steps
        targets = {i + d for i in cells for d in steps if grid[i + d] == _FLOOR}
        if len(targets) <= 1:
            return True
        start = targets.pop()
        seen = {start}
        queue = [start]
        for i in queue:  # the queue grows while it is read
            for d in steps:
                j = i + d
                if grid[j] == _FLOOR and j not in seen:
                    if j in targets:
                        targets.discard(j)
                        if not targets:
                            return True
                    seen.add(j)
                    queue.append(j)
        return False

    def _fits(self, cells: tuple[int, ...], kind: int) -> bool:
        """Whether a piece fits, checked before placing it: free cells away from doors,
        no same-kind neighbour (it would merge into one piece), some floor left over."""
        grid, near_doors = self.grid, self.near_doors
        for i in cells:
            if grid[i] != _FLOOR or i in near_doors:
                return False
        if len(cells) >= self.floor:
            return False
        for i in cells:
            for d in self.steps:
                if grid[i + d] == kind and i + d not in cells:
                    return False
        return True

    def _keeps_room_usable(self, cells: tuple[int, ...]) -> bool:
        """After placing: floor in one piece and every furniture cell beside floor."""
        grid, (east, south, west, north) = self.grid, self.steps
        near = {i + d for i in cells for d in self.steps}.union(cells)
        for i in near:
            if grid[i] >= 0 and _FLOOR not in (grid[i + east], grid[i + south], grid[i + west],
                                               grid[i + north]):
                return False
        return self._floor_connected(cells)

    def place(self, rng: np.random.Generator, kind: Furniture, tries: int | None) -> bool:
        """Place one piece of ``kind`` against a wall; ``tries`` bounds the candidate
        placements checked (``None``: all). Returns whether it was placed."""
        for size in (2, 1) if kind in _TWO_CELL else (1,):
            candidates = _placements(self.h, self.w, size)
            checked = 0
            for idx in rng.permutation(len(candidates)).tolist():
                cells = candidates[idx]
                if not self._fits(cells, int(kind)):
                    continue
                self._set(cells, int(kind))
                if self._keeps_room_usable(cells):
                    return True
                self._set(cells, _FLOOR)
                checked += 1
                if tries is not None and checked >= tries:
                    break
        return False

    def furnish(self, rng: np.random.Generator, prior: RoomPrior, density: float) -> bool:
        """Signature furniture, then furniture from the prior until ``density`` of the
        room is covered. Returns ``False`` when a signature piece does not fit."""
        if not all(self.place(rng, kind, None) for kind in prior.signature):
            return False
        area, failures = self.h * self.w, 0
        while prior.furniture and area - self.floor < density * area:
            kind = prior.furniture[int(rng.integers(len(prior.furniture)))]
            if not self.place(rng, kind, _OPTIONAL_TRIES):
                failures += 1
                if failures >= _OPTIONAL_FAILURES:
                    break
        return True

    def scatter(self, rng: np.random.Generator, prior: RoomPrior, density: float) -> list[Item]:
        """Small objects of the prior's kinds, ``density`` per room cell on average, on
        floor and holding furniture."""
        grid = self.grid
        places = [i for i, v in enumerate(grid)
                  if v == _FLOOR or v in _HOLDER_VALUES]
        count = min(int(density * self.h * self.w + rng.random()), len(places))
        if count == 0 or not prior.objects:
            return []
        weights = [1.0 if grid[i] == _FLOOR else _ON_FURNITURE_WEIGHT for i in places]
        picks = weighted_sample(rng, weights, count)
        kinds = rng.integers(len(prior.objects), size=count).tolist()
        colors = rng.integers(len(Color), size=count).tolist()
        return [Item(self._cell(places[i]), prior.objects[k], _COLOR_OF[col])
                for i, k, col in zip(picks, kinds, colors, strict=True)]

    def layer(self) -> np.ndarray:
        """The room's furniture layer, ``(height, width)``: kind value or -1 for floor."""
        inner = np.array(self.grid, dtype=np.int16).reshape(self.h + 2, self.w + 2)[1:-1, 1:-1]
        return np.maximum(inner, -1)


