"""The task expert: drives the shortest-path oracle or the explorer through an
instruction's stages (see :meth:`Instruction.stage`). :func:`solve` has a fast twin,
:func:`vlnenv.vector.oracle_demos.oracle_actions`, one oracle route per stage
(``tests/vlnenv/vector/test_batched.py`` checks the actions are the same).

At each step the instruction says what to do next (stand on or face some cells, then an
action such as ``pickup`` or ``stop``); the chosen navigator moves there, and once there the
stage's action is taken. The oracle knows the whole house; the explorer knows only what the
agent has seen so far, so its demonstrations can be imitated by an agent that sees only its
view. The explorer keeps one memory of seen cells across stages and can be fed a learner's
own trajectory (DAgger) through :meth:`TaskSolver.observe`.
"""

from __future__ import annotations

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.expert.explorer import Explorer
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.language.instructions import Instruction, Stage
from vlnenv.world.dynamics import EpisodeState, Pose

EXPERTS: tuple[str, ...] = ("oracle", "explorer")


def stage_goal(stage: Stage) -> Goal:
    """The navigation goal of a stage."""
    return Goal.stand(stage.cells) if stage.mode == "stand" else Goal.face(stage.cells)


class TaskSolver:
    """An expert for one instruction.

    Args:
        instruction: the task to carry out.
        kind: ``"oracle"`` (knows the house) or ``"explorer"`` (knows what was seen).
        view: view size the explorer sees with (the environment's).
        oracle: a shared :class:`Oracle` for the house (its distance fields are cached).
    """

    def __init__(
        self, instruction: Instruction, kind: str = "oracle", view: int = 7,
        oracle: Oracle | None = None,
    ) -> None:
        if kind not in EXPERTS:
            raise TaskError(f"expert must be one of {EXPERTS}, got {kind!r}")
        self.instruction = instruction
        self.kind = kind
        self.view = view
        self.oracle = oracle if oracle is not None else Oracle(instruction.house)
        self._explorer: Explorer | None = None
        self._explorer_stage: Stage | None = None

    def observe(self, pose: Pose, state: EpisodeState) -> None:
        """Let the explorer see from ``pose`` (no effect for the oracle)."""
        if self.kind == "explorer":
            self._explorer_for(self.instruction.stage(state)).observe(pose, state.structure)

    def _explorer_for(self, stage: Stage) -> Explorer:
        if self._explorer is None or stage != self._explorer_stage:
            new = Explorer(self.instruction.house, stage_goal(stage), stage.evidence,
                           view=self.view)
            if self._explorer is not None:
                new.inherit(self._explorer)
            self._explorer, self._explorer_stage = new, stage
        return self._explorer

    def act(self, state: EpisodeState) -> int:
        """The expert's action from ``state``."""
        stage = self.instruction.stage(state)
        goal = stage_goal(stage)
        if self.kind == "oracle":
            action = self.oracle.action(state.pose, goal, state.structure)
        else:
            action = self._explorer_for(stage).act(state.pose, state.structure)
        if action == Action.STOP:
            return int(stage.then if stage.then is not None else Action.STOP)
        return int(action)


def solve(
    instruction: Instruction, start: Pose, kind: str = "oracle", view: int = 7,
    max_steps: int = 10_000, oracle: Oracle | None = None,
) -> tuple[list[int], EpisodeState]:
    """Run the expert from ``start`` until it stops.

    Returns:
        The actions taken (ending with ``stop``) and the final state.

    Raises:
        TaskError: if the expert has not stopped within ``max_steps`` actions.
    """
    state = EpisodeState.initial(instruction.house, start)
    instruction.reset(state)
    solver = TaskSolver(instruction, kind, view, oracle)
    actions: list[int] = []
    while not state.stopped:
        if len(actions) >= max_steps:
            raise TaskError(f"{kind} did not finish {instruction!r} within {max_steps} steps")
        action = solver.act(state)
        actions.append(action)
        state.step_action(action)
        instruction.verify(state)
    return actions, state
