"""Full top-down observation: the whole house seen from above with the agent drawn, padded
to a fixed size so the space is the same for every house."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vlnenv.render.topdown import render_topdown


class TopDownObservation(gym.ObservationWrapper):
    """Replace ``image`` by the full map ``(max_cells*tile, max_cells*tile, 3)``: the house
    at the top left, black beyond it.

    Args:
        env: a ``GridHouseEnv`` (possibly wrapped).
        tile: pixels per cell.
        max_cells: the largest house side in cells (larger houses raise ``ValueError``).
    """

    def __init__(self, env: gym.Env, tile: int = 8, max_cells: int = 40) -> None:
        super().__init__(env)
        self.tile, self.max_cells = tile, max_cells
        side = tile * max_cells
        obs_space = dict(env.observation_space.spaces)
        obs_space["image"] = spaces.Box(0, 255, (side, side, 3), np.uint8)
        self.observation_space = spaces.Dict(obs_space)

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        base = self.unwrapped
        s = base.state
        if max(base.house.shape) > self.max_cells:
            raise ValueError(f"house {base.house.name!r} is {base.house.shape}, larger than "
                             f"max_cells={self.max_cells}")
        side = self.tile * self.max_cells
        image = np.zeros((side, side, 3), np.uint8)
        picture = render_topdown(base.house, self.tile, structure=s.structure,
                                 objects=s.objects, agent=s.pose)
        image[: picture.shape[0], : picture.shape[1]] = picture
        return {**observation, "image": image}
