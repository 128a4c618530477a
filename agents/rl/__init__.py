"""Reinforcement learning: recurrent PPO for the multimodal policy on the batched
environment (:mod:`agents.rl.ppo`), and a stable-baselines3 features extractor over the
project's encoders (:mod:`agents.rl.sb3`)."""

from agents.rl.config import PPOConfig, RLConfig, RLEnvConfig
from agents.rl.gae import gae

__all__ = ["RLEnvConfig", "PPOConfig", "RLConfig", "gae"]
