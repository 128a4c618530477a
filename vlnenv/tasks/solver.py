"""The task expert: drives the shortest-path oracle or the explorer through an
instruction's stages (see :meth:`Instruction.stage`). :func:`solve` has a fast twin for
the oracle, :func:`oracle_actions`, one oracle route per stage
(``tests/vlnenv/vector/test_batched.py`` checks the actions are the same); the task
sampler's reference paths and the oracle demonstrations use it.

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
from vlnenv.expert.kinds import ExpertKind
from vlnenv.expert.oracle import Goal, Oracle
from vlnenv.language.instructions import Instruction, Stage
from vlnenv.tasks.run import EpisodeRun
from vlnenv.world.dynamics import EpisodeState, Pose

#: The expert kinds, in order (see :class:`~vlnenv.expert.kinds.ExpertKind`).
EXPERTS: tuple[ExpertKind, ...] = tuple(ExpertKind)


def stage_goal(stage: Stage) -> Goal:
    """The navigation goal of a stage."""
    return Goal.stand(stage.cells) if stage.mode == "stand" else Goal.face(stage.cells)


class TaskSolver:
    """An expert for one instruction.

    Args:
        instruction: the task to carry out.
        kind: :attr:`ExpertKind.ORACLE` (knows the house), :attr:`ExpertKind.EXPLORER`
            (knows what was seen) or :attr:`ExpertKind.READER` (the explorer: give it the
            instruction its words read, :func:`vlnenv.tasks.from_text.read_episode`), or
            its name.
        view: view size the explorer sees with (the environment's).
        oracle: a shared :class:`Oracle` for the house (its distance fields are cached).
    """

    def __init__(
        self, instruction: Instruction, kind: ExpertKind | str = ExpertKind.ORACLE,
        view: int = 7, oracle: Oracle | None = None,
    ) -> None:
        self.instruction = instruction
        self.kind = ExpertKind.parse(kind, "expert")
        self.view = view
        self.oracle = oracle if oracle is not None else Oracle(instruction.house)
        self._explorer: Explorer | None = None
        self._explorer_stage: Stage | None = None

    def observe(self, pose: Pose, state: EpisodeState) -> None:
        """Let the explorer see from ``pose`` (no effect for the oracle)."""
        if self.kind.explores:
            self._explorer_for(self.instruction.stage(state)).observe(pose, state.structure)

    def _explorer_for(self, stage: Stage) -> Explorer:
        if self._explorer is None or stage != self._explorer_stage:
            found = stage.found_by if stage.found_by is not None else stage.evidence
            new = Explorer(self.instruction.house, stage_goal(stage), found,
                           view=self.view)
            if self._explorer is not None:
                new.inherit(self._explorer)
            self._explorer, self._explorer_stage = new, stage
        return self._explorer

    def act(self, state: EpisodeState) -> int:
        """The expert's action from ``state``."""
        stage = self.instruction.stage(state)
        goal = stage_goal(stage)
        if self.kind is ExpertKind.ORACLE:
            action = self.oracle.action(state.pose, goal, state.structure)
        else:
            action = self._explorer_for(stage).act(state.pose, state.structure)
        if action == Action.STOP:
            return int(stage.then if stage.then is not None else Action.STOP)
        return int(action)


def play_expert(
    run: EpisodeRun, kind: ExpertKind | str = ExpertKind.ORACLE, view: int = 7,
    max_steps: int = 10_000,
    oracle: Oracle | None = None, strict: bool = True,
) -> list[int]:
    """Let the expert play ``run`` until it stops.

    Args:
        run: the episode to play (advanced in place).
        kind: the expert (an :class:`ExpertKind` or its name).
        view: view size the explorer sees with.
        max_steps: the most actions the expert may take.
        oracle: a shared :class:`Oracle` for the house.
        strict: raise when the expert has not stopped within ``max_steps`` actions
            (``False``: return the actions taken so far; the run has not succeeded).

    Returns:
        The actions taken (ending with ``stop`` when it stopped); ``run`` holds the final
        state and verdict.

    Raises:
        TaskError: with ``strict``, if the expert has not stopped within ``max_steps``.
    """
    solver = TaskSolver(run.instruction, kind, view, oracle)
    actions: list[int] = []
    while not run.stopped:
        if len(actions) >= max_steps:
            if not strict:
                break
            raise TaskError(f"{kind} did not finish {run.instruction!r} within {max_steps} steps")
        action = solver.act(run.state)
        actions.append(action)
        run.step(action)
    return actions


def solve(
    instruction: Instruction, start: Pose, kind: ExpertKind | str = ExpertKind.ORACLE,
    view: int = 7,
    max_steps: int = 10_000, oracle: Oracle | None = None,
) -> tuple[list[int], EpisodeState]:
    """Run the expert from ``start`` until it stops (:func:`play_expert` on a fresh
    :class:`~vlnenv.tasks.run.EpisodeRun` of ``instruction``).

    Returns:
        The actions taken (ending with ``stop``) and the final state.

    Raises:
        TaskError: if the expert has not stopped within ``max_steps`` actions.
    """
    run = EpisodeRun.of_instruction(instruction, start)
    return play_expert(run, kind, view, max_steps, oracle), run.state


def oracle_actions(run: EpisodeRun, oracle: Oracle | None = None,
                   max_steps: int = 10_000) -> list[int]:
    """Play ``run`` with the oracle until it stops and return the actions taken, ending
    with ``stop``: those ``play_expert(run, "oracle")`` takes, in one
    :meth:`~vlnenv.expert.oracle.Oracle.route` per stage instead of one oracle call per
    step.

    The same actions come out because a route ends at the first goal pose it reaches (the
    field is 0 exactly there), the stage changes only at those ends (an object picked up,
    a sequence part reached), and greedy descent on the field a route started with agrees
    with the solver's choices after a door it opened.

    Raises:
        TaskError: if the expert has not stopped within ``max_steps`` actions.
        UnreachableGoalError: a stage's goal cannot be reached.
    """
    oracle = oracle if oracle is not None else Oracle(run.house)
    instruction, state = run.instruction, run.state
    actions: list[int] = []
    while not state.stopped:
        stage = instruction.stage(state)
        route = oracle.route(state.pose, stage_goal(stage), state.structure)
        run.replay(route.actions)
        actions.extend(route.actions)
        if instruction.stage(state) == stage:  # at the stage's goal: its own action
            action = int(stage.then if stage.then is not None else Action.STOP)
            run.step(action)
            actions.append(action)
        if len(actions) > max_steps:
            raise TaskError(f"oracle did not finish {instruction!r} within {max_steps} steps")
    return actions
