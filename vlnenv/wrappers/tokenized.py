"""Tokenized instruction: the English text replaced by fixed-length token ids from the
closed vocabulary shipped with the package, for stable-baselines3 and batched training."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vlnenv.language.vocab import Tokenizer


class TokenizedInstruction(gym.ObservationWrapper):
    """Replace ``instruction`` by ``MultiDiscrete([vocab_size] * max_len)`` ids:
    ``<cls>`` first, then the words, padded with ``<pad>`` (0) or truncated.

    Args:
        env: a ``GridHouseEnv`` (possibly wrapped).
        max_len: number of token ids.
        tokenizer: defaults to the shipped vocabulary.
    """

    def __init__(self, env: gym.Env, max_len: int = 64, tokenizer: Tokenizer | None = None):
        super().__init__(env)
        self.tokenizer = tokenizer or Tokenizer()
        self.max_len = max_len
        obs_space = dict(env.observation_space.spaces)
        obs_space["instruction"] = spaces.MultiDiscrete(
            np.full(max_len, self.tokenizer.vocab_size, dtype=np.int64)
        )
        self.observation_space = spaces.Dict(obs_space)
        self._cache: tuple[str, np.ndarray] | None = None

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        text = observation["instruction"]
        if self._cache is None or self._cache[0] != text:
            self._cache = (text, self.tokenizer.encode(text, self.max_len))
        return {**observation, "instruction": self._cache[1].copy()}
