"""The verifier's answer after each step (BabyAI's verifier returns bare strings; an enum
cannot be misspelt)."""

from __future__ import annotations

from enum import Enum


class Verdict(Enum):
    """Whether the instruction has been carried out."""

    SUCCESS = "success"
    FAILURE = "failure"
    CONTINUE = "continue"
