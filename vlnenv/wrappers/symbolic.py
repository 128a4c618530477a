"""Symbolic observation: what each view cell holds, as ids instead of pixels (as
Minigrid's ``(type, colour, state)`` encoding)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vlnenv.render.codes import N_BASE, symbolic_view
from vlnenv.world.colors import Color
from vlnenv.world.objects import ObjectKind


def symbolic_space(space: spaces.Dict, view: int) -> spaces.Dict:
    """``space`` (the environment's ``Dict``) with ``image`` replaced by the symbolic
    ``(V, V, 3)`` uint8 ids' box."""
    high = np.empty((view, view, 3), np.uint8)
    high[..., 0] = N_BASE - 1
    high[..., 1] = len(ObjectKind)
    high[..., 2] = len(Color)
    return spaces.Dict({**space.spaces, "image": spaces.Box(0, high, (view, view, 3), np.uint8)})


class SymbolicObservation(gym.ObservationWrapper):
    """Replace ``image`` by a ``(V, V, 3)`` uint8 array per view cell: the base code (0
    unseen, wall, doors, floor of each room type, each furniture kind — see
    :mod:`vlnenv.render.codes`), the object kind + 1 (0 none) and the object colour + 1
    (0 none). Agent at the bottom centre facing up."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.observation_space = symbolic_space(env.observation_space, self.unwrapped.view)

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        base = self.unwrapped
        return {**observation, "image": symbolic_view(base.observer.view_codes(base.state.pose))}
