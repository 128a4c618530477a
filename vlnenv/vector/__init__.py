"""The batched environment: many grid-house episodes stepped as numpy arrays in one process
(see :mod:`vlnenv.vector.batched`, twin of :mod:`vlnenv.env.grid_house`).

Each module is the batched twin of single-episode code, and must equal it exactly
(``tests/vlnenv/vector/test_twins.py``, ``test_batched.py``):

* :mod:`~vlnenv.vector.layout`: houses packed into flat layers (:mod:`vlnenv.render.codes`);
* :mod:`~vlnenv.vector.dynamics`: what actions do (:mod:`vlnenv.world.dynamics`);
* :mod:`~vlnenv.vector.egocentric`: the agents' views (:mod:`vlnenv.render.egocentric`);
* :mod:`~vlnenv.vector.flat_tasks` and :mod:`~vlnenv.vector.outcomes`: verdicts, rewards and
  experts (``Instruction.verify`` in :mod:`vlnenv.language.instructions`);
* :mod:`~vlnenv.vector.oracle_demos`: the oracle's demonstrations
  (:func:`vlnenv.tasks.solver.solve`).
"""

from vlnenv.vector.batched import BatchedGridHouseEnv

__all__ = ["BatchedGridHouseEnv"]
