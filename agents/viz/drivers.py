"""Driving one environment step by step with a policy, for recording and plotting.

A :class:`Driver` picks one action at a time and may say where it looked
(:class:`~agents.viz.heat.AttentionMap`). A registered policy runs through
:class:`PolicyDriver`; a model folder through
:class:`agents.viz.attention.TransformerDriver`, which can also return attention
(:func:`agents.viz.driver_factory.make_driver` picks one from a policy name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agents.viz.heat import AttentionMap
from vlnenv.errors import VLNError
from vlnenv.eval.evaluate import episode_seed, stack_obs
from vlnenv.eval.protocol import Policy

#: Files that mark a folder written by ``MultimodalTransformer.save_pretrained``.
MODEL_FILES: tuple[str, ...] = ("config.json", "model.pt")


class DriverError(VLNError):
    """A policy that cannot be driven as asked (attention from a policy without any)."""


@dataclass(frozen=True)
class Decision:
    """One step's choice."""

    action: int
    """The action (0..6)."""
    attention: AttentionMap | None = None
    """Where the policy looked, when it can say and was asked to."""


class Driver(Protocol):
    """One policy acting in one environment."""

    needs_expert: bool | str
    """Run the environment with ``expert="oracle"`` (``True``) or that expert (a name; see
    :func:`vlnenv.eval.protocol.expert_kind`)."""

    def begin(self, index: int) -> None:
        """Start a new episode, the one at ``index`` of its split."""
        ...

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Decision:
        """The action for ``obs`` (a single, unbatched observation)."""
        ...


class PolicyDriver:
    """A :class:`vlnenv.eval.protocol.Policy` run with a batch of one. Infos get ``active``,
    ``episode_index`` and ``episode_seed`` as in the benchmark, so an episode plays out
    exactly as it does there.

    Args:
        policy: the policy.
        seed: the evaluation seed.
    """

    def __init__(self, policy: Policy, seed: int = 0) -> None:
        self.policy = policy
        self.needs_expert: bool | str = getattr(policy, "needs_expert", False)
        self.seed = int(seed)
        self.index = 0
        self._state: Any = None

    def begin(self, index: int) -> None:
        self.index = int(index)
        self._state = self.policy.initial_state(1)

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Decision:
        info = {**info, "active": True, "episode_index": self.index,
                "episode_seed": episode_seed(self.seed, self.index)}
        actions, self._state = self.policy.act(stack_obs([obs]), self._state, [info])
        return Decision(int(actions[0]))


def is_model_dir(spec: str) -> bool:
    """Whether ``spec`` names a folder written by ``save_pretrained``."""
    path = Path(spec)
    return path.is_dir() and all((path / name).is_file() for name in MODEL_FILES)
