"""Baseline policies: what a learned agent must beat, and what it cannot beat.

* :class:`RandomPolicy`: uniform over the 7 actions (stop included), seeded per episode.
* :class:`ForwardPolicy`: walk ahead, turn right when blocked, stop after ``n_steps``.
* :class:`OraclePolicy`: the shortest-path oracle's action (an upper bound).
* :class:`ExplorerPolicy`: the explorer's action on the true task (knows the task, sees
  only the agent's views).
* :class:`RulesPolicy`: the rule-based agent: the instruction's words parsed
  (:func:`vlnenv.language.parse`), then carried out by the explorer. Its language is
  rules and its perception symbolic (it reads the house's catalogue to resolve what the
  words name, and the explorer's record of seen cells), nothing learned.

All follow :class:`vlnenv.eval.protocol.Policy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vlnenv.actions import Action
from vlnenv.errors import PolicyError

N_ACTIONS = len(Action)


def _require(info: dict[str, Any], key: str, who: str, hint: str) -> Any:
    if key not in info:
        raise PolicyError(f"{who} needs info[{key!r}] ({hint}); the info has {sorted(info)}")
    return info[key]


class RandomPolicy:
    """Uniformly random actions.

    Each episode gets its own generator, seeded from ``(seed, info["episode_seed"])``, so
    the actions in an episode depend only on the seeds, never on the batch. Without an
    ``episode_seed`` in the info (outside the evaluator) each slot draws from a generator
    seeded from ``(seed, slot)``.

    Args:
        seed: the policy's seed.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    def initial_state(self, batch: int) -> list[tuple[Any, np.random.Generator]]:
        """Per slot: the key of the episode its generator belongs to, and the generator."""
        return [(None, np.random.default_rng([self.seed, 2**32 + b])) for b in range(batch)]

    def act(
        self, obs: dict[str, Any], state: list[tuple[Any, np.random.Generator]],
        infos: list[dict[str, Any]],
    ) -> tuple[np.ndarray, list[tuple[Any, np.random.Generator]]]:
        state = list(state)
        actions = np.empty(len(infos), np.int64)  # (B,)
        for b, info in enumerate(infos):
            key, rng = state[b]
            episode_seed = info.get("episode_seed")
            if episode_seed is not None and key != episode_seed:
                key, rng = episode_seed, np.random.default_rng([self.seed, int(episode_seed)])
                state[b] = (key, rng)
            actions[b] = rng.integers(N_ACTIONS)
        return actions, state

    def reset_done(self, state: list[tuple[Any, np.random.Generator]],
                   done: np.ndarray) -> list[tuple[Any, np.random.Generator]]:
        return [(None, rng) if d else (key, rng) for (key, rng), d in zip(state, done,
                                                                          strict=True)]

    def config(self) -> dict[str, Any]:
        return {"name": "random", "seed": self.seed}


class ForwardPolicy:
    """Walk straight ahead, turn right when the front cell blocks the way (wall,
    furniture, closed door: ``info["blocked"]``), and stop after ``n_steps`` actions.

    Args:
        n_steps: actions taken before ``stop`` (>= 0).
    """

    def __init__(self, n_steps: int = 20) -> None:
        if not isinstance(n_steps, int | np.integer) or n_steps < 0:
            raise PolicyError(f"ForwardPolicy n_steps = {n_steps!r}: expected an integer >= 0")
        self.n_steps = int(n_steps)

    def initial_state(self, batch: int) -> np.ndarray:
        """Actions taken so far in each slot's episode, ``(B,)``."""
        return np.zeros(batch, np.int64)

    def act(
        self, obs: dict[str, Any], state: np.ndarray, infos: list[dict[str, Any]]
    ) -> tuple[np.ndarray, np.ndarray]:
        actions = np.empty(len(infos), np.int64)  # (B,)
        for b, info in enumerate(infos):
            if state[b] >= self.n_steps:
                actions[b] = Action.STOP
            elif _require(info, "blocked", "ForwardPolicy", "GridHouseEnv provides it"):
                actions[b] = Action.TURN_RIGHT
            else:
                actions[b] = Action.FORWARD
        return actions, state + 1

    def reset_done(self, state: np.ndarray, done: np.ndarray) -> np.ndarray:
        return np.where(done, 0, state)

    def config(self) -> dict[str, Any]:
        return {"name": "forward", "n_steps": self.n_steps}


class ExpertPolicy:
    """An expert's next action read from ``info["expert_action"]`` (the environment is
    created with ``expert=needs_expert``); ``STOP`` when there is none."""

    needs_expert: bool | str = True
    name = "expert"

    def initial_state(self, batch: int) -> None:
        return None

    def act(
        self, obs: dict[str, Any], state: None, infos: list[dict[str, Any]]
    ) -> tuple[np.ndarray, None]:
        actions = np.full(len(infos), int(Action.STOP), np.int64)  # (B,)
        for b, info in enumerate(infos):
            if info.get("active", True):
                actions[b] = self._action(info)
        return actions, state

    def _action(self, info: dict[str, Any]) -> int:
        kind = "oracle" if self.needs_expert is True else self.needs_expert
        return int(_require(info, "expert_action", type(self).__name__,
                            f"create the env with expert={kind!r}"))

    def reset_done(self, state: None, done: np.ndarray) -> None:
        return None

    def config(self) -> dict[str, Any]:
        return {"name": self.name}


class OraclePolicy(ExpertPolicy):
    """The shortest-path oracle's next action, read from ``info["expert_action"]``
    (``needs_expert``: the evaluator creates its environments with ``expert="oracle"``).
    It knows the whole house: an upper bound, not an agent."""

    needs_expert = True
    name = "oracle"


class ExplorerPolicy(ExpertPolicy):
    """The explorer on the true task: knows what is asked, sees only what the agent saw."""

    needs_expert = "explorer"
    name = "explorer"


class RulesPolicy(ExpertPolicy):
    """The rule-based agent (see the module docstring); stops at once when the words are
    refused (``info["parse_error"]``)."""

    needs_expert = "rules"
    name = "rules"

    def _action(self, info: dict[str, Any]) -> int:
        if "parse_error" in info:
            return int(Action.STOP)
        return super()._action(info)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "language": "rule-based parser",
                "perception": "symbolic (house catalogue + explorer's seen cells)"}
