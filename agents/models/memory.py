"""``GoalMemory``: where the target was seen, remembered in a map around the start.

A policy that sees the named room or object and then turns away has, without memory,
only its recurrent state to remember where it was. The explorer teacher remembers it
exactly (:mod:`vlnenv.expert.explorer`), so once it has seen the target it walks straight
there; a student that forgets wanders until the step limit. Map-based VLN agents keep
such a map explicitly (semantic maps in Chaplot et al., 2020, "Object Goal Navigation
using Goal-Oriented Semantic Exploration"; Georgakis et al., 2022, "Cross-modal Map
Learning for Vision and Language Navigation"); this is the smallest such map:

* **Write** (every step): the goal head's score ``sigmoid(g_i)`` of each view cell ``i``
  the agent sees is stored at that cell's place in an ``M x M`` grid centred on the
  start cell (``M = 2 R + 1``, ``R = config.gps_range``), overwriting what was stored
  there: the cell's world offset from the start is ``gps + view_offset(heading, i)``
  (:func:`vlnenv.render.view.view_offsets`). Cells farther than ``R`` from the start are
  not stored. The scores are detached: the map is an input, not a path for gradients.
* **Read** (every step, after the write): the best stored cell ``k = argmax map``, its
  score ``s`` and its offset from the agent in the agent's frame, ``f = (k - gps) · fwd``
  and ``r = (k - gps) · right`` (cells ahead and to the right, clipped to ``±R``), are
  embedded: ``E_f[f] + E_r[r] + E_s[min(floor(s * K), K - 1)]`` with ``K`` score bins.

The map rides in the recurrent state after the ``C`` state-token numbers (``M * M``
more), so everything that carries, resets (zeros: nothing seen) or detaches the state
handles it unchanged.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from vlnenv.render.view import view_offsets
from vlnenv.world.house import DIRECTIONS

#: Bins of the remembered best score in the read-out embedding.
SCORE_BINS = 8


def seen_cells(image: Tensor, tile: int) -> Tensor:
    """``(..., V*V)`` bool: the view cells the agent sees (any non-black pixel; the
    renderer paints unseen cells black) of ``(..., S, S, 3)`` images, ``S = V * tile``."""
    *lead, S, _, _ = image.shape
    V = S // tile
    cells = image.reshape(*lead, V, tile, V, tile, 3)  # (..., V, t, V, t, 3)
    return cells.amax(dim=(-4, -2, -1)).reshape(*lead, V * V) > 0  # (..., V*V)


@lru_cache(maxsize=8)
def _offsets(view: int) -> Tensor:
    """``(4, V*V, 2)`` int64 world (d_row, d_col) of each view cell from the agent, per
    heading (CPU; moved to the device by the caller)."""
    table = [np.stack([a.ravel() for a in view_offsets(h, view)], axis=-1) for h in range(4)]
    return torch.from_numpy(np.stack(table)).long()  # (4, V*V, 2)


def write_goal_map(goal_map: Tensor, scores: Tensor, seen: Tensor, gps: Tensor,
                   direction: Tensor, radius: int) -> Tensor:
    """The map after one step's view: ``(B, M*M)`` with ``M = 2 * radius + 1``.

    Args:
        goal_map: ``(B, M*M)`` stored scores (0: nothing seen there), row-major, the start
            cell at ``(radius, radius)``.
        scores: ``(B, V*V)`` goal scores in [0, 1] of the view cells, row-major.
        seen: ``(B, V*V)`` bool, the cells the agent sees (only these are written).
        gps: ``(B, 2)`` the agent's cell minus the start cell.
        direction: ``(B,)`` headings.
        radius: ``R``.
    """
    B, P = scores.shape
    M = 2 * radius + 1
    offsets = _offsets(int(round(P ** 0.5))).to(gps.device)[direction.long() % 4]  # (B, P, 2)
    where = gps.long()[:, None, :] + offsets  # (B, P, 2) offset of each view cell from start
    inside = seen & (where.abs() <= radius).all(dim=-1)  # (B, P)
    index = (where[..., 0] + radius) * M + (where[..., 1] + radius)  # (B, P)
    index = torch.where(inside, index, torch.full_like(index, M * M))  # (B, P) M*M: dropped
    padded = torch.cat([goal_map, goal_map.new_zeros(B, 1)], dim=1)  # (B, M*M+1)
    padded = padded.scatter(1, index, scores.to(goal_map.dtype))  # (B, M*M+1)
    return padded[:, :-1]  # (B, M*M)


def read_goal_map(goal_map: Tensor, gps: Tensor, direction: Tensor,
                  radius: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(B,)`` embedding indices ``(f, r, s)`` of the best stored cell: its offset from the
    agent ahead and to the right, each clipped to ``[-radius, radius]`` and shifted by
    ``radius``, and its score's bin ``min(floor(score * SCORE_BINS), SCORE_BINS - 1)``.

    Headings turn clockwise, so ``right(d) = fwd(d + 1)`` (as
    :func:`agents.models.vision.home_vector`). An empty map reads score bin 0."""
    M = 2 * radius + 1
    best, k = goal_map.max(dim=1)  # (B,), (B,) first maximum
    cell = torch.stack([k // M - radius, k % M - radius], dim=-1)  # (B, 2) from the start
    rel = cell - gps.long()  # (B, 2) from the agent
    steps = torch.tensor(DIRECTIONS, dtype=torch.long, device=gps.device)  # (4, 2)
    d = direction.long() % 4  # (B,)
    f = (rel * steps[d]).sum(-1).clamp(-radius, radius) + radius  # (B,)
    r = (rel * steps[(d + 1) % 4]).sum(-1).clamp(-radius, radius) + radius  # (B,)
    s = (best.float() * SCORE_BINS).long().clamp(0, SCORE_BINS - 1)  # (B,)
    return f, r, s


class GoalMemory(nn.Module):
    """The goal map's write, read and embedding (module docstring); holds only the
    read-out embeddings."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.radius = config.gps_range
        self.tile = config.tile
        self.size = (2 * self.radius + 1) ** 2
        self.f_emb = nn.Embedding(2 * self.radius + 1, config.n_embd)
        self.r_emb = nn.Embedding(2 * self.radius + 1, config.n_embd)
        self.s_emb = nn.Embedding(SCORE_BINS, config.n_embd)

    def forward(self, goal_map: Tensor, goal_logits: Tensor, image: Tensor, gps: Tensor,
                direction: Tensor) -> tuple[Tensor, Tensor]:
        """Write one step's view into ``(B, M*M)`` ``goal_map``, then read it.

        Args:
            goal_map: ``(B, M*M)`` the map before the step.
            goal_logits: ``(B, V*V)`` the goal head's scores of the view cells (detached
                here).
            image: ``(B, S, S, 3)`` the view (for the cells it shows).
            gps: ``(B, 2)``.
            direction: ``(B,)``.

        Returns:
            ``(B, C)`` the read-out embedding and ``(B, M*M)`` the map after the step.
        """
        scores = torch.sigmoid(goal_logits.detach().float())  # (B, V*V)
        seen = seen_cells(image, self.tile)  # (B, V*V)
        goal_map = write_goal_map(goal_map, scores, seen, gps, direction, self.radius)
        f, r, s = read_goal_map(goal_map, gps, direction, self.radius)  # (B,) each
        return self.f_emb(f) + self.r_emb(r) + self.s_emb(s), goal_map  # (B, C), (B, M*M)
