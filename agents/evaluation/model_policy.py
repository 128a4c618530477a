"""A ``MultimodalTransformer`` as a :class:`vlnenv.eval.protocol.Policy`: greedy
(:class:`ModelPolicy`) or sampled (:class:`SampledModelPolicy`).

Training scores its model through them (:mod:`agents.evaluation.in_training`), and the
benchmark's ``checkpoint`` and ``sampled`` policies are them around a loaded model
(:mod:`agents.benchmark.model_factories`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from agents.models import MultimodalTransformer, RecurrentState, autocast_context


class ModelPolicy:
    """The model's arg-max action each step, its state carried across the episode and
    reset when a slot starts a new one. Deterministic: the seed is not used.

    Args:
        model: the model (put in eval mode; it stays on its device).
        source: where it was loaded from (for :meth:`config`).
    """

    def __init__(self, model: MultimodalTransformer, source: str | None = None) -> None:
        self.model = model.eval()
        self.source = source

    def initial_state(self, batch: int) -> RecurrentState:
        """The model's state at the start of ``batch`` episodes (zeros)."""
        return self.model.initial_state(batch)

    def act(self, obs: dict[str, Any], state: RecurrentState,
            infos: list[dict[str, Any]]) -> tuple[np.ndarray, RecurrentState]:
        with torch.no_grad(), autocast_context(self.model.device):
            logits, _, state = self.model.act(obs, state)  # (B, A)
        return logits.argmax(-1).cpu().numpy(), state

    def reset_done(self, state: RecurrentState, done: np.ndarray) -> RecurrentState:
        return state.reset(done)

    def config(self) -> dict[str, Any]:
        return {"name": "checkpoint", "path": self.source,
                "model": self.model.config.to_dict()}


class SampledModelPolicy(ModelPolicy):
    """The model's actions drawn from ``softmax(logits / temperature)`` instead of the
    arg-max. A greedy recurrent policy that is unsure can repeat one action forever
    (walking into a wall leaves the view, and so the decision, unchanged); sampling
    breaks such loops.

    Each episode draws from its own generator, seeded from ``(seed,
    info["episode_seed"])`` (as :class:`vlnenv.eval.baselines.RandomPolicy`), so its actions
    do not depend on the batch or the worker count. The state is ``(recurrent state,
    [(episode key, generator)] per slot)``.

    Args:
        model: the model (put in eval mode).
        source: where it was loaded from.
        temperature: ``T > 0``; 1 samples the model's own distribution.
        seed: the policy's seed.
    """

    def __init__(self, model: MultimodalTransformer, source: str | None = None,
                 temperature: float = 1.0, seed: int = 0) -> None:
        super().__init__(model, source)
        if not temperature > 0:
            raise ValueError(f"sampling temperature must be > 0, got {temperature!r}")
        self.temperature = float(temperature)
        self.seed = int(seed)

    def initial_state(self, batch: int) -> Any:
        """The model's zero state and a generator per slot."""
        gens = [(None, np.random.default_rng([self.seed, 2**32 + b])) for b in range(batch)]
        return self.model.initial_state(batch), gens

    def act(self, obs: dict[str, Any], state: Any,
            infos: list[dict[str, Any]]) -> tuple[np.ndarray, Any]:
        hidden, gens = state[0], list(state[1])
        with torch.no_grad(), autocast_context(self.model.device):
            logits, _, hidden = self.model.act(obs, hidden)  # (B, A)
        probs = torch.softmax(logits.float() / self.temperature, -1).cpu().double().numpy()
        actions = np.empty(len(probs), np.int64)  # (B,)
        for b, p in enumerate(probs):
            key, rng = gens[b]
            seed = infos[b].get("episode_seed") if b < len(infos) else None
            if seed is not None and key != seed:
                key, rng = seed, np.random.default_rng([self.seed, int(seed)])
                gens[b] = (key, rng)
            actions[b] = rng.choice(len(p), p=p / p.sum())
        return actions, (hidden, gens)

    def reset_done(self, state: Any, done: np.ndarray) -> Any:
        hidden = super().reset_done(state[0], done)
        gens = [(None, rng) if d else (key, rng) for (key, rng), d in zip(state[1], done,
                                                                          strict=True)]
        return hidden, gens

    def config(self) -> dict[str, Any]:
        return {**super().config(), "name": "sampled", "temperature": self.temperature,
                "seed": self.seed}
