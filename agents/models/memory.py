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
  start cell (``M = 2 R + 1``, ``R = config.gps.range``), overwriting what was stored
  there: the cell's world offset from the start is ``gps + view_offset(heading, i)``
  (:func:`vlnenv.render.view_geometry.view_offsets`). Cells farther than ``R`` from the start are
  not stored, unless ``config.far.grow``: then the map grows, centre kept, before a
  step writes beyond it (:mod:`agents.models.map_grid`), and every cell seen is stored.
  The scores are detached: the map is an input, not a path for gradients.
* **Read** (every step, after the write): the best stored cell ``k = argmax map``, its
  score ``s`` and its offset from the agent in the agent's frame, ``f = (k - gps) · fwd``
  and ``r = (k - gps) · right`` (cells ahead and to the right, clipped to ``±R``), are
  embedded: ``E_f[f] + E_r[r] + E_s[min(floor(s * K), K - 1)]`` with ``K`` score bins,
  plus, with ``config.memory.distance``, ``E_d[|f| + |r|]`` (``f``, ``r`` clipped as
  above), the cell's distance from the agent (whether it is beside the agent is then one
  embedding). With ``config.far``, ``f``, ``r`` and the distance are not clipped
  but bucketed beyond ``R`` (beyond ``2 R`` for the distance, of the unclipped offsets),
  so far cells stay distinct (:mod:`agents.models.far_offsets`). With
  ``config.memory.here``, also ``E_h[bin(map[gps])]``, the score stored at the agent's
  own cell (:func:`here_score`): whether it stands on a goal cell, which the best cell's
  offset does not say when many cells score alike (a room's floor).

The map is the ``goal_map`` field of the recurrent state
(:class:`agents.models.state.RecurrentState`), so everything that carries, resets (zeros:
nothing seen) or detaches the state handles it unchanged.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.cue import fill_cue, near_cue, weigh_goal
from agents.models.far_offsets import distance_index, offset_index
from agents.models.map_grid import agent_place, embed_maps, grown_radius, map_radius
from agents.models.state import RecurrentState
from agents.models.step import StepContext
from agents.models.vision import egocentric_offsets
from vlnenv.render.view_geometry import view_offsets

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


def view_places(gps: Tensor, direction: Tensor, n_cells: int) -> Tensor:
    """``(..., V*V, 2)`` int64 world offset from the start of each of the ``V*V`` view
    cells: ``gps + view_offset(heading, i)``.

    Args:
        gps: ``(..., 2)`` the agent's cell minus the start cell.
        direction: ``(...)`` headings.
        n_cells: ``V*V``.
    """
    offsets = _offsets(int(round(n_cells ** 0.5))).to(gps.device)[direction.long() % 4]
    return gps.long()[..., None, :] + offsets  # (..., P, 2)


def map_index(seen: Tensor, gps: Tensor, direction: Tensor, radius: int) -> Tensor:
    """``(..., V*V)`` int64 place of each view cell in the ``M x M`` map (row-major,
    ``M = 2 * radius + 1``, the start cell at ``(radius, radius)``): ``gps +
    view_offset(heading, i)`` (:func:`view_places`) shifted by ``radius``; ``M * M`` for a
    cell that is not seen or lies farther than ``radius`` from the start (it is not stored).

    Args:
        seen: ``(..., V*V)`` bool, the cells the agent sees.
        gps: ``(..., 2)`` the agent's cell minus the start cell.
        direction: ``(...)`` headings.
        radius: ``R``, the map's radius now.
    """
    M = 2 * radius + 1
    where = view_places(gps, direction, seen.shape[-1])  # (..., P, 2) each from the start
    inside = seen & (where.abs() <= radius).all(dim=-1)  # (..., P)
    index = (where[..., 0] + radius) * M + (where[..., 1] + radius)  # (..., P)
    return torch.where(inside, index, torch.full_like(index, M * M))  # (..., P)


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
    return write_map(goal_map, scores, map_index(seen, gps, direction, radius))


def goal_maps(goal_map: Tensor, scores: Tensor, index: Tensor,
              done: Tensor | None = None, last: Tensor | None = None) -> Tensor:
    """``(B, T, M*M)`` the map after each of ``T`` steps of :func:`write_goal_map`, at once.

    A cell holds the score of its last write, so with ``w[b, t, k]`` the last step ``<= t``
    that wrote cell ``k`` (:func:`last_writes`) the map is ``scores_at(w)``; a cell no step
    has stamped keeps ``goal_map``.

    Args:
        goal_map: ``(B, M*M)`` the map before the first step.
        scores: ``(B, T, V*V)`` the view cells' scores.
        index: ``(B, T, V*V)`` their places (:func:`map_index`; ``M*M``: not stored).
        done: ``(B, T)`` bool, True where a step starts an episode, or ``None``.
        last: :func:`last_writes` of ``index`` and ``done``, when already computed (the
            goal and explore maps write the same places).
    """
    B, T, _ = scores.shape
    MM = goal_map.shape[1]
    if last is None:
        last = last_writes(index, done, MM)  # (B, T, MM)
    value = goal_map.new_zeros(B, T, MM + 1).scatter(2, index, scores.to(goal_map.dtype))
    stored = value[..., :MM].gather(1, last.clamp(min=0))  # (B, T, MM)
    return torch.where(last >= 0, stored, goal_map[:, None, :])  # (B, T, MM)


def last_writes(index: Tensor, done: Tensor | None, size: int) -> Tensor:
    """``(B, T, size)`` int64: for each step ``t`` and map cell ``k``, the last step ``<= t``
    that wrote ``k`` (a running maximum of the steps' stamps), -1 where none has; a step
    that starts an episode stamps every cell it does not write (the map is emptied first,
    the stamped cells then read 0).

    Args:
        index: ``(B, T, V*V)`` the steps' places (:func:`map_index`; ``size``: not stored).
        done: ``(B, T)`` bool, True where a step starts an episode, or ``None``.
        size: ``M*M``.
    """
    B, T, P = index.shape
    t = torch.arange(T, device=index.device)  # (T,)
    stamp = torch.full((B, T, size + 1), -1, dtype=torch.long, device=index.device)
    stamp.scatter_(2, index, t.view(1, T, 1).expand(B, T, P))  # (B, T, size+1) t where written
    if done is not None:  # emptied (value 0): the whole row is t (written cells hold t)
        b, s = done.nonzero(as_tuple=True)  # (E,) each
        stamp[b, s] = t[s, None]
    stamp = stamp[..., :size]  # (B, T, size)
    for s in range(1, T):  # the running maximum over steps (cummax over a short T is slower)
        torch.maximum(stamp[:, s], stamp[:, s - 1], out=stamp[:, s])
    return stamp  # (B, T, size)


def goal_offset(goal_map: Tensor, gps: Tensor, direction: Tensor,
                radius: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(...)`` the best stored cell of ``(..., M*M)`` maps of any radius: its offset from
    the agent ahead and to the right (:func:`agents.models.vision.egocentric_offsets` of
    ``cell - gps``, unclipped) and its score. An empty map's best cell is the corner
    ``(-radius, -radius)`` of the ``radius`` grid (its first cell), whatever the map's own
    size (so a grown map reads as a fixed one).

    Args:
        goal_map: ``(..., M*M)`` maps, ``M = 2 R' + 1`` for any ``R' >= radius``.
        gps: ``(..., 2)`` the agent's cell minus the start cell.
        direction: ``(...)`` headings.
        radius: ``R``, ``config.gps.range``.
    """
    own = map_radius(goal_map.shape[-1])
    M = 2 * own + 1
    best, k = goal_map.max(dim=-1)  # (...), (...) first maximum
    cell = torch.stack([k // M - own, k % M - own], dim=-1)  # (..., 2) from the start
    if own != radius:
        cell = torch.where(best[..., None] > 0, cell, -radius)  # (..., 2)
    f, r = egocentric_offsets(cell - gps.long(), direction)  # (...) each
    return f, r, best


def read_goal_map(goal_map: Tensor, gps: Tensor, direction: Tensor,
                  radius: int, extra: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    """``(...)`` embedding indices ``(f, r, s)`` of the best stored cell of ``(..., M*M)``
    maps (:func:`goal_offset`): its offset from the agent ahead and to the right, each
    clipped to ``[-radius, radius]`` and shifted by ``radius`` (with ``extra > 0``:
    bucketed beyond, :func:`agents.models.far_offsets.offset_index`), and its score's bin
    ``min(floor(score * SCORE_BINS), SCORE_BINS - 1)``. An empty map reads score bin 0."""
    f, r, best = goal_offset(goal_map, gps, direction, radius)  # (...) each
    return offset_index(f, radius, extra), offset_index(r, radius, extra), score_bin(best)


def here_score(goal_map: Tensor, gps: Tensor) -> Tensor:
    """``(...)`` the score ``(..., M*M)`` maps of any radius ``R'`` hold at the agent's own
    cell, ``map[(gps_0 + R') M + gps_1 + R']`` (row-major around the start, as
    :func:`goal_offset` reads the best cell), 0 where the agent stands outside the map.

    Args:
        goal_map: ``(..., M*M)`` maps, ``M = 2 R' + 1``.
        gps: ``(..., 2)`` the agent's cell minus the start cell.
    """
    k, inside = agent_place(gps, map_radius(goal_map.shape[-1]))  # (...), (...)
    score = goal_map.gather(-1, k[..., None])[..., 0]  # (...)
    return torch.where(inside, score, torch.zeros_like(score))  # (...)


def score_bin(score: Tensor) -> Tensor:
    """``(...)`` the read-out embedding's bin ``min(floor(score * SCORE_BINS), SCORE_BINS
    - 1)`` of ``(...)`` scores in [0, 1]."""
    return (score.float() * SCORE_BINS).long().clamp(0, SCORE_BINS - 1)  # (...)


def memory_distance(f: Tensor, r: Tensor, radius: int) -> Tensor:
    """``(...)`` the read-out cell's distance from the agent, ``|f - R| + |r - R|`` (at
    most ``2 R``: each offset is already clipped to ``±R``), of the shifted offset indices
    ``f``, ``r`` of :func:`read_goal_map`."""
    return (f - radius).abs() + (r - radius).abs()  # (...)


def far_memory_distance(f: Tensor, r: Tensor, radius: int, extra: int) -> Tensor:
    """``(...)`` embedding index of the read-out cell's distance ``|f| + |r|`` from the
    agent, of its unclipped offsets (:func:`goal_offset`), bucketed beyond ``2 R``
    (:func:`agents.models.far_offsets.distance_index` with limit ``2 R``): in
    ``[0, 2 R + extra]``."""
    return distance_index(f.abs() + r.abs(), 2 * radius, extra)  # (...)


def write_map(stored: Tensor, values: Tensor, index: Tensor) -> Tensor:
    """``(B, M*M)`` ``stored`` after writing the ``(B, V*V)`` ``values`` at their ``(B, V*V)``
    places ``index`` (:func:`map_index`; ``M*M``: not stored); the last write wins."""
    padded = torch.cat([stored, stored.new_zeros(stored.shape[0], 1)], dim=1)  # (B, MM+1)
    padded = padded.scatter(1, index, values.to(stored.dtype))  # (B, M*M+1)
    return padded[:, :-1]  # (B, M*M)


class GoalMemory(nn.Module):
    """The goal map's write, read and embedding (module docstring); holds only the
    read-out embeddings. Owns the ``goal_map`` field of the recurrent state, and with
    ``config.memory.cue`` the ``cue_map`` (:mod:`agents.models.cue`)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        assert config.memory is not None
        self.cue = config.memory.cue
        self.fill = config.memory.cue_fill
        self.fields = ("goal_map", "cue_map") if self.cue else ("goal_map",)
        self.radius = config.radius
        self.far = config.far_buckets
        self.grow = config.grows
        self.tile = config.tile
        self.size = (2 * self.radius + 1) ** 2
        self.f_emb = nn.Embedding(2 * (self.radius + self.far) + 1, config.n_embd)
        self.r_emb = nn.Embedding(2 * (self.radius + self.far) + 1, config.n_embd)
        self.s_emb = nn.Embedding(SCORE_BINS, config.n_embd)
        self.d_emb = (nn.Embedding(2 * self.radius + self.far + 1, config.n_embd)
                      if config.memory.distance else None)
        self.h_emb = nn.Embedding(SCORE_BINS, config.n_embd) if config.memory.here else None

    def start_here_at_zero(self) -> None:
        """Zero the here read-out's table (``config.memory.here``): the policy calls it
        after its initialisation, so the read-out adds nothing until trained."""
        if self.h_emb is not None:
            with torch.no_grad():
                self.h_emb.weight.zero_()

    def layout(self, goal_map: Tensor, image: Tensor, gps: Tensor,
               direction: Tensor) -> tuple[Tensor, Tensor]:
        """``(B, M'*M')`` the goal map in the grid the steps write into, and ``(B, T, V*V)``
        the view cells' places there: the ``(B, M*M)`` map as it is for a fixed map,
        re-embedded in the grid of :func:`agents.models.map_grid.grown_radius` of the
        ``T`` steps' seen places for a growing one (``config.far.grow``)."""
        seen = seen_cells(image, self.tile)  # (B, T, P)
        radius = self.radius
        if self.grow:
            where = view_places(gps, direction, seen.shape[-1])  # (B, T, P, 2)
            radius = grown_radius(map_radius(goal_map.shape[-1]), self.radius, where, seen,
                                  gps)
            goal_map = embed_maps(goal_map, radius)  # (B, M'*M')
        return goal_map, map_index(seen, gps, direction, radius)  # (B, T, P)

    def step(self, context: StepContext, state: RecurrentState
             ) -> tuple[Tensor, RecurrentState, dict[str, Tensor]]:
        """Write each of the context's ``T`` views into the ``(B, M*M)`` goal map and read
        it after each write. The map does not depend on the policy's hidden state, so the
        maps after every step come from one running maximum (:func:`goal_maps`, emptied
        where ``context.done``) and are read and embedded for all ``B * T`` steps together.

        Returns:
            ``(B, T, C)`` the read-outs, the state with the map after the last step, and
            for the parts after it ``places`` (``(B, T, V*V)``, the view cells' places in
            the map: the explore memory writes the same), ``last_writes`` (their
            :func:`last_writes`) and ``goal_maps`` (``(B, T, M*M)``, the map after each
            step as it is read: weighed by the cue seen near each cell with
            ``config.memory.cue``, :func:`agents.models.cue.weigh_goal`).
        """
        scores = torch.sigmoid(context.goal.detach().float())  # (B, T, V*V)
        goal_map, index = self.layout(state.goal_map, context.image, context.gps,
                                      context.direction)  # (B, M*M), (B, T, P)
        last = last_writes(index, context.done, goal_map.shape[1])  # (B, T, M*M)
        maps = goal_maps(goal_map, scores, index, last=last)  # (B, T, M*M)
        kept = {"goal_map": maps[:, -1]}
        if self.cue:  # the goal map read with its cells weighed by the cue seen near them
            cue_map = embed_maps(state.cue_map, map_radius(goal_map.shape[1]))  # (B, M*M)
            cues = goal_maps(cue_map, context.cue.float(), index, last=last)  # (B, T, M*M)
            kept["cue_map"] = cues[:, -1]
            near = fill_cue(near_cue(cues, self.cue), maps, self.fill)  # (B, T, M*M)
            maps = weigh_goal(maps, near, context.cue_said)
        fo, ro, best = goal_offset(maps, context.gps, context.direction, self.radius)
        f, r = offset_index(fo, self.radius, self.far), offset_index(ro, self.radius, self.far)
        recall = self.f_emb(f) + self.r_emb(r) + self.s_emb(score_bin(best))  # (B, T, C)
        if self.d_emb is not None:
            d = (memory_distance(f, r, self.radius) if self.far == 0
                 else far_memory_distance(fo, ro, self.radius, self.far))  # (B, T)
            recall = recall + self.d_emb(d)  # (B, T, C)
        if self.h_emb is not None:
            recall = recall + self.h_emb(score_bin(here_score(maps, context.gps)))
        return (recall, state._replace(**kept),
                {"places": index, "last_writes": last, "goal_maps": maps})
