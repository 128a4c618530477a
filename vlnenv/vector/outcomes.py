"""Success, rewards and experts for many episodes, exactly as
:class:`~vlnenv.env.grid_house.GridHouseEnv` gives them for one. Twin of
``Instruction.verify`` (:mod:`vlnenv.language.instructions`) for the verdict
(``tests/vlnenv/vector/test_twins.py``) and of the env's reward and expert code
(``tests/vlnenv/vector/test_batched.py`` compares whole environments).

* Success, for instructions with a :func:`~vlnenv.vector.flat_tasks.flat_task` (all the sampler
  makes): at ``stop``, the agent's cell has the last part's bit in the ``goalbits`` layer,
  every earlier part was reached in order (a part counter per environment, advanced when an
  agent enters a cell with the current part's bit), and for ``fetch`` a matching object is
  carried. Other instructions are verified by calling them.
* Dense shaping: the distance to the current stage's target is the ``stage_dist`` layer at
  the agent's cell; the stage can only change when an object moves (tasks with a
  ``fetch``) or a sequence moves to its next part, so only those environments ask their
  instruction for its stage. While a wrong object is carried the stage's target is the
  free cells around the agent, which change with every move: the single environment then
  earns exactly 0 each step (the distance stays 1, or the stage changes), so this stage is
  tracked as a flag, not a field.
* Experts: :class:`~vlnenv.tasks.solver.TaskSolver` per environment, called with
  :meth:`~vlnenv.vector.dynamics.BatchedWorld.state` (a loop; not on the hot path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vlnenv.actions import Action
from vlnenv.expert.oracle import Oracle, geodesic_cells
from vlnenv.language.instructions import Instruction, Stage
from vlnenv.language.verdict import Verdict
from vlnenv.tasks.solver import TaskSolver
from vlnenv.vector.dynamics import BatchedWorld, Events
from vlnenv.vector.flat_tasks import FlatTask, flat_task
from vlnenv.vector.layout import ObjectCache
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import House, Pos

#: ``expert`` argument -> the solvers it asks for.
EXPERT_KINDS: dict[str | None, tuple[str, ...]] = {
    None: (), "oracle": ("oracle",), "explorer": ("explorer",), "both": ("oracle", "explorer"),
}


@dataclass(frozen=True)
class Compiled:
    """An episode's task as the judge loads it.

    Attributes:
        house: the house it was compiled for (held, so that its id names it).
        flat: the task's :func:`flat_task` form (``None``: verified by calling it).
        part: the sequence part reached at the start (``instruction.reset``).
        bits: ``(rows, cols, bits)`` of the cells of the ``goalbits`` layer that are set.
        goal: ``(H, W)`` float64 geodesic cells to the nearest goal cell.
        match: ``(K,)`` bool, whether each of ``house.objects`` counts as fetched.
    """

    house: House
    flat: FlatTask | None
    part: int
    bits: tuple[np.ndarray, np.ndarray, np.ndarray]
    goal: np.ndarray
    match: np.ndarray


class BatchedJudge:
    """Instructions, success and rewards of the episodes of a :class:`BatchedWorld`.

    Args:
        world: the world.
        dense_reward: shaping weight (0 for sparse rewards only).
        expert: ``None``, ``"oracle"``, ``"explorer"`` or ``"both"``.
        cache_fields: distance fields (and house oracles) to keep for later episodes.
    """

    def __init__(
        self, world: BatchedWorld, dense_reward: float, expert: str | None,
        cache_fields: int = 4096,
    ) -> None:
        n = world.num_envs
        self.world, self.dense_reward, self.kinds = world, dense_reward, EXPERT_KINDS[expert]
        self.instructions: list[Instruction | None] = [None] * n
        self.flat: list[FlatTask | None] = [None] * n
        self.solvers: list[dict[str, TaskSolver]] = [{} for _ in range(n)]
        self.stage_keys: list[Stage | None] = [None] * n
        self.part = np.zeros(n, np.int64)  # (N,) index of the sequence part being done
        self.last = np.zeros(n, np.int64)  # (N,) index of the last part
        self.sequence = np.zeros(n, bool)  # (N,) flat task with earlier parts
        self.fetches = np.zeros(n, bool)  # (N,) success needs a matching carried object
        self.generic = np.zeros(n, bool)  # (N,) verified by calling the instruction
        self.match = np.zeros((n, 1), bool)  # (N, K) object k counts as fetched
        self.before = np.zeros(n, np.float64)  # (N,) stage distance after the last step
        self.wrong = np.zeros(n, bool)  # (N,) a wrong object is carried (fetch stage)
        self.advanced = np.zeros(0, np.intp)  # environments whose sequence part moved on
        self._oracles = ObjectCache(cache_fields)
        self._fields = ObjectCache(cache_fields)
        self._blocks = ObjectCache(cache_fields)  # compiled task -> its layers' blocks

    # ------------------------------------------------------------------ loading
    @property
    def needs_instructions(self) -> bool:
        """Whether every episode needs its instruction object (for stages or experts), not
        only its :class:`Compiled` form."""
        return bool(self.dense_reward or self.kinds)

    def compile(self, instruction: Instruction, state: EpisodeState) -> Compiled:
        """What loading an episode needs of its instruction, reset on ``state`` (the
        episode's initial state); reusable for every later episode with the same record."""
        house = state.house
        flat = flat_task(instruction)
        bits = np.zeros(house.shape, np.int64)  # (H, W)
        for k, cells in enumerate(flat.parts if flat is not None else ()):
            for cell in cells:
                bits[cell] |= 1 << k
        rows, cols = np.nonzero(bits)
        part = instruction.done if flat is not None and len(flat.parts) > 1 else 0
        goal = self._distances(house, instruction.goal_cells)
        targets = flat.targets if flat is not None else frozenset()
        match = np.array([item.cell in targets for item in house.objects], bool)  # (K,)
        return Compiled(house, flat, part, (rows, cols, bits[rows, cols]), goal, match)

    def load(
        self, i: int, house: House, compiled: Compiled, instruction: Instruction | None,
        state: EpisodeState | None,
    ) -> None:
        """Bind environment ``i`` (already loaded in the world) to its episode's task:
        ``compiled``, and the ``instruction`` reset on the initial ``state`` where the task
        is not flat or :attr:`needs_instructions` (else both may be ``None``)."""
        flat = compiled.flat
        self.instructions[i], self.flat[i] = instruction, flat
        self.generic[i] = flat is None
        parts = len(flat.parts) if flat is not None else 1
        self.last[i], self.sequence[i], self.part[i] = parts - 1, parts > 1, compiled.part
        self.fetches[i] = flat is not None and flat.fetches
        self._load_match(i, compiled.match)
        grids = self.world.grids
        grids.put(i, self._blocks.get(compiled, grids.block_shape,
                                      lambda: self._task_blocks(compiled)))
        self.stage_keys[i], self.wrong[i] = None, False
        if self.dense_reward:
            self._restage(i, state)
            self.before[i] = grids.layers["stage_dist"][self.world.pos[i]]
        if self.kinds:
            oracle = self._oracles.get(house, "oracle", lambda: Oracle(house))
            view = self.world.view
            self.solvers[i] = {k: TaskSolver(instruction, k, view, oracle) for k in self.kinds}

    def _task_blocks(self, compiled: Compiled) -> dict[str, np.ndarray]:
        """The ``goal_dist`` and ``goalbits`` blocks of a compiled task."""
        grids = self.world.grids
        rows, cols, values = compiled.bits
        bits = grids.block("goalbits", np.zeros(compiled.goal.shape, np.int64))
        bits[rows, cols] = values
        return {"goal_dist": grids.block("goal_dist", compiled.goal), "goalbits": bits}

    def _load_match(self, i: int, match: np.ndarray) -> None:
        k = len(match)
        if k > self.match.shape[1]:
            wider = np.zeros((self.match.shape[0], k), bool)
            wider[:, :self.match.shape[1]] = self.match
            self.match = wider
        self.match[i, :k] = match

    def _distances(self, house: House, cells: frozenset[Pos]) -> np.ndarray:
        """``(H, W)`` float64 geodesic cells to the nearest of ``cells`` (cached)."""
        return self._fields.get(
            house, cells, lambda: geodesic_cells(house, list(cells)).astype(np.float64),
        )

    # ------------------------------------------------------------------ stepping
    def success(self, events: Events, acting: np.ndarray | None) -> np.ndarray:
        """``(N,)`` success after a step (true only at ``stop``), advancing sequences."""
        world = self.world
        self.advanced = self._advance(events.moved)
        out = np.zeros(world.num_envs, bool)
        if not self.generic.any():
            stopped = np.flatnonzero(world.stopped)
        else:
            stopped = np.flatnonzero(world.stopped & ~self.generic)
        if len(stopped):
            out[stopped] = self._reached(stopped)
        for i in self._generic(acting):
            verdict = self.instructions[i].verify(self._state(i))
            out[i] = verdict is Verdict.SUCCESS
        return out

    def _advance(self, moved: np.ndarray) -> np.ndarray:
        """Move sequences on while their current part holds at the agent's new cell;
        returns the environments whose part changed."""
        envs = moved[self.sequence[moved]]
        if not len(envs):
            return envs
        bits = self.world.grids.layers["goalbits"].take(self.world.pos[envs])
        part, last = self.part[envs], self.last[envs]
        start = part.copy()
        while True:
            on = (part < last) & ((bits >> part) & 1 == 1)
            if not on.any():
                break
            part += on
        self.part[envs] = part
        return envs[part != start]

    def _reached(self, envs: np.ndarray) -> np.ndarray:
        world = self.world
        bits = world.grids.layers["goalbits"].take(world.pos[envs])
        last = self.last[envs]
        held = world.carry[envs]
        carried = self.match[envs, np.maximum(held, 0)] & (held >= 0)
        return ((bits >> last) & 1 == 1) & (self.part[envs] == last) & (
            carried | ~self.fetches[envs])

    def shaping(self, events: Events, acting: np.ndarray | None) -> np.ndarray:
        """``(N,)`` float64 dense reward of the step just taken (call after
        :meth:`success`)."""
        world = self.world
        changed = np.zeros(world.num_envs, bool)
        moved_objects = events.objects[self.fetches[events.objects] & ~self.generic[events.objects]]
        for i in np.union1d(moved_objects, self.advanced).tolist():
            changed[i] = self._restage(i, self._state(i))
        for i in self._generic(acting):
            changed[i] = self._restage(i, self._state(i))
        now = world.grids.layers["stage_dist"].take(world.pos)  # (N,)
        out = self.dense_reward * (self.before - now)
        out[changed | self.wrong] = 0.0  # a new stage: its distance becomes the baseline
        self.before = now
        return out

    def _restage(self, i: int, state: EpisodeState) -> bool:
        """Ask environment ``i``'s instruction for its stage; load its distances if it
        changed. Returns whether it changed (or is the wrong-object stage)."""
        instruction = self.instructions[i]
        if self.sequence[i]:
            instruction.done = int(self.part[i])
        stage = instruction.stage(state)
        if not self.generic[i]:
            self.wrong[i] = stage.then == Action.DROP
            if self.wrong[i]:
                self.stage_keys[i] = stage
                return True
        if stage == self.stage_keys[i]:
            return False
        self.stage_keys[i] = stage
        dist = self._distances(state.house, stage.cells)
        self.world.grids.load(i, {"stage_dist": dist})
        return True

    def experts(self, envs: np.ndarray) -> dict[str, np.ndarray]:
        """Each expert's next action for ``envs`` (not stopped ones), as ``(N,)`` int64
        arrays with ``-1`` elsewhere."""
        out = {k: np.full(self.world.num_envs, -1, np.int64) for k in self.kinds}
        for i in envs.tolist():
            if self.world.stopped[i]:
                continue
            state = self._state(i)
            if self.sequence[i]:
                self.instructions[i].done = int(self.part[i])
            for kind, solver in self.solvers[i].items():
                out[kind][i] = solver.act(state)
        return out

    # ------------------------------------------------------------------ helpers
    def _generic(self, acting: np.ndarray | None) -> list[int]:
        if not self.generic.any():
            return []
        generic = np.flatnonzero(self.generic)
        if acting is not None:
            generic = generic[acting[generic]]
        return generic.tolist()

    def _state(self, i: int) -> EpisodeState:
        return self.world.state(i)
