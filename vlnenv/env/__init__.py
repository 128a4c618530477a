"""The Gymnasium environment."""

from vlnenv.env.grid_house import GridHouseEnv

__all__ = ["GridHouseEnv"]
