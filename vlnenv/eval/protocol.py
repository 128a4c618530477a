"""The policy interface the evaluator drives (no torch needed).

A policy acts for a batch of ``B`` environments in lock-step. The evaluator calls

1. ``state = policy.initial_state(B)`` once;
2. ``actions, state = policy.act(obs, state, infos)`` each step, where ``obs`` is the
   batched observation (``image`` ``(B, H, W, 3)`` uint8, ``direction`` ``(B,)``,
   ``carrying`` ``(B,)``, ``instruction`` a list of ``B`` strings, ``gps`` ``(B, 2)``) and
   ``infos`` the ``B`` info dicts of the environments (see
   :class:`~vlnenv.env.GridHouseEnv`);
3. ``state = policy.reset_done(state, done)`` after a step in which the slots where
   ``done`` (``(B,)`` bool) is true finished their episode and began the next one; the
   ``obs`` and ``infos`` of the next ``act`` are those of the new episodes.

Besides the environment's keys, each info holds ``episode_index`` (the episode's index in
its split) and ``episode_seed`` (an int derived from the evaluation seed and that index):
a policy that draws random numbers seeds them per episode from ``episode_seed``, so its
actions do not depend on the batch size, on which slot the episode ran in, or on how the
episodes were split among workers. A slot with no episode left keeps being passed the
last observation of its last episode, with ``info["active"] = False``; its actions are
ignored.

A policy whose class sets ``needs_expert = True`` is run in environments created with
``expert="oracle"``, which put the oracle's next action in ``info["expert_action"]``;
``needs_expert = "explorer"`` or ``"rules"`` asks for that expert's action instead (see
:func:`expert_kind`).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

#: Batched observation keys (see the module docstring).
OBS_KEYS: tuple[str, ...] = ("image", "direction", "carrying", "instruction", "gps")


@runtime_checkable
class Policy(Protocol):
    """Anything that can act in a batch of environments (see the module docstring)."""

    def initial_state(self, batch: int) -> Any:
        """The recurrent state of ``batch`` fresh episodes (``None`` if stateless)."""
        ...

    def act(
        self, obs: dict[str, Any], state: Any, infos: list[dict[str, Any]]
    ) -> tuple[np.ndarray, Any]:
        """Actions ``(B,)`` (ints in 0..6) for a batch of observations, and the new state."""
        ...

    def reset_done(self, state: Any, done: np.ndarray) -> Any:
        """``state`` with the slots where ``done`` is true reset for new episodes."""
        ...

    def config(self) -> dict[str, Any]:
        """JSON-able description of the policy (name and arguments), saved with results."""
        ...


def needs_expert(policy: Any) -> bool:
    """Whether ``policy`` asks for the oracle's action in ``info["expert_action"]``."""
    return bool(getattr(policy, "needs_expert", False))


def expert_kind(policy: Any) -> str | None:
    """The ``expert`` the environments of ``policy`` are created with: ``"oracle"`` for
    ``needs_expert = True``, the named expert for a string, ``None`` otherwise."""
    value = getattr(policy, "needs_expert", False)
    if value is True:
        return "oracle"
    return str(value) if value else None
