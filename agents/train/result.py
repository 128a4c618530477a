"""What a training run produced: :class:`TrainResult`, also written as ``result.json``."""

from __future__ import annotations

import dataclasses
from typing import Any

#: Format tag of ``result.json``.
RESULT_FORMAT = "vlnenv.TrainResult"


@dataclasses.dataclass
class TrainResult:
    """What a run produced (also written as ``result.json`` in the run folder)."""

    kind: str
    """``bc`` or ``dagger``."""
    out: str
    """The run folder."""
    steps: int
    """Optimiser steps taken in all (resumed segments included)."""
    samples: int
    """Labelled steps trained on, over all ranks."""
    elapsed_s: float
    """Wall-clock seconds of training, over all segments."""
    stopped_by: str
    """``max_steps`` or ``time_budget``."""
    best_step: int | None
    """Step of the best evaluation (``None``: never evaluated)."""
    best_sr: float | None
    """Its success rate on ``eval.select``."""
    final_eval: dict[str, Any]
    """The last evaluation: ``{split: {sr, spl, episodes, by_family}}``."""
    last_checkpoint: str
    """The training checkpoint to resume from (``last.pt``)."""
    best_checkpoint: str | None
    """The best training checkpoint (``best.pt``)."""
    last_model: str
    """The last model folder (``last/``), for ``vln benchmark --policy``."""
    best_model: str | None
    """The best model folder (``best/``)."""
    log: str
    """``log.csv``."""
    evals: str
    """``evals.jsonl``."""
    weight_digests: list[str]
    """SHA-256 of the final weights on each rank (all equal in a healthy DDP run)."""
    extra: dict[str, Any]
    """What the trainer adds (DAgger: the dataset size per iteration)."""
    config: dict[str, Any]
    """The resolved ``TrainConfig``."""

    def to_dict(self) -> dict[str, Any]:
        return {"format": RESULT_FORMAT, **dataclasses.asdict(self)}
