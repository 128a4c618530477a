"""Observation wrappers: tokenized instructions, full top-down view, 4-heading panorama
and symbolic cell codes."""

from vlnenv.wrappers.panorama import PanoramaObservation
from vlnenv.wrappers.symbolic import SymbolicObservation
from vlnenv.wrappers.tokenized import TokenizedInstruction
from vlnenv.wrappers.topdown import TopDownObservation

__all__ = [
    "PanoramaObservation",
    "SymbolicObservation",
    "TokenizedInstruction",
    "TopDownObservation",
]
