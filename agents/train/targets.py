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

from vlnenv.language.instructions import instruction_from_task
from vlnenv.render.view_geometry import view_cells
from vlnenv.tasks.episode import Episode
from vlnenv.world.dynamics import EpisodeState
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


def goal_view_targets(episode: Episode, house: House, actions: Sequence[int],
                      view: int = 7) -> np.ndarray:
    """``(n, V * V)`` bool targets of an ``n``-step demonstration: replays its first
    ``n - 1`` actions on the episode's state and instruction alone (as
    :meth:`GridHouseEnv.step <vlnenv.env.grid_house.GridHouseEnv.step>` advances them:
    ``state.step_action`` then ``instruction.verify``, with no observation rendered) and
    marks, before each step, the view cells that show the current stage's cells."""
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    state = EpisodeState.initial(house, episode.start)
    instruction.reset(state)
    out = np.zeros((len(actions), view * view), bool)
    shape = (house.height, house.width)
    masks: dict[frozenset[tuple[int, int]], np.ndarray] = {}  # a stage's cells -> (H, W)
    for t, action in enumerate(actions):
        stage = instruction.stage(state)
        cells = stage.evidence if stage.evidence is not None else stage.cells
        if cells not in masks:
            masks[cells] = _cells_mask(cells, shape)
        out[t] = _mask_in_view(masks[cells], state.pos, state.heading, view)
        if t + 1 < len(actions):
            state.step_action(int(action))
            instruction.verify(state)
    return out
