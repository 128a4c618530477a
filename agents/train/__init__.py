"""agents.train: demonstrations, behaviour cloning, DAgger, checkpoints and data-parallel
training for the multimodal policy.

Python API (imported lazily, so ``import agents.train`` costs nothing)::

    from agents.train import TrainConfig, train_bc, train_dagger
    result = train_bc(TrainConfig())  # -> TrainResult: checkpoints, model folders, logs

Command line: ``vln train bc|dagger|demos`` (``python -m agents.train`` is the same, for
``torchrun``). See ``docs/training.md`` (reference) and ``docs/experiments/`` (studies).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "TrainConfig": "agents.train.config",
    "DataConfig": "agents.train.sections",
    "OptimConfig": "agents.train.sections",
    "EvalConfig": "agents.train.sections",
    "RunConfig": "agents.train.sections",
    "DaggerConfig": "agents.train.sections",
    "resolve_config": "agents.train.config",
    "TrainError": "agents.train.errors",
    "TrainResult": "agents.train.result",
    "train_bc": "agents.train.bc",
    "train_dagger": "agents.train.dagger",
    "DemoSet": "agents.train.data.demo_set",
    "generate_demos": "agents.train.data.demos",
    "load_demos": "agents.train.data.demo_set",
    "load_model": "agents.train.checkpoint",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agents.train' has no attribute {name!r}")
