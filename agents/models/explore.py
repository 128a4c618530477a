"""``ExploreMemory``: where the agent has looked, and which way the nearest unlooked-at
place lies. Twin of the frontier rule of :class:`vlnenv.expert.explorer.Explorer` (numpy),
planned on tensors over what the student saw (parity: ``tests/agents/models/test_explore.py``,
``test_the_planners_frontier_is_the_explorers_on_the_same_memory``).

Half of the seventh quickstart's ``go_to_object`` failures never had the target in view
(docs/training.md, "Round seven"): the policy ran out of steps searching. The explorer
teacher (:mod:`vlnenv.expert.explorer`) searches by a rule over what the agent has seen:
walk to the nearest *frontier* (a known traversable cell beside an unseen one) and face
the unseen cell. A student whose only memory is its recurrent state must rebuild that
memory from 16-step chunks. Map-based navigation agents keep it explicitly and plan over
it analytically (frontier-based exploration: Yamauchi, 1997, "A Frontier-Based Approach
for Autonomous Exploration"; a learnt map with an analytical planner: Chaplot et al.,
2020, "Learning to Explore using Active Neural SLAM"). This module is the smallest such
map with such a planner:

* **Write** (every step): each view cell the agent sees (any non-black pixel) is stored
  at its place in an ``M x M`` grid around the start (``M = 2 R + 1``, ``R =
  config.gps.range``, or grown with ``config.far.grow``; the places of
  :func:`agents.models.memory.map_index`) as ``1 + p_open``, ``p_open`` the cell head's
  (detached) probability that the cell's base is traversable (a floor or a door, open or
  closed: :data:`OPEN_BASES`); 0 is "never seen". The last sight wins, as in the goal
  map, and an episode start empties the map.
* **Plan** (every step, after the write; no parameters): cells with ``p_open > 0.5`` are
  passable; a frontier is a passable cell with an unseen 4-neighbour (a place beyond the
  map counts as unseen). ``D`` = the 4-connected path length through passable cells to
  the nearest frontier (:func:`frontier_distances`, a breadth-first search over the
  passable cells, run to convergence).
* **Read**: with ``D_0`` the agent's own cell's ``D`` and ``D_k`` that of its neighbour
  ahead, right, behind and left (``-1`` for an unseen neighbour: reaching it is the point,
  ``inf`` for a wall), the four bits ``[D_k < D_0]`` (the ways that lead closer to
  unseen ground) and ``min(D_0, 2 R)`` (``2 R + 1``: no frontier reachable) are embedded,
  ``E_w[sum_k 2^k [D_k < D_0]] + E_d[min(D_0, 2R)]``, and added to the state token's
  query beside the goal memory's read-out.

With ``config.explore.goal_path`` the same planner also runs from the goal (:func:`goal_sources`:
the goal map's best cell and its 4-neighbours, once its score is above one half) through
the seen passable cells, and the way there is read and embedded the same way (an unseen
neighbour is no way: the path is planned over what was seen), so the policy knows which
step leads around the walls to where it saw the target, not only the straight-line offset
the goal memory reads out. Among the ``go_to_object`` failures of the eighth version's
step-matched run, 7 of 26 stopped 2 or more cells from the target they remembered; with
the goal path, step-matched, ``go_to_object`` rose from 74% to 86% and ``fetch`` from 69%
to 79% on ``val_unseen`` with seed 0, but a second seed scored 68% and 55% (the eighth
version's: 71% and 69%), so the gain is not established (docs/training.md, "Round eight").

With ``config.explore.home_path`` the planner runs a third time, from the start cell (the
maps' centre, :func:`home_sources`) through the seen passable cells, read and embedded the
same way, and added while the agent holds an object (``carrying > 0``): the way back
around the walls that a ``fetch`` ("bring it to me") ends with. The quickstart's most
frequent ``fetch`` failure was a timeout holding a matching object, never back at the
start (docs/experiments/26-the-way-home.md).

The map is the ``explore_map`` field of the recurrent state
(:class:`agents.models.state.RecurrentState`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.far_offsets import distance_index
from agents.models.map_grid import agent_place, embed_maps, map_radius
from agents.models.memory import goal_maps
from agents.models.state import RecurrentState
from agents.models.step import StepContext
from agents.models.vision import unit_steps
from vlnenv.render.codes import DOOR_CLOSED, DOOR_OPEN, FLOOR_BASE, FURNITURE_BASE, N_BASE

#: Base codes (:mod:`vlnenv.render.codes`) an agent can walk onto (doors open when walked
#: into): both doors and the floor of every room type.
OPEN_BASES: tuple[int, ...] = (DOOR_CLOSED, DOOR_OPEN, *range(FLOOR_BASE, FURNITURE_BASE))

#: Stands for "no path" in :func:`frontier_distances` (larger than any path in a map).
FAR = 1.0e6


def open_scores(cell_logits: Tensor) -> Tensor:
    """``(..., V*V)`` the probability the cell head gives each cell's base being
    traversable, ``sum_{b in OPEN_BASES} softmax(c_base)_b``, of ``(..., V*V, K)`` cell
    logits (the base logits first, :data:`agents.models.cell_labels.CELL_CLASSES`)."""
    base = cell_logits[..., :N_BASE].float().softmax(dim=-1)  # (..., V*V, N_BASE)
    return base[..., list(OPEN_BASES)].sum(dim=-1)  # (..., V*V)


def _neighbours(x: Tensor, fill: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The 4-neighbours of every cell of ``(N, M, M)`` ``x`` (above, below, left, right),
    ``fill`` beyond the map: four ``(N, M, M)``."""
    p = F.pad(x, (1, 1, 1, 1), value=fill)  # (N, M+2, M+2)
    return p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]


def _any_neighbour(x: Tensor, fill: bool) -> Tensor:
    """``(N, M, M)`` bool: whether any 4-neighbour of each cell of ``(N, M, M)`` bool ``x``
    is set, a place beyond the map counting as ``fill`` (:func:`_neighbours` on bytes,
    or-ed: one pass per side instead of a float stack and its maximum)."""
    a, b, c, d = _neighbours(x.to(torch.uint8), float(fill))  # (N, M, M) each, 0/1
    return (a | b | c | d).bool()  # (N, M, M)


def path_lengths(passable: Tensor, sources: Tensor) -> Tensor:
    """``(N, M, M)`` 4-connected path length through ``passable`` cells from each cell to
    the nearest of ``sources`` (both ``(N, M, M)`` bool; a source must be passable to
    count): 0 on a source, ``d + 1`` on a passable cell whose best passable 4-neighbour
    has ``d``, :data:`FAR` where no source can be reached and on every cell that is not
    passable.

    A breadth-first search over the passable cells only (the memory maps are sparse: in
    the big houses' training batches about 2% of their cells are passable): the ``P``
    passable cells are listed with their passable 4-neighbours (:func:`passable_graph`);
    wave 0 is the passable sources, and wave ``k`` the cells not yet reached beside a cell
    of wave ``k - 1``, which get ``k``; it stops at the first empty wave. Each wave looks
    only at the neighbours of the one before, so the whole search touches each passable
    cell's four neighbours once, not every cell of every map once a wave
    (:func:`path_lengths_dense`: the same numbers, the fixed point of the relaxation
    ``D <- min(D, min_nbr D + 1)`` on passable cells; integers in float32)."""
    cells, nbrs = passable_graph(passable)  # (P,), (P, 4) with P for "none"
    P = len(cells)
    start = sources.reshape(-1)[cells]  # (P,) wave 0: the passable sources
    reached = torch.cat([start, start.new_ones(1)])  # (P+1,) "none" counts as reached
    lengths = torch.full((P,), FAR, device=passable.device)  # (P,)
    lengths.masked_fill_(start, 0.0)
    wave = start.nonzero()[:, 0]  # (W,) the cells of the last wave
    for k in range(1, P + 1):
        ahead = nbrs[wave].reshape(-1)  # (4W,) their neighbours, "none" as P
        ahead = ahead[~reached[ahead]]  # (K,) not reached yet (a cell may appear twice)
        if len(ahead) == 0:
            break
        reached[ahead] = True
        lengths[ahead] = float(k)
        wave = ahead.unique()  # (W',)
    dist = torch.full(passable.shape, FAR, device=passable.device)  # (N, M, M)
    dist.view(-1)[cells] = lengths
    return dist


def passable_graph(passable: Tensor) -> tuple[Tensor, Tensor]:
    """The passable cells of ``(N, M, M)`` bool maps as a graph: ``(P,)`` their flat
    indices into ``N * M * M`` (ascending), and ``(P, 4)`` the positions in that list of
    each one's passable neighbour above, below, left and right, ``P`` where there is none
    (a wall, an unseen cell, or the map's edge: maps are never joined)."""
    N, H, W = passable.shape
    cells = passable.reshape(-1).nonzero()[:, 0]  # (P,) ascending
    P = len(cells)
    # (N*H*W + 1,) each cell's position in the list, P for none (int32: half the bytes of
    # the one array as large as all the maps)
    position = torch.full((N * H * W + 1,), P, dtype=torch.int32, device=passable.device)
    position[cells] = torch.arange(P, dtype=torch.int32, device=passable.device)
    row, col = (cells // W) % H, cells % W  # (P,) each
    steps = ((-W, row > 0), (W, row < H - 1), (-1, col > 0), (1, col < W - 1))
    nbrs = [position[torch.where(inside, cells + step, N * H * W)] for step, inside in steps]
    return cells, torch.stack(nbrs, dim=1).long()  # (P,), (P, 4)


def path_lengths_dense(passable: Tensor, sources: Tensor) -> Tensor:
    """:func:`path_lengths` by waves over every cell of every map (each wave a few passes
    over ``N * M * M`` bytes, about ``M^3`` a map): the reference the graph search is
    checked against (``benchmarks/planner_speed.py`` times both)."""
    reached = passable & sources  # (N, M, M) wave 0
    dist = torch.full(passable.shape, FAR, device=passable.device)  # (N, M, M)
    dist.masked_fill_(reached, 0.0)
    wave = reached
    for k in range(1, passable.shape[-1] * passable.shape[-2] + 1):
        wave = _any_neighbour(wave, False) & passable & ~reached  # (N, M, M)
        if not bool(wave.any()):
            break
        dist.masked_fill_(wave, float(k))
        reached = reached | wave
    return dist


def passable_cells(maps: Tensor, radius: int) -> Tensor:
    """``(N, M, M)`` bool: the cells of ``(N, M*M)`` explore maps seen with ``p_open >
    0.5`` (stored above 1.5)."""
    M = 2 * radius + 1
    return maps.float().view(-1, M, M) > 1.5


def frontier_sources(maps: Tensor, radius: int) -> Tensor:
    """``(N, M, M)`` bool: the cells of ``(N, M*M)`` explore maps with an unseen
    4-neighbour (a place beyond the map counts as unseen); the passable ones among them
    are the frontier."""
    M = 2 * radius + 1
    unseen = maps.float().view(-1, M, M) <= 0  # (N, M, M)
    return _any_neighbour(unseen, True)  # (N, M, M)


def frontier_distances(maps: Tensor, radius: int) -> Tensor:
    """``(N, M, M)`` path length from each cell to the nearest frontier of ``(N, M*M)``
    explore maps (module docstring): :func:`path_lengths` from :func:`frontier_sources`."""
    return path_lengths(passable_cells(maps, radius), frontier_sources(maps, radius))


def goal_sources(goal_maps: Tensor, radius: int, sure: float = 0.5) -> Tensor:
    """``(N, M, M)`` bool: where the way to the remembered goal ends, for ``(N, M*M)``
    goal maps: the best stored cell and its 4-neighbours (the target object itself may
    not be walkable; standing beside it is the goal), when the best score is above
    ``sure``; nowhere otherwise."""
    M = 2 * radius + 1
    N = goal_maps.shape[0]
    score, best = goal_maps.float().max(dim=-1)  # (N,) each
    at = torch.zeros(N, M * M, device=goal_maps.device)
    at.scatter_(1, best[:, None], (score > sure).float()[:, None])  # (N, M*M)
    at = at.view(N, M, M) > 0  # (N, M, M)
    return at | _any_neighbour(at, False)  # (N, M, M)


def home_sources(n: int, radius: int, device: torch.device | None = None) -> Tensor:
    """``(n, M, M)`` bool: the start cell of every map, its centre (where ``gps`` reads 0;
    the maps are laid out around the start)."""
    M = 2 * radius + 1
    at = torch.zeros(n, M, M, dtype=torch.bool, device=device)
    at[:, radius, radius] = True
    return at


def frontier_read(maps: Tensor, dist: Tensor, gps: Tensor, direction: Tensor,
                  radius: int, unseen: float = -1.0, *, limit: int | None = None,
                  extra: int = 0) -> tuple[Tensor, Tensor]:
    """``(N,)`` embedding indices ``(w, d)`` of the agent's way to the nearest frontier
    (or, with ``unseen = FAR`` and the :func:`path_lengths` from :func:`goal_sources`, to
    the remembered goal).

    ``w = sum_k 2^k [D_k < D_0]`` over the neighbours ahead, right, behind, left (``k = 0..3``)
    of the agent's cell, ``D_k = unseen`` for a neighbour never seen (or beyond the map;
    ``-1``: reaching it is the point) and ``D_k = dist`` otherwise (:data:`FAR` for a
    wall); ``d = min(D_0, 2 R)`` (with ``extra > 0``, ``D_0`` bucketed beyond ``2 R``:
    :func:`agents.models.far_offsets.distance_index`, at most ``2 R + extra``), or
    ``2 R + extra + 1`` when ``D_0`` is :data:`FAR` (nothing reachable, or the agent beyond
    the map); ``R`` is ``limit``.

    Args:
        maps: ``(N, M*M)`` explore maps.
        dist: ``(N, M, M)`` :func:`frontier_distances` of them.
        gps: ``(N, 2)`` the agent's cell minus the start cell.
        direction: ``(N,)`` headings.
        radius: the maps' radius (``M = 2 radius + 1``).
        unseen: ``D_k`` of an unseen neighbour.
        limit: ``R`` of the embedding, ``config.gps.range`` (``radius`` when ``None``).
        extra: buckets beyond ``2 R`` (``config.far_buckets``; 0: clipped).
    """
    N, M = dist.shape[0], 2 * radius + 1
    flat = dist.reshape(N, M * M)  # (N, M*M)
    seen = maps.reshape(N, M * M) > 0  # (N, M*M)
    here, inside = agent_place(gps, radius)  # (N,) each
    d0 = torch.where(inside, flat.gather(1, here[:, None])[:, 0], FAR)  # (N,)
    steps = unit_steps().to(gps.device)  # (4, 2) unit step of each heading
    heading = direction.long() % 4  # (N,)
    w = torch.zeros_like(here)
    for k in range(4):  # ahead, right, behind, left: headings d, d+1, d+2, d+3
        at, on_map = agent_place(gps.long() + steps[(heading + k) % 4], radius)  # (N,) each
        dk = torch.where(seen.gather(1, at[:, None])[:, 0] & on_map,
                         flat.gather(1, at[:, None])[:, 0], unseen)  # (N,)
        w = w + ((dk < d0) & inside).long() * (1 << k)
    R = radius if limit is None else limit
    near = (d0.clamp(max=2 * R).long() if extra == 0
            else distance_index(d0.clamp(max=FAR - 1), 2 * R, extra))  # (N,)
    d = torch.where(d0 >= FAR, 2 * R + extra + 1, near)  # (N,)
    return w, d


class ExploreMemory(nn.Module):
    """The explore map's write, plan and read (module docstring); holds only the read-out
    embeddings. Owns the ``explore_map`` field of the recurrent state."""

    fields = ("explore_map",)

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        assert config.explore is not None
        self.radius = config.radius
        self.far = config.far_buckets
        self.tile = config.tile
        self.size = (2 * self.radius + 1) ** 2
        n_d = 2 * self.radius + self.far + 2  # distances 0..2R (+ far buckets), none
        self.w_emb = nn.Embedding(16, config.n_embd)
        self.d_emb = nn.Embedding(n_d, config.n_embd)
        goal_path = config.explore.goal_path
        self.goal_w_emb = nn.Embedding(16, config.n_embd) if goal_path else None
        self.goal_d_emb = nn.Embedding(n_d, config.n_embd) if goal_path else None
        home_path = config.explore.home_path
        self.home_w_emb = nn.Embedding(16, config.n_embd) if home_path else None
        self.home_d_emb = nn.Embedding(n_d, config.n_embd) if home_path else None

    def step(self, context: StepContext, state: RecurrentState
             ) -> tuple[Tensor, RecurrentState, dict[str, Tensor]]:
        """Write each of the context's ``T`` views into the ``(B, M*M)`` explore map, plan
        and read after each write; like the goal map, the map does not depend on the
        policy's hidden state, so all ``B * T`` steps are written, planned and read at once.

        Reads ``context.cells`` (the cell head's logits, detached here), ``context.places``
        (the goal memory's, :meth:`agents.models.memory.GoalMemory.step`), gps, headings,
        ``done``, with ``goal_path`` ``context.goal_maps`` (the goal map after each
        step), and with ``home_path`` ``context.carrying`` (the way home is added only
        while an object is held).

        Returns:
            ``(B, T, C)`` the read-outs, the state with the map after the last step, no aux.

        Raises:
            ModelError: the context lacks the cells or the places (or, with ``goal_path``,
                the goal maps; with ``home_path``, the carrying observation).
        """
        if context.cells is None or context.places is None or (
                self.goal_w_emb is not None and context.goal_maps is None):
            raise ModelError("ExploreMemory.step needs the cell logits and the places of the "
                             "view cells (the cell head and the goal memory run first)")
        if self.home_w_emb is not None and context.carrying is None:
            raise ModelError("ExploreMemory.step with home_path needs the carrying "
                             "observation (the way home is read while an object is held)")
        B, T = context.direction.shape
        stored = 1.0 + open_scores(context.cells.detach())  # (B, T, V*V) in [1, 2]
        # the grid the goal memory laid out (grown with config.far.grow)
        radius = map_radius(context.last_writes.shape[-1])
        explore_map = embed_maps(state.explore_map, radius)  # (B, M*M)
        maps = goal_maps(explore_map, stored, context.places, context.done,
                         context.last_writes)  # (B, T, M*M)
        flat = maps.reshape(B * T, -1)  # (B*T, M*M)
        gps, direction = context.gps.reshape(B * T, 2), context.direction.reshape(B * T)
        passable = passable_cells(flat, radius)  # (B*T, M, M)
        # every search in one relaxation: the frontier's, the goal's, and home's from the
        # steps where an object is held (the only ones that read it)
        searches = [(passable, frontier_sources(flat, radius))]
        if self.goal_w_emb is not None:
            searches.append((passable, goal_sources(context.goal_maps.reshape(B * T, -1),
                                                    radius)))
        held = torch.zeros(0, dtype=torch.long, device=flat.device)  # (H,) holding steps
        if self.home_w_emb is not None:
            held = (context.carrying.reshape(B * T) > 0).nonzero()[:, 0]  # (H,)
            home = home_sources(len(held), radius, flat.device)  # (H, M, M)
            searches.append((passable[held] | home, home))  # the agent stood on its start
        dists = path_lengths(torch.cat([p for p, _ in searches]),
                             torch.cat([s for _, s in searches])
                             ).split([len(s) for _, s in searches])  # (B*T or H, M, M) each
        w, d = frontier_read(flat, dists[0], gps, direction, radius, limit=self.radius,
                             extra=self.far)  # (B*T,) each
        recall = self.w_emb(w) + self.d_emb(d)  # (B*T, C)
        if self.goal_w_emb is not None and self.goal_d_emb is not None:
            w, d = frontier_read(flat, dists[1], gps, direction, radius, unseen=FAR,
                                 limit=self.radius, extra=self.far)  # (B*T,) each
            recall = recall + self.goal_w_emb(w) + self.goal_d_emb(d)  # (B*T, C)
        if len(held) and self.home_w_emb is not None and self.home_d_emb is not None:
            w, d = frontier_read(flat[held], dists[-1], gps[held], direction[held], radius,
                                 unseen=FAR, limit=self.radius, extra=self.far)  # (H,) each
            read = self.home_w_emb(w) + self.home_d_emb(d)  # (H, C)
            recall = recall.index_add(0, held, read.to(recall.dtype))  # home: while holding
        return recall.view(B, T, -1), state._replace(explore_map=maps[:, -1]), {}
