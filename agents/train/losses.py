"""The imitation losses, as small pure functions of tensors."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from agents.models.cell_labels import CELL_CLASSES
from agents.models.memory import seen_cells


def masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``values`` where ``mask`` is true (0 when nothing is)."""
    weights = mask.to(values.dtype)  # (...)
    return (values * weights).sum() / weights.sum().clamp(min=1.0)


def action_loss(logits: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Cross-entropy of the expert's actions, averaged over the steps where ``mask``.

    ``-log softmax(logits)[target]``; for ``late_fusion`` the logits already are
    normalised log-probabilities, which ``log_softmax`` leaves unchanged.

    Args:
        logits: ``(B, T, A)`` action logits.
        targets: ``(B, T)`` int64 expert actions.
        mask: ``(B, T)`` bool, the steps that count.
    """
    nll = F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(),
                          reduction="none")  # (B*T,)
    keep = mask.flatten().to(nll.dtype)  # (B*T,)
    return (nll * keep).sum() / keep.sum().clamp(min=1e-12)


def progress_loss(progress: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error of the progress head against the targets where ``mask``.

    Args:
        progress: ``(B, T)`` predicted progress in (0, 1).
        targets: ``(B, T)`` float targets (:func:`progress_targets`).
        mask: ``(B, T)`` bool.
    """
    return masked_mean((progress.float() - targets) ** 2, mask)


def _seen_goal_cells(logits: Tensor | None, image: Tensor) -> Tensor:
    """``(B, T, V*V)`` bool: the view cells the agent sees, for the goal scores ``logits``
    of ``image``'s views.

    Raises:
        ValueError: the model gives no goal scores (the model has no goal part, ``model.goal``).
    """
    if logits is None:
        raise ValueError("the goal loss needs a model with the goal part (model.goal)")
    return seen_cells(image, image.shape[-2] // int(round(logits.shape[-1] ** 0.5)))


def goal_loss(logits: Tensor | None, targets: Tensor, image: Tensor,
              steps: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of the per-cell goal scores against the goal-in-view targets
    (:mod:`agents.train.data.targets`), averaged over the cells the agent sees.

    Args:
        logits: ``(B, T, V*V)`` goal scores (``PolicyOutput.goal``).
        targets: ``(B, T, V*V)`` bool.
        image: ``(B, T, S, S, 3)`` the views (which cells are seen).
        steps: ``(B, T)`` bool, the steps that have targets (``None``: all).

    Raises:
        ValueError: the model gives no goal scores (the model has no goal part, ``model.goal``).
    """
    seen = _seen_goal_cells(logits, image)  # (B, T, P)
    if steps is not None:
        seen = seen & steps[..., None]  # (B, T, P)
    bce = F.binary_cross_entropy_with_logits(logits.float(), targets.float(),
                                             reduction="none")  # (B, T, P)
    return masked_mean(bce, seen)


def goal_choice_loss(logits: Tensor | None, targets: Tensor, image: Tensor,
                     steps: Tensor | None = None) -> Tensor:
    """Which seen cell shows the goal, as one choice per step: a softmax over the seen
    cells' goal scores and a fixed "not in view" score of 0, against the seen target cells
    (or "not in view" when none is seen). With ``z_c`` the scores, ``S`` the seen cells and
    ``G`` the seen target cells of a step,

        ``loss = logsumexp({z_c : c in S} + {0}) - logsumexp({z_c : c in G} or {0})``,

    the multi-positive cross-entropy (a room's cells are all targets), averaged over the
    steps. Unlike :func:`goal_loss`, whose per-cell binary terms let one target among ~30
    seen cells weigh 1/30 of a step, every step is one ranking of the named target against
    the other things in view (the confusion of ``scripts/failure_modes.py``: stopping beside
    another object).

    Args:
        logits: ``(B, T, V*V)`` goal scores (``PolicyOutput.goal``).
        targets: ``(B, T, V*V)`` bool.
        image: ``(B, T, S, S, 3)`` the views (which cells are seen).
        steps: ``(B, T)`` bool, the steps that have targets (``None``: all), the only ones
            averaged over.

    Raises:
        ValueError: the model gives no goal scores (the model has no goal part, ``model.goal``).
    """
    seen = _seen_goal_cells(logits, image)  # (B, T, P)
    scores = logits.float().masked_fill(~seen, float("-inf"))  # (B, T, P)
    scores = torch.cat([scores, scores.new_zeros(*scores.shape[:-1], 1)], dim=-1)  # (B, T, P+1)
    hit = targets.bool() & seen  # (B, T, P)
    positive = torch.cat([hit, ~hit.any(dim=-1, keepdim=True)], dim=-1)  # (B, T, P+1)
    chosen = scores.masked_fill(~positive, float("-inf"))  # (B, T, P+1)
    per_step = scores.logsumexp(dim=-1) - chosen.logsumexp(dim=-1)  # (B, T)
    return per_step.mean() if steps is None else masked_mean(per_step, steps)


#: The forms of the goal-in-view loss by name (``optim.goal_loss``).
GOAL_LOSSES: dict[str, Callable[[Tensor | None, Tensor, Tensor, Tensor | None], Tensor]] = {
    "bce": goal_loss,
    "choice": goal_choice_loss,
}


def cell_loss(logits: Tensor | None, targets: Tensor, classes: tuple[int, ...]) -> Tensor:
    """Cross-entropy of the cell-recognition head against what each view cell shows,
    summed over the label kinds (base, object kind, object colour) and averaged over the
    cells the agent sees: ``mean_cells sum_k -log softmax(logits_k)[target_k]``. A cell is
    seen unless its base label is void (0): the renderer paints exactly those black, so
    this is :func:`seen_cells` read off the labels instead of the pixels.

    Args:
        logits: ``(B, T, V*V, sum(classes))`` (``PolicyOutput.cells``), the logits of each
            label kind side by side.
        targets: ``(B, T, V*V, len(classes))`` integer labels
            (:func:`vlnenv.render.decode.symbolic_cells`).
        classes: classes of each label kind (``agents.models.policy.CELL_CLASSES``).

    Raises:
        ValueError: the model gives no cell logits (the model has no cells part, ``model.cells``).
    """
    if logits is None:
        raise ValueError("the cell loss needs a model with the cells part (model.cells)")
    targets = targets.long()  # (B, T, P, K)
    parts = logits.float().split(list(classes), dim=-1)  # kinds x (B, T, P, K_i)
    nll = sum(F.cross_entropy(part.flatten(0, 2), targets[..., i].flatten(),
                              reduction="none")
              for i, part in enumerate(parts))  # (B*T*P,)
    return masked_mean(nll, targets[..., 0].flatten() != 0)


def words_loss(logits: Tensor | None, targets: Tensor, cue: Tensor | None = None) -> Tensor:
    """Cross-entropy of the goal match's word reader (and of the cue reader, when given)
    against what the words name (:mod:`agents.train.data.word_targets`): ``mean over
    labelled (step, kind) of -log softmax(logits_k)[target_k]``, steps and kinds labelled
    ``-1`` left out; 0 when none is labelled.

    Args:
        logits: ``(B, T, sum(CELL_CLASSES))`` (``PolicyOutput.match``), the logits of each
            label kind side by side.
        targets: ``(B, T, 4)`` int64 labels (base, kind, colour, cue), ``-1`` for none.
        cue: ``(B, T, CUE_CLASSES)`` the cue reader's logits (``PolicyOutput.cue``), or
            ``None`` (the cue labels are not read).

    Raises:
        ValueError: the model gives no word-reader logits (no ``model.match``).
    """
    if logits is None:
        raise ValueError("the words loss needs a model with the goal match (model.match)")
    parts = list(logits.float().split(list(CELL_CLASSES), dim=-1))  # kinds x (B, T, K_i)
    if cue is not None:
        parts.append(cue.float())  # (B, T, CUE_CLASSES), labelled by targets[..., 3]
    nll = torch.cat([F.cross_entropy(part.flatten(0, 1), targets[..., i].flatten(),
                                     ignore_index=-1, reduction="none")
                     for i, part in enumerate(parts)])  # (kinds * B * T,)
    labelled = torch.cat([targets[..., i].flatten() >= 0 for i in range(len(parts))])
    return masked_mean(nll, labelled)


def leg_loss(weights: Tensor | None, targets: Tensor, mask: Tensor) -> Tensor:
    """The pointer loss: how little of the tracker's attention lies on the words of the
    step's leg (:mod:`agents.train.data.legs`), ``-log sum_{i in leg(t)} w_{t,i}``,
    averaged over the steps where ``mask``.

    Args:
        weights: ``(B, T, L')`` the tracker's attention over the instruction's tokens
            (``PolicyOutput.track``; ``L' <= L``: the model trims trailing padding).
        targets: ``(B, T, L)`` bool, the leg's tokens.
        mask: ``(B, T)`` bool, the steps that have a leg.

    Raises:
        ValueError: no weights (the model has no tracker, ``model.track``).
    """
    if weights is None:
        raise ValueError("the leg loss needs a model with the instruction tracker "
                         "(model.track)")
    mass = (weights.float() * targets[..., :weights.shape[-1]].float()).sum(-1)  # (B, T)
    return masked_mean(-torch.log(mass.clamp(min=1e-6)), mask)


def progress_targets(length: int) -> Tensor:
    """``(length,)`` the progress after each step of an ``length``-step demonstration:
    ``t / length`` for the 1-based step number ``t``, so the ``stop`` step reads 1."""
    return torch.arange(1, length + 1, dtype=torch.float32) / length  # (n,)


def accuracy(logits: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    """Fraction of masked steps where the arg-max action is the expert's."""
    hits = (logits.argmax(-1) == targets).float()  # (B, T)
    return masked_mean(hits, mask)
