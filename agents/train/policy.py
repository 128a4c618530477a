"""A ``MultimodalTransformer`` as a :class:`vlnenv.policy.Policy` (greedy, or sampled),
and the ``checkpoint`` and ``sampled`` factories of the benchmark's policy registry.

``vln benchmark --policy runs/X/best`` (a model folder written by ``save_pretrained``) or
``--policy runs/X/last.pt`` (a training checkpoint) builds a :class:`ModelPolicy` through
:func:`checkpoint_policy`; ``--policy sampled:runs/X/best`` a :class:`SampledModelPolicy`
(``sampled:runs/X/best@0.5`` samples at temperature 0.5).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.eval.policies import PolicyLookupError
from agents.models import MultimodalTransformer, RecurrentState, autocast_context, pick_device
from agents.train.checkpoint import load_model


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
    info["episode_seed"])`` (as :class:`vlnenv.baselines.RandomPolicy`), so its actions
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


def _model_at(name: str, argument: str | None) -> MultimodalTransformer:
    """The model behind policy ``name:PATH`` (a model folder or a training checkpoint), on
    cuda when there is one.

    Raises:
        TrainError: no path, or nothing loadable there.
    """
    from agents.train.errors import TrainError

    if not argument:
        raise TrainError(f"policy {name!r} needs a path: {name}:runs/NAME/best (a model "
                         f"folder) or {name}:runs/NAME/last.pt")
    return load_model(argument, pick_device("auto"))


def checkpoint_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``checkpoint:PATH``: the model of a model folder (``save_pretrained``) or of a
    training checkpoint file, greedy (see :func:`_model_at`)."""
    return ModelPolicy(_model_at("checkpoint", argument), str(Path(argument or "")))


def split_temperature(argument: str | None) -> tuple[str | None, float]:
    """``"PATH@T"`` -> ``("PATH", T)``; ``"PATH"`` -> ``("PATH", 1.0)``. A ``PATH`` that
    exists as written is taken whole, ``@`` and all.

    Raises:
        PolicyLookupError: ``T`` is not a number > 0.
    """
    if argument is None or "@" not in argument or os.path.exists(argument):
        return argument, 1.0
    path, _, text = argument.rpartition("@")
    try:
        temperature = float(text)
    except ValueError:
        temperature = math.nan
    if not temperature > 0 or math.isinf(temperature):
        raise PolicyLookupError(f"policy 'sampled:{argument}': expected sampled:PATH@T with T "
                                f"a sampling temperature > 0, got {text!r}")
    return path, temperature


def sampled_policy(argument: str | None, seed: int) -> SampledModelPolicy:
    """``sampled:PATH[@T]``: the same model, its actions sampled from ``softmax(logits /
    T)`` (``T`` 1 when left out) with per-episode generators from ``seed`` (see
    :func:`_model_at`)."""
    path, temperature = split_temperature(argument)
    return SampledModelPolicy(_model_at("sampled", path), str(Path(path or "")),
                              temperature=temperature, seed=seed)
