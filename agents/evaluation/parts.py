"""Reading a sequence instruction one part at a time: what a policy with ``read_parts``
(:class:`~agents.evaluation.model_policy.ModelPolicy`) gives its model.

A sequence ("Find the pink bottle, then go to the kitchen") asks for two goals in turn.
A policy that reads it whole fails it mostly by stopping in the wrong place
(docs/experiments/19-fusion-study.md: half its failures reach part 1 and then stop
somewhere that is neither part), while each part alone is a ``go_to_room`` or
``go_to_object`` instruction that the same model follows in eight or nine cases out of
ten. So the instruction is decomposed, as sub-instruction VLN agents do (Hong et al.,
2020, "Sub-Instruction Aware Vision-and-Language Navigation"), from the words alone:
:func:`vlnenv.language.parse.part_texts` cuts the text into parts, each written as an
instruction of its own, in the order they are to be done. The model reads part 1; when it
would stop, the stop means "this part is done" and is not sent to the environment: the
model's state is cleared (the next part is a new search from here), it reads part 2 on
the same observation, and that is the step's action. A stop on the last part ends the
episode as usual. An instruction of one part (every other family's) is read whole.

A route description is read the same way with ``read_route_parts``, cut into its
fine-grained parts by :func:`vlnenv.language.route_parts.route_part_texts` ("turn left",
"walk two steps", "exit the bedroom. enter the kitchen"), for a model trained on route
parts (``data.route_parts``): those start afresh where the previous part ended, so the
``gps`` observation the model is given counts from where the part starts
(:attr:`Reading.origin`).

It uses the words, the view and the model's own stops only: no house, no task, no
success signal. The measurements are in docs/experiments/24-sequences-part-by-part.md
and 25-routes-part-by-part.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from vlnenv.errors import ParseError
from vlnenv.language.parse import part_texts
from vlnenv.language.route_parts import route_part_texts


@dataclass
class Reading:
    """One episode's instruction cut into ``parts`` (in the order to be done) and the part
    being read; for a route (``route``), the ``gps`` reading where the current part began
    (``origin``)."""

    text: str
    parts: list[str]
    current: int = 0
    route: bool = False
    origin: tuple[int, int] = (0, 0)

    @classmethod
    def of(cls, text: str, sequences: bool = True, routes: bool = False) -> Reading:
        """The parts of ``text``: of a sequence (with ``sequences``) or of a route
        description (with ``routes``); the whole text as its one part when the parser
        cannot cut it (words it does not know, a marker without its comma): then the model
        reads what it was given, as without ``read_parts``."""
        for wanted, cut, route in ((routes, route_part_texts, True),
                                   (sequences, part_texts, False)):
            if not wanted:
                continue
            try:
                parts = cut(text)
            except ParseError:
                continue
            if len(parts) > 1:
                return cls(text, parts, route=route)
        return cls(text, [text])

    @property
    def now(self) -> str:
        """The text of the part being read."""
        return self.parts[self.current]

    @property
    def more(self) -> bool:
        """Whether a part follows the one being read."""
        return self.current < len(self.parts) - 1

    def moved_on(self, gps: Any = None) -> Reading:
        """The reading of the next part, begun where the reader is: a route part counts
        ``gps`` (the ``(2,)`` reading of now, when the observations have it) from there."""
        here = self.origin if not self.route or gps is None else tuple(int(v) for v in gps)
        return dataclasses.replace(self, current=self.current + 1, origin=here)


def as_read(obs: dict[str, Any], readings: list[Reading]) -> dict[str, Any]:
    """``obs`` (a batch: ``instruction`` a list of texts, ``gps`` ``(B, 2)``) as the model
    is given it: each slot's current part as the instruction, and ``gps`` counted from where
    its route part began."""
    out = {**obs, "instruction": [r.now for r in readings]}
    if "gps" in obs and any(r.origin != (0, 0) for r in readings):
        gps = np.array(obs["gps"], copy=True)  # (B, 2)
        gps -= np.asarray([r.origin for r in readings], dtype=gps.dtype)
        out["gps"] = gps
    return out
