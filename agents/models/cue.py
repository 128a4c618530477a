"""What tells a room apart from its twins, as the words say it, and where it was seen: the
goal memory's cue (``config.memory.cue``).

In a house of three bedrooms, "the bedroom next to the bathroom" and "the bedroom with the
desk" each name one of them, but the goal scores of :mod:`agents.models.match` read only
what a cell itself shows, so every bedroom's floor scores alike and the goal memory's best
cell is whichever bedroom was seen first (docs/experiments/36-rooms-told-apart.md: the
shipped policy ignores such words and takes any room of the type). The cue is read,
remembered and used in three small steps:

* **Read.** A word reader (:class:`~agents.models.match.AttributeReader` with one label
  kind) gives ``p(k)`` over the base cell labels (:mod:`vlnenv.render.codes`: a room
  type's floor, a furniture kind, ...) plus one class "plain" (no cue: "the bedroom"),
  trained on the parser's reading of the words (:mod:`agents.train.data.word_targets`);
  an object's cue is where the words place it ("the red cup in the kitchen": the
  kitchen's floor; "the book on the desk": the desk), which tells look-alike objects apart
  the same way.
  The words state a cue with probability ``c = 1 - p(plain)``.
* **See.** View cell ``i`` shows the cue with probability
  ``s_i = sum_{k < N_BASE} p'(k) q_i(k)``, with ``p'`` the reader's distribution over the
  base labels renormalised without "plain" and ``q_i`` the cell head's over the base
  labels (the factorised agreement of :func:`agents.models.match.attribute_match`, as a
  probability). ``s`` is written into a second map as the goal scores are into the goal map
  (:func:`agents.models.memory.goal_maps`: the last view of a cell wins).
* **Weigh.** A goal cell counts as far as the cue was seen within ``d = config.memory.cue``
  cells of it: ``n = maxpool_{(2d+1) x (2d+1)}(cue map)`` (:func:`near_cue`), and the goal
  memory reads ``g' = g (1 - c + c n)`` (:func:`weigh_goal`) instead of the goal map ``g``:
  unchanged for plain words (``c = 0``), and for told-apart words only the cells near where
  the cue was seen keep their score, so the best cell, the goal path and the read-out move
  to the room the words name once its cue has been seen.
* **Fill** (``config.memory.cue_fill = k``). A room's cue is seen from a few of its cells
  (the ones beside the neighbour's door, the desk), but the room's every cell is the
  goal: the teacher stops on the first one it enters. So the cells near the cue are
  flooded over the goal's own kind of cell: from the cells with ``n > 1/2`` that look
  like the goal (``g > 1/2``), ``k`` steps of ``r <- r | ([g > 1/2] & dilate_{3x3}(r))``,
  then ``n <- max(n, r)`` (:func:`fill_cue`). Walls and doors score low, so the flood
  stays in the room the cue was seen from and reaches every cell of it within ``k``
  steps (Chebyshev) of the seeds; an object's cell has no like neighbours, so objects
  keep the window.

Nothing here is learnt but the reader; the maps are inputs (detached), as the goal map is.
"""

from __future__ import annotations

import torch
from torch import Tensor

from vlnenv.render.codes import N_BASE

#: Classes of the cue reader: the base cell labels, then "plain" (the words give no cue).
CUE_CLASSES = N_BASE + 1
#: The "plain" class.
PLAIN = N_BASE
#: The "plain" logit's bias at initialisation: a fresh reader reads every instruction as
#: plain (``c = 1 - p(plain) ~ 0.014`` with the other logits 0), so a policy given the cue
#: part on top of trained weights starts out reading its goal map as before.
PLAIN_PRIOR = 8.0


def cue_scores(cue_logits: Tensor, cell_logits: Tensor) -> tuple[Tensor, Tensor]:
    """``(s, c)``: ``(N, P)`` the chance each view cell shows the cue and ``(N,)`` the chance
    the words state one (module docstring).

    Args:
        cue_logits: ``(N, CUE_CLASSES)`` the cue reader's logits.
        cell_logits: ``(N, P, K)`` the cell head's logits, the base labels first
            (``K >= N_BASE``: :data:`agents.models.cell_labels.CELL_CLASSES` side by side).
    """
    logits = cue_logits.float()
    said = 1.0 - logits.softmax(-1)[:, PLAIN]  # (N,)
    p = logits[:, :N_BASE].softmax(-1)  # (N, N_BASE) renormalised without "plain"
    q = cell_logits[..., :N_BASE].float().softmax(-1)  # (N, P, N_BASE)
    return torch.einsum("npk,nk->np", q, p), said  # (N, P), (N,)


def near_cue(cue_maps: Tensor, reach: int) -> Tensor:
    """``(..., M*M)`` the most a ``(..., M*M)`` row-major map holds within ``reach`` cells
    (Chebyshev) of each cell: a ``(2 reach + 1)^2`` max filter over the cells inside the
    map, done as a row pass and a column pass (a square's maximum is the maximum of its
    rows' maxima), each ``2 reach`` elementwise maxima of the grid with itself shifted
    (``F.max_pool2d`` gives the same numbers, padded with ``-inf``, 5-10x slower on a
    CPU)."""
    *lead, MM = cue_maps.shape
    M = int(round(MM ** 0.5))
    grid = cue_maps.detach().reshape(-1, M, M)  # (N, M, M)
    rows = grid.clone()
    for s in range(1, min(reach, M - 1) + 1):  # along each row, from the left and the right
        torch.maximum(rows[:, :, s:], grid[:, :, :-s], out=rows[:, :, s:])
        torch.maximum(rows[:, :, :-s], grid[:, :, s:], out=rows[:, :, :-s])
    out = rows.clone()
    for s in range(1, min(reach, M - 1) + 1):  # then along each column
        torch.maximum(out[:, s:], rows[:, :-s], out=out[:, s:])
        torch.maximum(out[:, :-s], rows[:, s:], out=out[:, :-s])
    return out.reshape(*lead, MM)  # (..., M*M)


def fill_cue(near: Tensor, goal_maps: Tensor, steps: int, sure: float = 0.5) -> Tensor:
    """``(..., M*M)`` the :func:`near_cue` maps ``near`` raised to 1 on the cells of the
    ``(..., M*M)`` goal maps scoring above ``sure`` that a chain of such cells joins, one
    step (Chebyshev) at a time and at most ``steps`` steps, to a cell where ``near``
    is above 1/2: a geodesic dilation of the cells where the cue was likely seen,
    ``r <- r | ([g > sure] & dilate_{3x3}(r))`` (module docstring, **Fill**), then
    ``max(n, r)``. Done on booleans, and stopped early once a step adds nothing (the
    same numbers as all ``steps``)."""
    if steps <= 0:
        return near
    *lead, MM = near.shape
    M = int(round(MM ** 0.5))
    like = (goal_maps.detach() > sure).reshape(-1, M, M)  # (N, M, M)
    reached = (near.detach() > 0.5).reshape(-1, M, M) & like  # (N, M, M)
    for _ in range(steps):
        grown = _dilate(reached) & like  # (N, M, M)
        grown |= reached
        if torch.equal(grown, reached):
            break
        reached = grown
    return torch.maximum(near.detach(), reached.reshape(*lead, MM).to(near.dtype))


def _dilate(cells: Tensor) -> Tensor:
    """``(N, M, M)`` bool: the cells within one cell (Chebyshev) of a true cell of
    ``(N, M, M)`` bool grids (a row pass, then a column pass)."""
    rows = cells.clone()
    rows[:, :, 1:] |= cells[:, :, :-1]
    rows[:, :, :-1] |= cells[:, :, 1:]
    out = rows.clone()
    out[:, 1:] |= rows[:, :-1]
    out[:, :-1] |= rows[:, 1:]
    return out


def weigh_goal(goal_maps: Tensor, near: Tensor, said: Tensor) -> Tensor:
    """``(..., M*M)`` the goal maps as the memory reads them, ``g (1 - c + c n)``: ``g`` the
    ``(..., M*M)`` goal maps, ``n`` the ``(..., M*M)`` :func:`near_cue` of the cue maps,
    ``c`` the ``(...)`` chance the words state a cue."""
    c = said[..., None].to(goal_maps.dtype)  # (..., 1)
    return goal_maps * (1.0 - c + c * near.to(goal_maps.dtype))  # (..., M*M)
