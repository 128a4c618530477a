"""Where the current target is in the view: a dense auxiliary target for imitation.

At every step of a demonstration the instruction's current :class:`~vlnenv.language.
instructions.Stage` names the cells that matter now (its ``evidence``, else its
``cells``): the room to enter, the object to reach or pick up, the requester to bring
it back to, the end of the route, the current part of a sequence. The target of view cell
``(i, j)`` is whether the world cell it shows (:func:`vlnenv.render.view_geometry.view_cells`) is
one of them; cells the agent cannot see are left out of the loss by the trainer (their
pixels are black). Learning it asks the image tokens, conditioned on the instruction, to
find what the instruction speaks of: a grounding signal on every cell of every step,
where the action loss gives one label per step. Auxiliary objectives of this kind (e.g.
the progress monitor of Ma et al., 2019; the auxiliary tasks of Zhu et al., 2020, "Vision-
Language Navigation with Self-Supervised Auxiliary Reasoning Tasks") speed up VLN
training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vlnenv.render.view_geometry import view_cells
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun, RunTrace
from vlnenv.world.house import House


def stage_cells_in_view(cells: frozenset[tuple[int, int]], pos: tuple[int, int], heading: int,
                        view: int, shape: tuple[int, int]) -> np.ndarray:
    """``(V * V,)`` bool: which view cells (row-major, row 0 the far edge) show one of
    ``cells`` of an ``(H, W)`` house for an agent at ``pos`` facing ``heading``."""
    return _mask_in_view(_cells_mask(cells, shape), pos, heading, view)


def _cells_mask(cells: frozenset[tuple[int, int]], shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` bool grid, true on ``cells`` (those inside the grid)."""
    mask = np.zeros(shape, bool)
    for r, c in cells:
        if 0 <= r < shape[0] and 0 <= c < shape[1]:
            mask[r, c] = True
    return mask


def _mask_in_view(mask: np.ndarray, pos: tuple[int, int], heading: int,
                  view: int) -> np.ndarray:
    """``(V * V,)`` bool: ``mask`` read at the world cells each view cell shows (false
    off the grid)."""
    rows, cols = view_cells(pos, heading, view)  # (V, V) each
    rows, cols = rows.ravel(), cols.ravel()  # (V*V,)
    inside = (rows >= 0) & (rows < mask.shape[0]) & (cols >= 0) & (cols < mask.shape[1])
    hit = np.zeros(view * view, bool)
    hit[inside] = mask[rows[inside], cols[inside]]
    return hit  # (V*V,)


def trace_view_targets(trace: RunTrace, shape: tuple[int, int], view: int = 7) -> np.ndarray:
    """``(n, V * V)`` bool targets of an ``n``-step recorded run: for each step, the view
    cells that show the stage cells recorded before it, seen from the pose recorded
    before it, in an ``(H, W)`` house."""
    masks = [_cells_mask(cells, shape) for cells in trace.cells]  # per stage cell set (H, W)
    out = np.zeros((len(trace), view * view), bool)
    for t, ((r, c, h), k) in enumerate(zip(trace.poses, trace.stages, strict=True)):
        out[t] = _mask_in_view(masks[k], (r, c), h, view)
    return out


def goal_view_targets(episode: Episode, house: House, actions: Sequence[int],
                      view: int = 7) -> np.ndarray:
    """``(n, V * V)`` bool targets of ``n`` actions that were not recorded as they were
    taken (a benchmark's episodes, say): replays the first ``n - 1`` in an
    :class:`~vlnenv.tasks.run.EpisodeRun` (as the environment advances it, with no
    observation rendered) recording a trace, then :func:`trace_view_targets`.
    Demonstrations record their trace as they are made (:mod:`agents.train.data.demos`)."""
    run = EpisodeRun(episode, house, trace=True)
    run.replay(int(a) for a in list(actions)[:-1])
    if len(actions):
        run.trace.note(run)  # the state before the last action
    return trace_view_targets(run.trace, (house.height, house.width), view)
