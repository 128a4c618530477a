"""The batched environment: many grid-house episodes stepped as numpy arrays in one process
(see :mod:`vlnenv.vector.batched`)."""

from vlnenv.vector.batched import BatchedGridHouseEnv

__all__ = ["BatchedGridHouseEnv"]
