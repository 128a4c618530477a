"""``EpisodeRun``: one episode being played, the one way to run an episode.

An episode record holds its task as data (:attr:`Episode.task`); running it needs the
instruction object rebuilt from that data in the house
(:func:`~vlnenv.language.instructions.instruction_from_task`), the state at the start pose
(:meth:`EpisodeState.initial <vlnenv.world.dynamics.EpisodeState.initial>`), the instruction told
the episode begins (``reset``), and after every action the state advanced
(:meth:`~vlnenv.world.dynamics.EpisodeState.step_action`) and the instruction asked for its verdict
(:meth:`~vlnenv.language.instructions.Instruction.verify`), which is where a sequence's
progress moves on. :class:`EpisodeRun` does exactly that and nothing else: the
environment, the batched environment's checks, the suite checker, the experts'
demonstrations and their training targets all play episodes through it.

A run can keep a :class:`RunTrace`: before each action, the agent's pose and the cells the
instruction's current stage points at (its ``evidence``, else its ``cells``; none while a
stage's ``found_by`` cells are out of sight), which is what
a demonstration's per-step training targets are made of; recording them while the
demonstration is generated means its steps are never simulated again to label them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.expert.explorer import visible_cells
from vlnenv.language.instructions import Instruction, instruction_from_task
from vlnenv.language.verdict import Verdict
from vlnenv.tasks.episode import Episode
from vlnenv.world.dynamics import EpisodeState, Pose
from vlnenv.world.house import House, Pos


@dataclass
class RunTrace:
    """What a run looked like before each of its actions.

    Attributes:
        poses: ``(row, col, heading)`` before each action.
        stages: per action, an index into ``cells``: the cells the instruction's stage
            pointed at before that action.
        cells: the distinct stage cell sets met, in order of first use.
        view: the egocentric view size, for a stage with ``found_by`` cells: while none of
            them is in sight (:func:`~vlnenv.expert.explorer.visible_cells`), the target
            is not told apart from its look-alikes by this view, and the step points at no
            cell (the empty set).
    """

    poses: list[Pose] = field(default_factory=list)
    stages: list[int] = field(default_factory=list)
    cells: list[frozenset[Pos]] = field(default_factory=list)
    view: int = 7

    def note(self, run: EpisodeRun, instruction: Instruction | None = None) -> None:
        """Record ``run``'s pose and stage cells now (before its next action): the stage of
        ``instruction`` when given (the one a teacher follows, which may know more than the
        run's: :func:`vlnenv.tasks.from_text.read_episode`), else of the run's own."""
        stage = (instruction or run.instruction).stage(run.state)
        cells = stage.evidence if stage.evidence is not None else stage.cells
        if stage.found_by is not None and not in_sight(stage.found_by, run.state.structure,
                                                       run.state.pose, self.view):
            cells = frozenset()
        if not self.cells or self.cells[-1] != cells:
            try:
                index = self.cells.index(cells)
            except ValueError:
                index = len(self.cells)
                self.cells.append(cells)
        else:
            index = len(self.cells) - 1
        self.poses.append(run.state.pose)
        self.stages.append(index)

    def __len__(self) -> int:
        return len(self.poses)

    def pose_array(self) -> np.ndarray:
        """``(n, 3)`` int64 poses."""
        return np.array(self.poses, np.int64).reshape(len(self.poses), 3)


def in_sight(cells: frozenset[Pos], structure: np.ndarray, pose: Pose, view: int) -> bool:
    """Whether the view from ``pose`` shows one of ``cells`` (walls and closed doors
    occlude, as in the rendered view)."""
    rows, cols = visible_cells(structure, pose, view)
    return any((int(r), int(c)) in cells for r, c in zip(rows.tolist(), cols.tolist(),
                                                         strict=True))


class EpisodeRun:
    """An episode being played: its instruction, its state and the verdict so far.

    Args:
        episode: the record to play (its ``task``, ``start`` and ``max_steps``).
        house: the house it names.
        trace: keep a :class:`RunTrace` (pose and stage cells before every action).
        instruction: the task as an instruction object that knows more than the record
            (its words' cues: :func:`vlnenv.tasks.from_text.read_episode`); it must be the
            record's task. ``None``: rebuilt from the record.

    Attributes:
        episode: the record (``None`` for a run made with :meth:`of_instruction`).
        house: the house.
        instruction: the task as an instruction object, reset for this run.
        state: the episode state (advanced in place by :meth:`step`).
        verdict: the instruction's verdict after the last action (``CONTINUE`` before
            the first); ``SUCCESS`` or ``FAILURE`` only once ``stop`` was taken.
        trace: the :class:`RunTrace`, or ``None``.

    Raises:
        TaskError: the task does not fit the house, the start is not passable, or
            ``instruction`` is another task.
    """

    def __init__(self, episode: Episode, house: House, trace: bool = False,
                 instruction: Instruction | None = None) -> None:
        task = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
        if instruction is not None and instruction.to_task() != task.to_task():
            raise TaskError(f"episode {episode.episode_id}: the instruction given "
                            f"({instruction.to_task()}) is not the episode's task "
                            f"({task.to_task()})")
        self._begin(task if instruction is None else instruction, episode.start, episode, trace)

    @classmethod
    def of_instruction(cls, instruction: Instruction, start: Pose,
                       trace: bool = False) -> EpisodeRun:
        """A run of an instruction object (no episode record, no step budget) from
        ``start``; the instruction is reset for it."""
        run = cls.__new__(cls)
        run._begin(instruction, start, None, trace)
        return run

    def _begin(self, instruction: Instruction, start: Pose, episode: Episode | None,
               trace: bool) -> None:
        self.episode = episode
        self.house = instruction.house
        self.instruction = instruction
        self.state = EpisodeState.initial(instruction.house, start)
        instruction.reset(self.state)
        self.verdict = Verdict.CONTINUE
        self.trace: RunTrace | None = RunTrace() if trace else None

    @property
    def max_steps(self) -> int | None:
        """The record's step budget (``None`` without a record)."""
        return None if self.episode is None else self.episode.max_steps

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` was taken."""
        return self.state.stopped

    @property
    def over(self) -> bool:
        """Whether the episode has ended: stopped, or the step budget used up."""
        state, episode = self.state, self.episode
        return state.stopped or (episode is not None and state.step >= episode.max_steps)

    @property
    def success(self) -> bool:
        """Whether the instruction was carried out (judged at ``stop``)."""
        return self.verdict is Verdict.SUCCESS

    def step(self, action: int) -> Pos | None:
        """Take one action: advance the state, then ask the instruction for its verdict.

        Returns:
            The cell whose look changed (pickup, drop or toggle that took effect), else
            ``None`` (as :meth:`EpisodeState.step_action`).

        Raises:
            TaskError: the run was already stopped.
        """
        if self.state.stopped:
            where = "" if self.episode is None else f" of episode {self.episode.episode_id}"
            raise TaskError(f"action {int(action)} after stop{where} (step "
                            f"{self.state.step}); expected no action once stopped")
        if self.trace is not None:
            self.trace.note(self)
        changed = self.state.step_action(int(action))
        self.verdict = self.instruction.verify(self.state)
        return changed

    def replay(self, actions: Iterable[int]) -> Verdict:
        """Take ``actions`` in order (:meth:`step` each) and return the last verdict.

        Raises:
            TaskError: an action follows ``stop``.
        """
        for action in actions:
            self.step(action)
        return self.verdict
