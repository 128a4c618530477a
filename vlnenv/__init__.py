"""vlnenv: vision-and-language navigation in grid houses (numpy + Gymnasium only).

``from vlnenv import VLNEnv`` gives :class:`~vlnenv.env.grid_house.GridHouseEnv`; importing
the package registers the Gymnasium ids (``gym.make("vlnenv/GridHouse-v0")``).
"""

from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.registration import register_envs

__version__ = "0.1.0"

VLNEnv = GridHouseEnv

register_envs()

__all__ = ["GridHouseEnv", "VLNEnv", "__version__"]
