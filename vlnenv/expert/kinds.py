"""The closed sets of experts: who solves a task (:class:`ExpertKind`) and which expert
actions an environment reports in ``info`` (:class:`EnvExpert`).

Both are string enums, so a config file's ``"oracle"`` and ``ExpertKind.ORACLE`` are the
same value (``ExpertKind("oracle") is ExpertKind.ORACLE``, and they compare equal).
"""

from __future__ import annotations

from enum import StrEnum

from vlnenv.errors import TaskError


class ExpertKind(StrEnum):
    """An expert that carries out a task (:class:`~vlnenv.tasks.solver.TaskSolver`)."""

    ORACLE = "oracle"
    """Knows the whole house: the shortest-path oracle."""
    EXPLORER = "explorer"
    """Knows only what the agent has seen: nearest frontier, then the known way."""
    READER = "reader"
    """The explorer on the instruction as its words read (:func:`vlnenv.tasks.from_text.
    read_episode`): a room the words tell apart by its furniture or a neighbour ("the
    bedroom with the desk") is found only once that has been seen
    (:mod:`vlnenv.language.room_cues`), not at the first glimpse of its floor."""

    @property
    def explores(self) -> bool:
        """Whether it knows only what the agent has seen (the explorer and the reader)."""
        return self is not ExpertKind.ORACLE

    @classmethod
    def parse(cls, value: object, where: str = "expert") -> ExpertKind:
        """``value`` (an :class:`ExpertKind` or its name) as an :class:`ExpertKind`.

        Raises:
            TaskError: anything else, naming ``where``.
        """
        try:
            return cls(value)
        except ValueError:
            raise TaskError(f"{where}: expected one of {[k.value for k in cls]}, got "
                            f"{value!r}") from None


class EnvExpert(StrEnum):
    """Which expert actions an environment puts in ``info`` (its ``expert`` setting)."""

    ORACLE = "oracle"
    """``info["expert_action"]``: the oracle's action."""
    EXPLORER = "explorer"
    """``info["expert_action"]``: the explorer's action."""
    BOTH = "both"
    """``info["oracle_action"]`` and ``info["explorer_action"]``."""
    RULES = "rules"
    """``info["expert_action"]``: the explorer carrying out the instruction as
    :func:`vlnenv.language.parse` reads its words (``info["parse_error"]`` when refused)."""

    @property
    def kinds(self) -> tuple[ExpertKind, ...]:
        """The experts asked (``RULES`` asks the explorer, on the parsed instruction)."""
        if self is EnvExpert.BOTH:
            return (ExpertKind.ORACLE, ExpertKind.EXPLORER)
        if self is EnvExpert.ORACLE:
            return (ExpertKind.ORACLE,)
        return (ExpertKind.EXPLORER,)
