"""stable-baselines3 on vlnenv: a features extractor over the project's encoders, a
trainer, and the saved policy as a benchmark policy.

* :class:`VLNExtractor`: a ``BaseFeaturesExtractor`` that reads the
  :class:`~vlnenv.wrappers.TokenizedInstruction` observation dict with the project's
  text encoder (the ``<cls>`` summary of the instruction ids) and vision encoder (the mean
  of the view's cell tokens, with the heading, the carried object and the gps in its ego
  token), and gives their concatenation, ``2 * n_embd`` features::

      PPO("MultiInputPolicy", env,
          policy_kwargs={"features_extractor_class": VLNExtractor,
                         "features_extractor_kwargs": {"model": {"n_embd": 64}}})

* :func:`train_sb3` (``vln train sb3 --env vlnenv/GoToRoom-v0 --steps N --out DIR``):
  SB3's PPO on ``K`` copies of a registered id, saved as ``DIR/sb3_policy.zip`` with
  ``DIR/sb3_policy.json`` (and with ``--save-every M`` every ``M`` steps as
  ``DIR/at_<steps>/``), SB3's log (returns, losses) in ``DIR/sb3_log/progress.csv``;
* :class:`SB3Policy` (``vln benchmark --policy DIR`` or ``--policy sb3:DIR``): the saved
  policy's deterministic actions, as a :class:`vlnenv.eval.protocol.Policy`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import Tensor

from agents.models import ModelConfig, MultimodalTransformer
from agents.train.errors import TrainError
from vlnenv.fileio import write_text_atomic
from vlnenv.language.vocab import Tokenizer
from vlnenv.wrappers import TokenizedInstruction

#: The saved policy's files in its folder (the benchmark registry finds the folder by the
#: second: ``agents.benchmark.registry.PATH_POLICIES``).
ZIP_FILE, META_FILE = "sb3_policy.zip", "sb3_policy.json"
META_FORMAT = "vlnenv.SB3Policy"


def _ids(x: Tensor, space: spaces.Space) -> Tensor:
    """``(B,)`` or ``(B, L)`` integer ids of a discrete observation as SB3 preprocesses it
    (``Discrete(n)``: ``(B, n)`` or, from the roll-out buffer, ``(B, 1, n)`` one-hot;
    ``MultiDiscrete([n] * L)``: ``(B, L * n)`` one-hot blocks), or as given when already
    ids."""
    if not x.is_floating_point():
        return x.long().reshape(x.shape[0], *(() if isinstance(space, spaces.Discrete)
                                               else (-1,)))
    if isinstance(space, spaces.Discrete):
        return x.reshape(x.shape[0], -1).argmax(-1)  # (B,)
    return x.reshape(x.shape[0], len(space.nvec), -1).argmax(-1)  # (B, L)


class VLNExtractor(BaseFeaturesExtractor):
    """Features of the tokenized observation from the project's text and vision encoders.

    Args:
        observation_space: the ``Dict`` of :class:`~vlnenv.wrappers.TokenizedInstruction`
            (``image`` channel-last, or channel-first as SB3's ``VecTransposeImage``
            leaves it; ``direction``; ``carrying``; ``instruction`` ids; ``gps``).
        model: the encoders' :class:`~agents.models.ModelConfig` fields (a dict; defaults
            for the rest); ``vocab_size`` must be the tokenizer's.
        normalized_images: whether SB3 divides images by 255 before they get here (its
            policies' ``normalize_images``, default true); pixels are scaled back to
            0..255 for the encoder.
        seed: seed of the encoders' initialisation.

    Raises:
        TrainError: the observation space lacks a key, or its instruction length is not
            the model's ``max_text_len``.
    """

    def __init__(self, observation_space: spaces.Dict, model: Mapping[str, Any] | None = None,
                 normalized_images: bool = True, seed: int = 0) -> None:
        config = ModelConfig.from_dict(dict(model or {}), where="features_extractor_kwargs")
        missing = [k for k in ("image", "direction", "carrying", "instruction")
                   if k not in observation_space.spaces]
        if missing or not isinstance(observation_space["instruction"], spaces.MultiDiscrete):
            raise TrainError(f"VLNExtractor: expected image, direction, carrying and "
                             f"instruction token ids (MultiDiscrete); got "
                             f"{dict(observation_space.spaces)}; wrap the env in "
                             "vlnenv.wrappers.TokenizedInstruction")
        length = len(observation_space["instruction"].nvec)
        if length > config.max_text_len:
            raise TrainError(f"VLNExtractor: instructions of {length} ids but "
                             f"model.max_text_len is {config.max_text_len}")
        super().__init__(observation_space, features_dim=1)
        policy = MultimodalTransformer(config, seed=seed)
        self.config = config
        self.text, self.vision = policy.text, policy.vision
        self.normalized_images = normalized_images
        self.channels_first = observation_space["image"].shape[0] == 3
        with torch.no_grad():  # find the output size with a dry forward pass, as SB3 does
            sample = {k: torch.as_tensor(np.asarray(s.sample()))[None]
                      for k, s in observation_space.spaces.items()}
            self._features_dim = int(self(sample).shape[1])

    def forward(self, observations: dict[str, Tensor]) -> Tensor:
        """``(B, 2 * n_embd)``: the instruction summary, then the view summary."""
        space = self._observation_space
        image = observations["image"]  # (B, 3, S, S) or (B, S, S, 3)
        if self.channels_first:
            image = image.permute(0, 2, 3, 1)  # (B, S, S, 3)
        if self.normalized_images and image.is_floating_point():
            image = (image * 255.0).round()
        ids = _ids(observations["instruction"], space["instruction"])  # (B, L)
        direction = _ids(observations["direction"], space["direction"])  # (B,)
        carrying = _ids(observations["carrying"], space["carrying"])  # (B,)
        gps = observations["gps"].long() if "gps" in observations else None  # (B, 2)
        text = self.text(ids).summary  # (B, C)
        vision = self.vision(image, direction, carrying, gps=gps).summary  # (B, C)
        return torch.cat([text, vision], dim=-1)  # (B, 2C)


def save_policy(agent: Any, out: Path, meta: Mapping[str, Any]) -> None:
    """Write ``agent`` as ``out/sb3_policy.zip`` and ``meta`` (plus the steps taken) as
    ``out/sb3_policy.json``, each atomically, the JSON last (its presence means both are
    there)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{ZIP_FILE}.tmp.zip"
    agent.save(tmp)
    os.replace(tmp, out / ZIP_FILE)
    write_text_atomic(out / META_FILE, json.dumps(
        {**meta, "steps": int(agent.num_timesteps)}, indent=2) + "\n")


def make_env(env_id: str, max_len: int, dense_reward: float = 0.0) -> gym.Env:
    """One environment of ``env_id`` with tokenized instructions of ``max_len`` ids and
    the environment's ``dense_reward`` shaping weight (0: the success reward only)."""
    return TokenizedInstruction(gym.make(env_id, dense_reward=dense_reward), max_len=max_len)


def train_sb3(env_id: str, steps: int, out: str | os.PathLike[str],
              model: Mapping[str, Any] | None = None, n_envs: int = 8, seed: int = 0,
              device: str = "auto", ppo_kwargs: Mapping[str, Any] | None = None,
              progress_bar: bool = False, save_every: int = 0,
              dense_reward: float = 0.0) -> dict[str, Any]:
    """Train SB3's PPO with :class:`VLNExtractor` on ``n_envs`` copies of ``env_id``.

    Args:
        env_id: a registered id (``vlnenv/GoToRoom-v0``).
        steps: environment steps in all (``PPO.learn(total_timesteps)``).
        out: the folder written: ``sb3_policy.zip`` and ``sb3_policy.json``.
        model: the encoders' config fields (see :class:`VLNExtractor`).
        n_envs: environments stepped together (``DummyVecEnv``).
        seed: seed of the environments, the weights and the sampling.
        device: torch device (``auto``: cuda when present).
        ppo_kwargs: more ``PPO`` arguments (``n_steps``, ``batch_size``, ...).
        progress_bar: show SB3's progress bar.
        save_every: also save the policy every this many steps as ``out/at_<steps>/``
            (each scored by ``vln benchmark --policy``: success against frames); 0: only
            the final one.
        dense_reward: the environment's shaping weight λ (each step also earns λ × the
            decrease of the oracle's distance to the goal; 0: the success reward only).

    Returns:
        The metadata written to ``sb3_policy.json``.

    Raises:
        TrainError: ``out`` already holds a policy.
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import ConvertCallback, EveryNTimesteps
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.logger import configure

    out = Path(out)
    if (out / META_FILE).exists():
        raise TrainError(f"{out} already holds an SB3 policy ({out / META_FILE}); choose "
                         "another --out")
    config = ModelConfig.from_dict(dict(model or {}), where="model")
    max_len = config.max_text_len
    venv = make_vec_env(make_env, n_envs=n_envs, seed=seed,
                        env_kwargs={"env_id": env_id, "max_len": max_len,
                                    "dense_reward": dense_reward})
    kwargs = {"n_steps": 128, "batch_size": 256, "n_epochs": 4, "learning_rate": 2.5e-4,
              "ent_coef": 0.01, "clip_range": 0.1, **dict(ppo_kwargs or {})}
    agent = PPO("MultiInputPolicy", venv, seed=seed, device=device, verbose=0,
                policy_kwargs={"features_extractor_class": VLNExtractor,
                               "features_extractor_kwargs": {"model": config.to_dict(),
                                                             "seed": seed}},
                **kwargs)
    # SB3's own log (rollout returns, losses) as CSV in the run folder; without a logger
    # set, learn() makes an empty SB3-<date> folder in the system's temporary directory
    agent.set_logger(configure(str(out / "sb3_log"), ["csv"]))
    meta = {"format": META_FORMAT, "env": env_id, "n_envs": n_envs, "seed": seed,
            "max_len": max_len, "dense_reward": dense_reward, "ppo": kwargs,
            "model": config.to_dict()}

    def snapshot(_locals: Any, _globals: Any) -> bool:
        save_policy(agent, out / f"at_{agent.num_timesteps}", meta)
        return True

    callback = (EveryNTimesteps(save_every, ConvertCallback(snapshot))
                if save_every > 0 else None)
    agent.learn(total_timesteps=steps, progress_bar=progress_bar, callback=callback)
    save_policy(agent, out, meta)
    venv.close()
    return {**meta, "steps": int(agent.num_timesteps)}


class SB3Policy:
    """A saved SB3 policy as a benchmark :class:`vlnenv.eval.protocol.Policy`: its
    deterministic action for each observation, instructions tokenized as in training.
    Feed-forward: the state is unused.

    Args:
        folder: the folder :func:`train_sb3` wrote.
        device: torch device of the loaded policy.

    Raises:
        TrainError: the folder holds no SB3 policy.
    """

    def __init__(self, folder: str | os.PathLike[str], device: str = "cpu") -> None:
        from stable_baselines3 import PPO

        self.folder = Path(folder)
        meta_path = self.folder / META_FILE
        if not meta_path.is_file() or not (self.folder / ZIP_FILE).is_file():
            raise TrainError(f"{self.folder}: no SB3 policy there ({META_FILE} and "
                             f"{ZIP_FILE} expected; see vln train sb3)")
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if self.meta.get("format") != META_FORMAT:
            raise TrainError(f"{meta_path}: format {self.meta.get('format')!r}; expected "
                             f"{META_FORMAT!r}")
        self.agent = PPO.load(self.folder / ZIP_FILE, device=device)
        self.keys = list(self.agent.observation_space.spaces)
        self.tokenizer = Tokenizer()
        self.max_len = int(self.meta["max_len"])

    def initial_state(self, batch: int) -> None:
        return None

    def act(self, obs: dict[str, Any], state: None,
            infos: list[dict[str, Any]]) -> tuple[np.ndarray, None]:
        batch = {k: np.asarray(obs[k]) for k in self.keys if k != "instruction"}
        batch["instruction"] = np.stack([self.tokenizer.encode(text, self.max_len)
                                         for text in obs["instruction"]])  # (B, L)
        actions, _ = self.agent.predict(batch, deterministic=True)
        return np.asarray(actions, np.int64), None

    def reset_done(self, state: None, done: np.ndarray) -> None:
        return None

    def config(self) -> dict[str, Any]:
        return {"name": "sb3", "path": str(self.folder), "trained": self.meta}


def sb3_policy(argument: str | None, seed: int) -> SB3Policy:
    """``sb3:DIR`` (or a folder holding ``sb3_policy.json``): the policy
    :func:`train_sb3` saved there."""
    if not argument:
        raise TrainError("policy 'sb3' needs a folder: sb3:runs/NAME (written by vln train sb3)")
    return SB3Policy(argument)
