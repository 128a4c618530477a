"""A ``MultimodalTransformer`` as a :class:`vlnenv.eval.protocol.Policy`: greedy
(:class:`ModelPolicy`) or sampled (:class:`SampledModelPolicy`), reading a sequence
instruction whole or, with ``read_parts``, one part at a time
(:mod:`agents.evaluation.parts`).

Training scores its model through them (:mod:`agents.evaluation.in_training`), and the
benchmark's ``checkpoint``, ``sampled``, ``parts``, ``margin`` and ``whole`` policies are
them around a loaded model (:mod:`agents.benchmark.model_factories`), and its ``ensemble``
policy is :class:`ModelPolicy` around several (:mod:`agents.evaluation.ensemble`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

from agents.evaluation.parts import Reading, as_read
from agents.models import MultimodalTransformer, RecurrentState, autocast_context
from agents.models.errors import ModelError
from vlnenv.actions import Action

if TYPE_CHECKING:
    from agents.evaluation.ensemble import EnsembleState, ModelEnsemble


class PolicyState(NamedTuple):
    """What a model policy carries between steps: the model's ``(B, ...)`` recurrent
    state (an ensemble's: :class:`~agents.evaluation.ensemble.EnsembleState`), and per
    slot the episode's :class:`Reading` (``None`` until its first step; always ``None``
    without ``read_parts``) and the policy's own per-episode value (the sampled policy's
    generator)."""

    model: RecurrentState | EnsembleState
    readings: list[Reading | None]
    own: list[Any]


class ModelPolicy:
    """The model's arg-max action each step, its state carried across the episode and
    reset when a slot starts a new one. Deterministic: the seed is not used.

    Args:
        model: the model (put in eval mode; it stays on its device), or several as one
            (:class:`~agents.evaluation.ensemble.ModelEnsemble`).
        source: where it was loaded from (for :meth:`config`).
        read_parts: read a sequence instruction one part at a time
            (:mod:`agents.evaluation.parts`); ``None``: as the model's
            ``config.read_parts`` says.
        read_route_parts: the same for a route description; ``None``: as the model's
            ``config.read_route_parts`` says.
        stop_margin: ``m >= 0``: stop only when the STOP logit beats every other action's
            by more than ``m`` (the arg-max of the logits with ``m`` taken off STOP's);
            0 is the plain arg-max.
    """

    name = "checkpoint"

    def __init__(self, model: MultimodalTransformer | ModelEnsemble, source: str | None = None,
                 read_parts: bool | None = None, read_route_parts: bool | None = None,
                 stop_margin: float = 0.0) -> None:
        if not (stop_margin >= 0 and np.isfinite(stop_margin)):
            raise ModelError(f"ModelPolicy stop_margin: expected a finite number >= 0 (a "
                             f"logit difference), got {stop_margin!r}")
        self.stop_margin = float(stop_margin)
        self.model = model.eval()
        self.source = source
        self.read_parts = bool(model.config.read_parts if read_parts is None else read_parts)
        self.read_route_parts = bool(model.config.read_route_parts if read_route_parts is None
                                     else read_route_parts)

    def initial_state(self, batch: int) -> PolicyState:
        """The model's state at the start of ``batch`` episodes (zeros)."""
        return PolicyState(self.model.initial_state(batch), [None] * batch,
                           [self._own(b) for b in range(batch)])

    def _own(self, slot: int) -> Any:
        """The policy's own value of slot ``slot`` at the first episode (none here)."""
        return None

    def _own_reset(self, own: Any) -> Any:
        """A slot's own value when the slot starts a new episode (none here)."""
        return None

    def _pick(self, logits: torch.Tensor, own: list[Any],
              infos: list[dict[str, Any]]) -> np.ndarray:
        """``(n,)`` actions from ``(n, A)`` logits of ``n`` slots, and their own values and
        infos (updated in place): the arg-max here, of the logits with ``stop_margin``
        taken off STOP's."""
        if self.stop_margin:
            logits = logits.to(torch.float32, copy=True)  # (n, A)
            logits[:, Action.STOP] -= self.stop_margin
        return logits.argmax(-1).cpu().numpy()

    def _logits(self, obs: dict[str, Any], state: RecurrentState | EnsembleState
                ) -> tuple[torch.Tensor, RecurrentState | EnsembleState]:
        """``(B, A)`` logits and the next state of one step."""
        with torch.no_grad(), autocast_context(self.model.device):
            logits, _, state = self.model.act(obs, state)
        return logits, state

    def act(self, obs: dict[str, Any], state: PolicyState,
            infos: list[dict[str, Any]]) -> tuple[np.ndarray, PolicyState]:
        readings, own = list(state.readings), list(state.own)
        batch = len(readings)
        infos = list(infos) + [{}] * (batch - len(infos))
        reading = self.read_parts or self.read_route_parts
        if reading:
            for b, text in enumerate(obs["instruction"]):
                if not isinstance(text, str):
                    raise ModelError(f"read_parts reads instructions as text; slot {b} holds "
                                     f"{type(text).__name__} (token ids?): read them whole "
                                     "(read_parts=False, or the benchmark's whole:FOLDER)")
                if readings[b] is None or readings[b].text != text:
                    readings[b] = Reading.of(text, self.read_parts, self.read_route_parts)
        given = as_read(obs, readings) if reading else obs
        logits, model_state = self._logits(given, state.model)  # (B, A)
        actions = self._pick(logits, own, infos)  # (B,)
        moving = [b for b in range(batch) if reading
                  and actions[b] == Action.STOP and readings[b].more]
        if not moving:
            return actions, PolicyState(model_state, readings, own)
        # a stop before the last part: that part is done; read the next on the same view
        rows = [model_state.select(b) for b in range(batch)]
        while moving:
            for b in moving:
                readings[b] = readings[b].moved_on(np.asarray(obs["gps"])[b] if "gps" in obs
                                                   else None)
            sub = as_read({k: _rows(v, moving) for k, v in obs.items()},
                           [readings[b] for b in moving])
            logits, fresh = self._logits(sub, self.model.initial_state(len(moving)))
            mine = [own[b] for b in moving]
            again = self._pick(logits, mine, [infos[b] for b in moving])
            for i, b in enumerate(moving):
                actions[b], own[b], rows[b] = again[i], mine[i], fresh.select(i)
            moving = [b for b in moving if actions[b] == Action.STOP and readings[b].more]
        return actions, PolicyState(type(rows[0]).cat(rows), readings, own)

    def reset_done(self, state: PolicyState, done: np.ndarray) -> PolicyState:
        return PolicyState(state.model.reset(done),
                           [None if d else r for r, d in zip(state.readings, done, strict=True)],
                           [self._own_reset(o) if d else o
                            for o, d in zip(state.own, done, strict=True)])

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.source, "read_parts": self.read_parts,
                "read_route_parts": self.read_route_parts, "stop_margin": self.stop_margin,
                "model": self.model.config.to_dict()}


class SampledModelPolicy(ModelPolicy):
    """The model's actions drawn from ``softmax(logits / temperature)`` instead of the
    arg-max. A greedy recurrent policy that is unsure can repeat one action forever
    (walking into a wall leaves the view, and so the decision, unchanged); sampling
    breaks such loops.

    Each episode draws from its own generator, seeded from ``(seed,
    info["episode_seed"])`` (as :class:`vlnenv.eval.baselines.RandomPolicy`), so its actions
    do not depend on the batch or the worker count (a slot's generator is its
    :class:`PolicyState` ``own`` value, ``(episode key, generator)``).

    Args:
        model: the model (put in eval mode).
        source: where it was loaded from.
        temperature: ``T > 0``; 1 samples the model's own distribution.
        seed: the policy's seed.
        read_parts, read_route_parts: as :class:`ModelPolicy`.
    """

    name = "sampled"

    def __init__(self, model: MultimodalTransformer, source: str | None = None,
                 temperature: float = 1.0, seed: int = 0,
                 read_parts: bool | None = None, read_route_parts: bool | None = None) -> None:
        super().__init__(model, source, read_parts, read_route_parts)
        if not temperature > 0:
            raise ValueError(f"sampling temperature must be > 0, got {temperature!r}")
        self.temperature = float(temperature)
        self.seed = int(seed)

    def _own(self, slot: int) -> Any:
        """A generator per slot until the episode's seed is known."""
        return None, np.random.default_rng([self.seed, 2**32 + slot])

    def _own_reset(self, own: Any) -> Any:
        """The slot's generator goes on; the next episode's seed re-keys it."""
        return None, own[1]

    def _pick(self, logits: torch.Tensor, own: list[Any],
              infos: list[dict[str, Any]]) -> np.ndarray:
        probs = torch.softmax(logits.float() / self.temperature, -1).cpu().double().numpy()
        actions = np.empty(len(probs), np.int64)  # (n,)
        for b, p in enumerate(probs):
            key, rng = own[b]
            seed = infos[b].get("episode_seed")
            if seed is not None and key != seed:
                key, rng = seed, np.random.default_rng([self.seed, int(seed)])
                own[b] = (key, rng)
            actions[b] = rng.choice(len(p), p=p / p.sum())
        return actions

    def config(self) -> dict[str, Any]:
        return {**super().config(), "temperature": self.temperature, "seed": self.seed}


def _rows(values: Any, rows: list[int]) -> Any:
    """The ``rows`` of one observation field of a batch (an array or a list)."""
    return [values[r] for r in rows] if isinstance(values, list) else np.asarray(values)[rows]
