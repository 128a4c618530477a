"""Driving one environment step by step with a policy, for recording and plotting.

A :class:`Driver` picks one action at a time and may say where it looked
(:class:`~agents.eval.heat.AttentionMap`). :func:`make_driver` builds one from a policy
name: a registered policy (``oracle``, ``random``, ``forward[:N]``, a checkpoint once a
``checkpoint`` factory is registered) runs through :class:`PolicyDriver`; a folder saved by
``MultimodalTransformer.save_pretrained`` runs through
:class:`agents.eval.attention.TransformerDriver`, which can also return attention.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agents.eval.heat import AttentionMap
from agents.eval.policies import make_policy
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


def make_driver(spec: str, seed: int = 0, attention: bool = False) -> Driver:
    """The driver of the policy named ``spec`` (see the module docstring).

    Args:
        spec: a registered policy name (``NAME[:ARGUMENT]``) or a model folder.
        seed: the policy's seed.
        attention: ask for attention at every step (model folders only).

    Raises:
        DriverError: ``attention`` for a policy that is not a model folder.
        PolicyLookupError: an unknown policy name.
    """
    if is_model_dir(spec):
        from agents.eval.attention import TransformerDriver

        return TransformerDriver.from_pretrained(spec, attention=attention)
    if attention:
        raise DriverError(f"--attention needs a MultimodalTransformer folder (with "
                          f"{', '.join(MODEL_FILES)} and vocab.txt, as save_pretrained "
                          f"writes); {spec!r} is not one")
    return PolicyDriver(make_policy(spec, seed), seed=seed)

