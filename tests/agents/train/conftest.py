"""Fixtures of the training tests: one torch thread, a tiny model, demonstrations of the
tiny suite made once per session, and one short behaviour-cloning run shared by the
tests that need a trained checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from helpers import TINY_MODEL, one_thread  # noqa: F401 - the autouse fixture

from agents.train.config import TrainConfig, resolve_config


@pytest.fixture(scope="session")
def demos_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the tiny suite's demonstrations are generated into (once)."""
    return tmp_path_factory.mktemp("demos")


def tiny_overrides(out: Path, demos_dir: Path) -> list[str]:
    """Overrides of a fast run on the tiny suite."""
    return [*TINY_MODEL, "data.suite=tiny", f"data.demos_dir={demos_dir}",
            "data.lanes=4", "data.chunk=8", "data.render_batch=8", "optim.warmup_steps=2",
            "optim.max_steps=40", "optim.lr=3e-3", "eval.every=0", "eval.episodes=3",
            "eval.batch=3", "run.log_every=5", "run.checkpoint_every=10",
            "run.progress_bar=false", f"run.out={out}"]


@pytest.fixture
def overrides() -> Callable[[Path, Path], list[str]]:
    """``overrides(out, demos_dir)``: the overrides of a fast tiny-suite run."""
    return tiny_overrides


@pytest.fixture
def tiny_config(tmp_path: Path, demos_dir: Path) -> Callable[..., TrainConfig]:
    """``tiny_config(*overrides)``: a fast tiny-suite config writing under ``tmp_path``."""

    def make(*overrides: str) -> TrainConfig:
        return resolve_config(None, tiny_overrides(tmp_path / "run", demos_dir) + list(overrides))

    return make


@pytest.fixture(scope="session")
def bc_run(tmp_path_factory: pytest.TempPathFactory, demos_dir: Path):
    """One behaviour-cloning run of 40 steps on the tiny suite (its ``TrainResult``)."""
    from agents.train.bc import train_bc

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = tmp_path_factory.mktemp("bc") / "run"
        return train_bc(resolve_config(None, tiny_overrides(out, demos_dir)))
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def resumed_pair(tiny_config: Callable[..., TrainConfig], tmp_path: Path):
    """``resumed_pair(*settings)``: the ``last.pt`` contents of a 12-step run with
    ``settings`` (a constant learning rate, deterministic algorithms) under ``tmp_path / "w"``,
    and of the same run stopped at step 8 and resumed to 12 under ``tmp_path / "b"``."""
    from agents.train.bc import train_bc
    from agents.train.checkpoint import load_checkpoint

    def make(*settings: str) -> tuple[dict, dict]:
        flat = ("optim.min_lr_ratio=1.0", "run.deterministic=true", *settings)
        whole = train_bc(tiny_config(*flat, "optim.max_steps=12", f"run.out={tmp_path / 'w'}"))
        train_bc(tiny_config(*flat, "optim.max_steps=8", f"run.out={tmp_path / 'b'}"))
        broken = train_bc(tiny_config(*flat, "optim.max_steps=12", f"run.out={tmp_path / 'b'}",
                                      "run.resume=true"))
        return (load_checkpoint(Path(whole.out) / "last.pt"),
                load_checkpoint(Path(broken.out) / "last.pt"))

    return make
