"""Where the current target is in the view: a dense auxiliary target for imitation.

At every step of a demonstration the instruction's current :class:`~vlnenv.language.
instructions.Stage` names the cells that matter now (its ``evidence``, else its
``cells``): the room to enter, the object to reach or pick up, the requester to bring
it back to, the end of the route, the current part of a sequence. The target of view cell
``(i, j)`` is whether the world cell it shows (:func:`vlnenv.render.view.view_cells`) is
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

from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.render.view import view_cells
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


def stage_cells_in_view(cells: frozenset[tuple[int, int]], pos: tuple[int, int], heading: int,
                        view: int) -> np.ndarray:
    """``(V * V,)`` bool: which view cells (row-major, row 0 the far edge) show one of
    ``cells`` for an agent at ``pos`` facing ``heading``."""
    rows, cols = view_cells(pos, heading, view)  # (V, V) each
    hit = np.fromiter(((r, c) in cells for r, c in zip(rows.ravel().tolist(),
                                                     cols.ravel().tolist(), strict=True)),
                      dtype=bool, count=view * view)
    return hit  # (V*V,)


def goal_view_targets(env: GridHouseEnv, episode: Episode, house: House,
                      actions: Sequence[int]) -> np.ndarray:
    """``(n, V * V)`` bool targets of an ``n``-step demonstration: replays its first
    ``n - 1`` actions in ``env`` and marks, before each step, the view cells that show the
    current stage's cells."""
    env.reset(options={"episode": episode, "house": house})
    view = env.view
    out = np.zeros((len(actions), view * view), bool)
    for t, action in enumerate(actions):
        state, instruction = env.state, env.instruction
        assert state is not None and instruction is not None
        stage = instruction.stage(state)
        cells = stage.evidence if stage.evidence is not None else stage.cells
        out[t] = stage_cells_in_view(cells, state.pos, state.heading, view)
        if t + 1 < len(actions):
            env.step(int(action))
    return out
