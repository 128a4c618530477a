"""A PPO run: :func:`train_ppo` prepares the run folder and config (fresh, from
``ppo.init``, or resumed), trains a :class:`~agents.rl.ppo.PPOTrainer` to the end, the
time budget or ``stop_after``, and writes the last checkpoint and the final evaluation.
``vln train ppo`` calls it (:mod:`agents.commands.train`)."""

from __future__ import annotations

import time

from agents.models import MultimodalTransformer
from agents.rl.config import RLConfig
from agents.rl.ppo import PPOTrainer
from agents.train import distributed
from agents.train.bc import configure_torch
from agents.train.checkpoint import load_model
from agents.train.result import TrainResult
from agents.train.resume import prepare_run, run_folder
from vlnenv.vector import BatchedGridHouseEnv


def ppo_config(config: RLConfig
               ) -> tuple[RLConfig, MultimodalTransformer | None, list[str]]:
    """The config to run, the starting model and lines for the log: on resume the
    checkpoint's config (and model, reloaded by :meth:`PPOTrainer.load`); from
    ``ppo.init`` its model, whose config replaces ``model``; else fresh weights.

    Raises:
        TrainError: see :func:`agents.train.resume.prepare_run`; nothing loadable at
            ``ppo.init``.
    """
    if config.run.resume:
        config, notes = prepare_run(config)  # type: ignore[arg-type]
        return config, None, notes  # type: ignore[return-value]
    model = None
    if config.ppo.init:
        model = load_model(config.ppo.init).train()
        config = config.replace(model=model.config)
    config, notes = prepare_run(config)  # type: ignore[arg-type]
    return config, model, notes  # type: ignore[return-value]


def train_ppo(config: RLConfig, stop_after: int | None = None,
              env: BatchedGridHouseEnv | None = None) -> TrainResult:
    """A PPO run (see the module docstring).

    Args:
        config: the resolved config (``run.resume``: continue ``run.out/last.pt``).
        stop_after: stop once this many updates are done in all, as an interruption would
            (checkpoint written, no final evaluation); ``None``: run to the end.
        env: play this environment instead of the config's (tests).

    Returns:
        The run's result: checkpoints, model folders, logs, final evaluation.
    """
    force = config.run.force and not config.run.resume  # prepare_run drops it
    config, model, notes = ppo_config(config)
    ctx = distributed.setup(config.run.device)
    try:
        with run_folder(config.run.out, force, ctx.main):
            configure_torch(config, ctx)  # type: ignore[arg-type]  # reads config.run only
            trainer = PPOTrainer(config, ctx, model, env)
            deadline = (time.monotonic() + config.run.time_budget_s
                        if config.run.time_budget_s else None)
            if config.run.resume:
                trainer.load(trainer.out / "last.pt")
            trainer.open_logs()
            for note in notes:
                trainer.logger.message(note)
            trainer.logger.message(
                f"ppo: {config.env.lanes} lanes x {ctx.world} rank(s) on {ctx.device}, "
                f"{trainer.updates} updates of {trainer.frames_per_update} frames, "
                f"{trainer.model.num_parameters():,} parameters, from update {trainer.step}")
            stopped_by = trainer.fit(deadline, stop_after)
            if stopped_by == "interrupted":
                trainer.save()
            else:
                trainer.evaluate_and_save()
            result = trainer.result(stopped_by)
            trainer.logger.close()
            return result
    finally:
        distributed.teardown(ctx)
