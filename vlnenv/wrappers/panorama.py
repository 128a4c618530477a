"""4-heading panorama: the egocentric views facing ahead, right, behind and left, side by
side (as panoramic VLN agents see)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class PanoramaObservation(gym.ObservationWrapper):
    """Replace ``image`` by a ``(V*tile, 4*V*tile, 3)`` panorama: the views at the agent's
    heading, then turned right, behind, and left, left to right."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        side = self.unwrapped.view * self.unwrapped.tile
        obs_space = dict(env.observation_space.spaces)
        obs_space["image"] = spaces.Box(0, 255, (side, 4 * side, 3), np.uint8)
        self.observation_space = spaces.Dict(obs_space)

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        base = self.unwrapped
        r, c, h = base.state.pose
        views = [base.observer.image((r, c, (h + k) % 4)) for k in range(4)]  # 4 x (S, S, 3)
        return {**observation, "image": np.concatenate(views, axis=1)}  # (S, 4S, 3)
