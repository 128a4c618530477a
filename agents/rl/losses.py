"""The PPO losses (Schulman et al., 2017, "Proximal policy optimization algorithms"),
each a small pure function of tensors of any (matching) shape, averaged over elements."""

from __future__ import annotations

import torch
from torch import Tensor


def normalise(advantages: Tensor, eps: float = 1e-8) -> Tensor:
    """``(A - mean(A)) / (std(A) + eps)`` over all elements (unbiased std)."""
    return (advantages - advantages.mean()) / (advantages.std() + eps)


def clipped_policy_loss(new_logp: Tensor, old_logp: Tensor, advantages: Tensor,
                        clip: float) -> Tensor:
    """The negated clipped surrogate objective (eq. 7)::

        r = exp(new_logp - old_logp)
        L = mean(max(-A r, -A clip(r, 1 - clip, 1 + clip)))
    """
    ratio = torch.exp(new_logp - old_logp)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    return torch.max(unclipped, clipped).mean()


def clipped_value_loss(new_value: Tensor, old_value: Tensor, returns: Tensor,
                       clip: float) -> Tensor:
    """Half the squared error of the value, pessimistic over the clipped value (as in
    OpenAI baselines and cleanrl; ``clip`` 0: the plain squared error)::

        v_c = old + clip(new - old, -clip, clip)
        L   = 0.5 * mean(max((new - R)^2, (v_c - R)^2))
    """
    err = (new_value - returns) ** 2
    if clip <= 0:
        return 0.5 * err.mean()
    clipped = old_value + torch.clamp(new_value - old_value, -clip, clip)
    return 0.5 * torch.max(err, (clipped - returns) ** 2).mean()


def entropy(logits: Tensor) -> Tensor:
    """Mean entropy ``-sum_a p(a) log p(a)`` of ``(..., A)`` logits."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1).mean()


def kl_to_reference(logits: Tensor, ref_logits: Tensor) -> Tensor:
    """Mean ``KL(pi || pi_ref) = sum_a pi(a) (log pi(a) - log pi_ref(a))`` of ``(..., A)``
    logits, exact over the actions (the penalty towards the initial, e.g. imitation,
    policy)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    ref = torch.log_softmax(ref_logits.float(), dim=-1)
    return (logp.exp() * (logp - ref)).sum(-1).mean()
