"""vlnenv: vision-and-language navigation in grid houses (numpy + Gymnasium only).

``from vlnenv import VLNEnv`` gives :class:`~vlnenv.env.grid_house.GridHouseEnv`
(``VLNEnv(source=EpisodeSource.suite("small", "val_unseen"), config=EnvConfig(view=5))``,
:class:`~vlnenv.env.sources.EpisodeSource`, :class:`~vlnenv.env.config.EnvConfig`); importing
the package registers the Gymnasium ids (``gym.make("vlnenv/GridHouse-v0")``).
"""

from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.registration import register_envs

__version__ = "0.1.0"

VLNEnv = GridHouseEnv

register_envs()

__all__ = ["EnvConfig", "EpisodeSource", "GridHouseEnv", "VLNEnv", "__version__"]
