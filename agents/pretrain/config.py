"""``PretrainConfig``: everything a pretraining run depends on, saved in its checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from agents.models.config import ModelConfig
from agents.pretrain.model import OBJECTIVES, check_objectives
from agents.train.errors import TrainError


@dataclass
class PretrainConfig:
    """Settings of ``vln pretrain``."""

    objectives: tuple[str, ...] = OBJECTIVES
    """Objectives trained together (their losses summed with equal weights)."""
    suite: str = "small"
    """Suite whose ``train`` houses and episodes make the data."""
    views: int = 4000
    """Views sampled in the train houses (each with 3 captions and up to 6 questions)."""
    paths: int = 2000
    """Instruction–trajectory pairs drawn from the train episodes."""
    batch: int = 32
    """Views per step."""
    path_batch: int = 8
    """Instruction–trajectory pairs per step (6 views each)."""
    steps: int = 500
    """Optimiser steps (the default takes about 10 minutes on 2 CPU cores)."""
    budget_s: float | None = None
    """Stop after this many seconds of training (after a checkpointed step)."""
    lr: float = 3e-4
    """AdamW learning rate (constant after a linear warm-up of 5% of the steps)."""
    weight_decay: float = 0.01
    """AdamW weight decay on matrices and embeddings."""
    checkpoint_every: int = 100
    """Steps between checkpoints (and one at the end)."""
    seed: int = 0
    """Seed of the data, the initialisation, the batches, the masks and negatives."""
    phrasing: str = "any"
    """``any``, or ``trained``: captions name things with trained names only and the
    paths' instructions are said again in trained phrasing
    (:mod:`vlnenv.language.phrasing`), so pretraining leaves held-out words unseen."""
    device: str = "auto"
    """``auto`` (cuda when present, bf16 autocast), ``cpu`` or ``cuda``."""
    model: ModelConfig = field(default_factory=ModelConfig.default)
    """The encoders' config (the policy's: ``fusion`` picks single- or dual-stream)."""

    def __post_init__(self) -> None:
        self.objectives = check_objectives(self.objectives)
        for name in ("views", "paths", "batch", "path_batch", "steps", "checkpoint_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise TrainError(f"PretrainConfig.{name} must be a positive int, got {value!r}")
        if self.phrasing not in ("any", "trained", "held_out"):
            raise TrainError(f"PretrainConfig.phrasing must be any, trained or held_out, got "
                             f"{self.phrasing!r}")
        if self.budget_s is not None and self.budget_s <= 0:
            raise TrainError(f"PretrainConfig.budget_s must be > 0, got {self.budget_s!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        data = dataclasses.asdict(self)
        data["objectives"] = list(self.objectives)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PretrainConfig:
        """The config written by :meth:`to_dict`."""
        data = dict(data)
        model = ModelConfig.from_dict(data.pop("model"), "pretrain config model")
        return cls(**{**data, "objectives": tuple(data["objectives"]), "model": model})
