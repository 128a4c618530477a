"""Generalised advantage estimation (Schulman et al., 2016, "High-dimensional continuous
control using generalized advantage estimation", eq. 16), for ``N`` lanes of ``T`` steps."""

from __future__ import annotations

import torch
from torch import Tensor


def gae(rewards: Tensor, values: Tensor, starts: Tensor, last_value: Tensor,
        last_start: Tensor, gamma: float, lam: float) -> tuple[Tensor, Tensor]:
    """Advantages and returns of a roll-out.

    With ``m_{t+1} = 1 - starts[t + 1]`` (0 when the step after ``t`` begins a new
    episode, so nothing flows back across an episode's end)::

        delta_t = r_t + gamma * m_{t+1} * V(s_{t+1}) - V(s_t)
        A_t     = delta_t + gamma * lam * m_{t+1} * A_{t+1}
        R_t     = A_t + V(s_t)

    with ``V(s_T) = last_value`` and ``starts[T] = last_start`` (the observation after the
    roll-out). An episode cut by its step limit is treated as ended (as cleanrl does).

    Args:
        rewards: ``(T, N)`` reward of each step.
        values: ``(T, N)`` value estimates ``V(s_t)``.
        starts: ``(T, N)`` true where ``s_t`` is the first observation of an episode.
        last_value: ``(N,)`` ``V(s_T)``.
        last_start: ``(N,)`` whether ``s_T`` begins a new episode.
        gamma: discount.
        lam: GAE's lambda (1: Monte-Carlo returns; 0: one-step TD).

    Returns:
        ``(T, N)`` advantages and ``(T, N)`` returns.
    """
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)  # (T, N)
    next_adv = torch.zeros_like(last_value)  # (N,)
    for t in reversed(range(T)):
        next_value = last_value if t == T - 1 else values[t + 1]  # (N,)
        next_start = last_start if t == T - 1 else starts[t + 1]  # (N,)
        keep = 1.0 - next_start.to(rewards.dtype)  # (N,)
        delta = rewards[t] + gamma * keep * next_value - values[t]  # (N,)
        next_adv = delta + gamma * lam * keep * next_adv  # (N,)
        advantages[t] = next_adv
    return advantages, advantages + values


def stop_targets(returns: Tensor, step: Tensor, lane: Tensor,
                 values: Tensor) -> tuple[Tensor, Tensor]:
    """Advantages and returns of the part-ending stops (:class:`agents.rl.rollout.StopRows`).

    A stop that ends part ``k`` at step ``t`` of lane ``i`` is not an environment step: the
    lane reads part ``k + 1`` on the same observation and acts there (row ``(t, i)``, value
    ``V_{k+1}``). So the stop is a transition with no reward and no discount into that row,
    and GAE's link is taken whole (``lambda = 1``)::

        A_stop = 0 + V_{k+1}(s_t) - V_k(s_t) + A_{t,i} = R_{t,i} - V_k(s_t)
        R_stop = R_{t,i}

    (a lane that moved on twice in one step: the same for each of its stops, since every
    link adds its value back). The stop is credited with how the rest of the episode went
    against how good staying on part ``k`` was judged to be.

    Args:
        returns: ``(T, N)`` the returns of the roll-out's rows (:func:`gae`).
        step: ``(M,)`` the stops' steps.
        lane: ``(M,)`` their lanes.
        values: ``(M,)`` their values ``V_k``.

    Returns:
        ``(M,)`` advantages and ``(M,)`` returns.
    """
    ret = returns[step, lane]  # (M,)
    return ret - values, ret
