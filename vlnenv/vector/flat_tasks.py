"""Instructions as array data, so the batched environment verifies them without calling
them. Twin (with :mod:`vlnenv.vector.outcomes`) of ``Instruction.verify``
(:mod:`vlnenv.language.instructions`): the same verdicts (``tests/vlnenv/vector/test_twins.py``).

Every instruction the sampler makes succeeds when the agent stops in a set of goal cells,
after passing through earlier parts' goal cells in order (sequences), and, for ``fetch``,
while carrying a matching object. :func:`flat_task` reads those sets off an instruction;
the environment keeps them as bit ``k`` of a packed ``goalbits`` layer (part ``k``), and
advances a sequence's part counter exactly as
:meth:`~vlnenv.language.instructions.SequenceInstr.verify` does: while the current earlier
part holds at the agent's cell. Instructions of any other shape (a sequence nested in a
sequence, a subclass) give ``None``; the environment then calls their ``verify`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
)
from vlnenv.world.house import Pos

#: Instructions whose ``reached`` is "the agent's cell is a goal cell".
_PLACES = (GoToRoom, GoToObject, FollowRoute)

#: Most parts a flat task may have (one bit each in an int64).
MAX_PARTS = 62


@dataclass(frozen=True)
class FlatTask:
    """An instruction's success test as data.

    Attributes:
        parts: goal cells of each part, in order (one part unless a sequence).
        targets: starting cells of the objects that count as fetched (empty unless the
            last part is a ``fetch``).
    """

    parts: tuple[frozenset[Pos], ...]
    targets: frozenset[Pos]

    @property
    def fetches(self) -> bool:
        """Whether success needs a matching carried object (and the expert's stage depends
        on where objects lie and what is carried)."""
        return bool(self.targets)


def _part(instruction: Instruction) -> FlatTask | None:
    if type(instruction) in _PLACES:
        return FlatTask((instruction.goal_cells,), frozenset())
    if type(instruction) is Fetch:
        return FlatTask((instruction.goal_cells,), instruction.targets)
    return None


def flat_task(instruction: Instruction) -> FlatTask | None:
    """The success test of ``instruction`` as data, or ``None`` when it has another
    shape."""
    if type(instruction) is not SequenceInstr:
        return _part(instruction)
    if len(instruction.parts) > MAX_PARTS:
        return None
    parts = [_part(p) for p in instruction.parts]
    if any(p is None for p in parts):
        return None
    last = parts[-1]
    return FlatTask(tuple(p.parts[0] for p in parts), last.targets)
