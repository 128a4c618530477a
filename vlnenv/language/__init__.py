"""Instructions: composable task objects with verifiers, their English surface forms,
referring expressions, route descriptions and the closed vocabulary."""

from vlnenv.language.instructions import (
    FAMILIES,
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
    instruction_from_task,
)
from vlnenv.language.parse import parse
from vlnenv.language.realise import realise
from vlnenv.language.verdict import Verdict
from vlnenv.language.vocab import Tokenizer

__all__ = [
    "FAMILIES",
    "Fetch",
    "FollowRoute",
    "GoToObject",
    "GoToRoom",
    "Instruction",
    "SequenceInstr",
    "Tokenizer",
    "Verdict",
    "instruction_from_task",
    "parse",
    "realise",
]
