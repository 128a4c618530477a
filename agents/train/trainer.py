"""The imitation training loop shared by behaviour cloning and DAgger.

One step: the next ``(B, T)`` batch of every lane (:mod:`agents.train.data.batches`), a forward
pass through ``forward_sequence`` with the lanes' recurrent states carried over from the
previous chunk (truncated backpropagation through time), the action cross-entropy (plus
the weighted progress loss), backward (averaged across ranks by DDP), gradient clipping,
an AdamW step, a scheduler step and, with ``optim.ema``, the weights' moving average
(:mod:`agents.train.averaging`). Every ``eval.every`` steps rank 0 evaluates, keeps the
best checkpoint by ``eval.select`` success rate, and writes ``last``; with ``optim.ema`` it
evaluates and exports the averaged weights, and the trained ones as ``raw/``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from agents.evaluation.in_training import evaluate_model
from agents.models import (
    CELL_CLASSES,
    MultimodalTransformer,
    RecurrentState,
    autocast_context,
)
from agents.models.config import ModelConfig
from agents.train import distributed
from agents.train.averaging import (
    averaged_copy,
    averaged_model,
    averaged_state,
    load_averaged_state,
)
from agents.train.budget import fitted_steps, probe_window, recent_rate, refit_interval
from agents.train.checkpoint import (
    export_model,
    load_checkpoint,
    model_of,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from agents.train.config import TrainConfig
from agents.train.data.batches import SequenceLoader, batch_tensors
from agents.train.data.demo_set import DemoSet
from agents.train.data.suite_mix import mixed_houses
from agents.train.data.word_batch import WordBatches
from agents.train.distill import Teachers, distill_loss
from agents.train.errors import TrainError
from agents.train.initial_weights import load_init
from agents.train.losses import (
    GOAL_LOSSES,
    accuracy,
    action_loss,
    cell_loss,
    leg_loss,
    progress_loss,
    words_loss,
)
from agents.train.result import TrainResult
from agents.train.run_log import TB_KEYS, TRAIN_COLUMNS, RunLogger
from agents.train.schedule import refitted, schedule_of
from agents.train.sections import OptimConfig
from vlnenv.fileio import write_text_atomic
from vlnenv.suites.load import Suite, load_suite

#: Format tag of ``config.json``.
CONFIG_FORMAT = "vlnenv.TrainConfig"


#: Loss weight -> the model part its loss reads.
LOSS_PARTS = (("goal_weight", "goal"), ("cell_weight", "cells"), ("leg_weight", "track"),
              ("words_weight", "match"))


def check_loss_parts(optim: OptimConfig, model: ModelConfig) -> None:
    """Refuse a loss switched on (``optim.<weight> > 0``) for a model without the part it
    reads (:data:`LOSS_PARTS`); ``model`` is the config of the model trained (a DAgger
    run's comes from its checkpoint)."""
    for weight, part in LOSS_PARTS:
        value = getattr(optim, weight)
        if value > 0 and not model.has(part):
            raise TrainError(f"optim.{weight} = {value} needs a model with the {part} part "
                             f"(set model.{part}, or the weight to 0)")
    if model.memory is not None and model.memory.cue and optim.words_weight <= 0:
        raise TrainError(f"model.memory.cue = {model.memory.cue} needs optim.words_weight > 0 "
                         "(its cue reader learns from the word-reader loss)")


#: What :meth:`Trainer.train_step` returns that ``log.csv`` rows average over their window
#: (besides ``lr`` and ``grad_norm``, taken from the window's last step).
STEP_MEANS: tuple[str, ...] = ("loss", "loss_action", "loss_progress", "loss_goal", "loss_cell",
                               "loss_leg", "loss_words", "loss_distill", "accuracy")


class Trainer:
    """The model, optimiser, scheduler, data and books of one run.

    Args:
        config: the resolved config.
        ctx: this process's place in the run (:func:`agents.train.distributed.setup`).
        kind: ``bc`` or ``dagger`` (written into checkpoints and results).
        model: start from these weights (else fresh ones seeded with ``run.seed``).
    """

    def __init__(self, config: TrainConfig, ctx: distributed.Context, kind: str,
                 model: MultimodalTransformer | None = None) -> None:
        self.config, self.ctx, self.kind = config, ctx, kind
        self.out = Path(config.run.out)
        self.suite: Suite = load_suite(config.data.suite)
        self.extra_suites: list[Suite] = [load_suite(n) for n in config.data.extra_suites]
        self.model = (model or MultimodalTransformer(config.model, seed=config.run.seed))
        self.init_note: str | None = None  # the log line of init.path
        if config.init.path is not None and not config.run.resume:  # resumed: checkpoint
            if model is not None:
                raise TrainError(f"init.path = {config.init.path}: a {kind} run starts from "
                                 "the model it is given; expected init.path unset")
            self.init_note = load_init(self.model, config.init)
        self.model.to(ctx.device).train()
        self.teachers: Teachers | None = (  # distill.teachers, frozen
            Teachers.load(config.distill.teachers, self.model, config.distill.temperature)
            if config.distill.weight > 0 else None)
        self.net = distributed.wrap(distributed.SequenceModule(self.model), ctx)
        opt = config.optim
        self.optimizer = torch.optim.AdamW(self.model.optim_groups(opt.weight_decay), lr=opt.lr,
                                           betas=(opt.beta1, opt.beta2))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule_of(opt))
        self.average = averaged_copy(self.model, opt.ema)  # None: optim.ema = 0
        self.step = 0
        self.samples = 0
        self.elapsed_before = 0.0  # training seconds of earlier segments (resumed runs)
        self.best: dict[str, Any] = {"sr": None, "step": None}
        self.final_eval: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.loader: SequenceLoader | None = None
        self.lane_state: RecurrentState | None = None
        self.word_batches: WordBatches | None = None  # optim.words_batch's instructions
        self.logger = RunLogger(self.out, config.eval.splits, opt.max_steps, enabled=False,
                                verbose=ctx.main)  # messages only, until open_logs
        self.clock: Callable[[], float] = time.monotonic  # seconds; tests swap in a fake
        self._started = self.clock()
        check_loss_parts(opt, self.model.config)
        if config.data.route_parts and opt.leg_weight > 0 and "follow_route" in opt.leg_families:
            raise TrainError("data.route_parts cuts routes into parts, which have no legs to "
                             "point at: leave follow_route out of optim.leg_families, or set "
                             "optim.leg_weight = 0")
        missing = [s for s in (config.data.split, *config.eval.splits)
                   if s not in self.suite.splits]
        if missing:
            raise TrainError(f"suite {self.suite.name} has no split(s) {missing} (data.split, "
                             f"eval.splits); it has {list(self.suite.splits)}")
        for extra in self.extra_suites:
            if config.data.split not in extra.splits:
                raise TrainError(f"suite {extra.name} (data.extra_suites) has no split "
                                 f"{config.data.split!r} (data.split); it has "
                                 f"{list(extra.splits)}")

    # ------------------------------------------------------------------ set-up
    def open_logs(self) -> None:
        """Start (or, when resumed, continue) the log files and the bar."""
        run = self.config.run
        columns, tb_keys = self.log_columns(), dict(TB_KEYS)
        if "loss_leg" in columns:
            tb_keys["loss_leg"] = "losses/leg"
        if "loss_words" in columns:
            tb_keys["loss_words"] = "losses/words"
        if "loss_distill" in columns:
            tb_keys["loss_distill"] = "losses/distill"
        self.logger = RunLogger(self.out, self.config.eval.splits, self.config.optim.max_steps,
                                self.step, enabled=self.ctx.main, tensorboard=run.tensorboard,
                                progress_bar=run.progress_bar, columns=columns, tb_keys=tb_keys)
        self._write_config()

    def log_columns(self) -> tuple[str, ...]:
        """The training columns of ``log.csv``: ``loss_leg``, ``loss_words`` and
        ``loss_distill`` after ``loss_cell`` when the pointer, the word-reader or the
        distillation loss is on (so the logs of every other run keep their columns)."""
        opt = self.config.optim
        extra = (*(("loss_leg",) if opt.leg_weight > 0 else ()),
                 *(("loss_words",) if opt.words_weight > 0 else ()),
                 *(("loss_distill",) if self.teachers is not None else ()))
        at = TRAIN_COLUMNS.index("loss_cell") + 1
        return (*TRAIN_COLUMNS[:at], *extra, *TRAIN_COLUMNS[at:])

    def _write_config(self) -> None:
        """``config.json``: the resolved config (rank 0)."""
        if self.ctx.main:
            self.out.mkdir(parents=True, exist_ok=True)
            config = {"format": CONFIG_FORMAT, "kind": self.kind, "config": self.config_dict()}
            write_text_atomic(self.out / "config.json", json.dumps(config, indent=2) + "\n")

    def config_dict(self) -> dict[str, Any]:
        """The resolved config as a dict."""
        return self.config.to_dict()

    def set_data(self, demos: DemoSet) -> None:
        """Train on ``demos`` from now on (this rank's shard; lanes start afresh)."""
        data, opt = self.config.data, self.config.optim
        houses = mixed_houses(self.suite, self.extra_suites, (e.house for e in demos.episodes))
        self.close()
        self.loader = SequenceLoader(demos, houses, data.lanes, data.chunk,
                                     seed=self.config.run.seed, rank=self.ctx.rank,
                                     world=self.ctx.world, render_batch=data.render_batch,
                                     goal_targets=opt.goal_weight > 0,
                                     cell_targets=opt.cell_weight > 0,
                                     workers=data.loader_workers,
                                     goal_families=(None if opt.goal_families is None
                                                    else frozenset(opt.goal_families)),
                                     leg_len=(self.model.config.max_text_len
                                              if opt.leg_weight > 0 else 0),
                                     leg_families=frozenset(opt.leg_families),
                                     word_targets=opt.words_weight > 0,
                                     cue_targets=self.model.cue_head is not None)
        self.lane_state = self.model.initial_state(data.lanes)
        if self.teachers is not None:
            self.teachers.start(data.lanes)
        self.word_batches = None
        if opt.words_batch > 0:
            if self.ctx.world > 1:
                raise TrainError(f"optim.words_batch = {opt.words_batch}: one rank only "
                                 f"(this run has {self.ctx.world}); set it to 0")
            self.word_batches = WordBatches(demos.episodes, houses,
                                            self.model.instructions.encode,
                                            cue=self.model.cue_head is not None)

    def close(self) -> None:
        """Stop the data loader's rendering processes (if any)."""
        if self.loader is not None:
            self.loader.close()

    @property
    def evaluated(self) -> MultimodalTransformer:
        """The weights the run evaluates and exports: the moving average with
        ``optim.ema``, else the trained ones."""
        return self.model if self.average is None else averaged_model(self.average)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any] | None:
        """The checkpoint payload (on rank 0; ``None`` elsewhere). Every rank must call
        it: the ranks' data states are gathered."""
        assert self.loader is not None and self.lane_state is not None
        mine = {"loader": self.loader.state_dict(),
                "lane_state": self.lane_state.to("cpu").to_dict(),
                "rng": rng_state(self.ctx.device),
                **({} if self.teachers is None else {"teachers": self.teachers.state_dicts()})}
        ranks = distributed.gather(mine, self.ctx)
        if not self.ctx.main:
            return None
        return {
            "kind": self.kind,
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "model_config": self.model.config.to_dict(),
            "vocab": list(self.model.tokenizer.tokens),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "samples": self.samples,
            "elapsed_s": self.elapsed(),
            "best": dict(self.best),
            "ranks": ranks,
            "config": self.config_dict(),
            "extra": dict(self.extra),
            **({} if self.average is None else {"ema": averaged_state(self.average)}),
        }

    def save(self, best: bool = False) -> None:
        """Write ``last.pt`` and ``last/`` (and ``best.pt``, ``best/`` when ``best``), and
        with ``optim.ema`` the trained weights as ``raw/``."""
        payload = self.state_dict()
        if payload is None:
            return
        if self.average is not None:
            export_model(self.model, self.out / "raw", payload["config"])
        names = ["last", "best"] if best else ["last"]
        for name in reversed(names):  # last.pt last: its presence means all is written
            export_model(self.evaluated, self.out / name, payload["config"])
            save_checkpoint(self.out / f"{name}.pt", payload)

    def load(self, path: Path) -> None:
        """Continue from the checkpoint at ``path`` (data set with :meth:`set_data`
        first, as it was)."""
        assert self.loader is not None
        data = load_checkpoint(path)
        if data.get("kind") != self.kind:
            raise TrainError(f"{path}: a {data.get('kind')!r} checkpoint; expected {self.kind!r}")
        if len(data["ranks"]) != self.ctx.world:
            raise TrainError(f"{path}: written by {len(data['ranks'])} rank(s); resume it with "
                             f"as many (this run has {self.ctx.world})")
        self.model.load_state_dict(model_of(data, str(path)).state_dict())
        if self.average is not None:
            load_averaged_state(self.average, data.get("ema"), str(path))
        try:
            self.optimizer.load_state_dict(data["optimizer"])
            self.scheduler.load_state_dict(data["scheduler"])
            self.step, self.samples = int(data["step"]), int(data["samples"])
            self.elapsed_before = float(data["elapsed_s"])
            self.best = dict(data["best"])
            self.extra = dict(data.get("extra", {}))
            mine = data["ranks"][self.ctx.rank]
            self.loader.load_state_dict(mine["loader"])
            self.lane_state = self.model.load_state(mine["lane_state"],
                                                    str(path)).to(self.ctx.device)
            if self.teachers is not None:
                self.teachers.load_state_dicts(mine["teachers"], str(path))
            set_rng_state(mine["rng"], self.ctx.device)
        except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as err:
            raise TrainError(f"{path}: the training state does not load ({type(err).__name__}: "
                             f"{' '.join(str(err).split())[:200]}); expected a checkpoint "
                             "written by this trainer") from None

    def elapsed(self) -> float:
        """Training seconds so far, earlier segments included."""
        return self.elapsed_before + self.clock() - self._started

    # ------------------------------------------------------------------ one step
    def train_step(self) -> dict[str, float]:
        """One optimiser step; returns its losses, accuracy, learning rate and norm."""
        assert self.loader is not None and self.lane_state is not None
        opt = self.config.optim
        lr = self.optimizer.param_groups[0]["lr"]
        # ---- batch: the next T steps of every lane
        batch = self.loader.next_batch()
        b_ = batch_tensors(batch, self.model.instructions.encode, self.ctx.device)
        b_obs = {k: b_[k] for k in ("image", "direction", "carrying", "instruction", "gps")}
        b_valid = torch.ones_like(b_["done"])  # (B, T) every lane step is a demonstration step
        # ---- forward: the state carried in from the previous chunk, reset at episode starts
        with autocast_context(self.ctx.device):
            out = self.net(b_obs, self.lane_state, b_["done"],
                           track_weights=opt.leg_weight > 0)  # logits (B, T, A)
            loss_action = action_loss(out.logits, b_["labels"], b_valid)
            loss_progress = progress_loss(out.progress, b_["progress"], b_["progress_mask"])
            loss = loss_action + opt.progress_weight * loss_progress
            loss_goal = torch.zeros((), device=loss.device)
            if opt.goal_weight > 0:
                steps = None if opt.goal_families is None else b_["goal_mask"]  # (B, T)
                loss_goal = GOAL_LOSSES[opt.goal_loss](out.goal, b_["goal"], b_obs["image"],
                                                       steps)
                loss = loss + opt.goal_weight * loss_goal
            loss_cell = torch.zeros((), device=loss.device)
            if opt.cell_weight > 0:
                loss_cell = cell_loss(out.cells, b_["cells"], CELL_CLASSES)
                loss = loss + opt.cell_weight * loss_cell
            loss_leg = torch.zeros((), device=loss.device)
            if opt.leg_weight > 0:
                loss_leg = leg_loss(out.track, b_["leg"], b_["leg_mask"])
                loss = loss + opt.leg_weight * loss_leg
            loss_words = torch.zeros((), device=loss.device)
            if opt.words_weight > 0:
                loss_words = words_loss(out.match, b_["words"], out.cue)
                if self.word_batches is not None:
                    loss_words = loss_words + self._word_batch_loss(opt.words_batch)
                loss = loss + opt.words_weight * loss_words
            loss_distill = torch.zeros((), device=loss.device)
            if self.teachers is not None:
                teacher = self.teachers.log_probs(b_obs, b_["done"])  # (B, T, A)
                loss_distill = distill_loss(out.logits, teacher, b_valid,
                                            self.teachers.temperature)
                loss = loss + self.config.distill.weight * loss_distill
        # ---- backward (gradients averaged over ranks), clip, step
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = (float(nn.utils.clip_grad_norm_(self.model.parameters(), opt.grad_clip))
                     if opt.grad_clip > 0 else math.nan)
        self.optimizer.step()
        self.scheduler.step()
        if self.average is not None:
            self.average.update_parameters(self.model)
        self.lane_state = out.state.detach()  # truncated backpropagation
        self.step += 1
        self.samples += batch.samples * self.ctx.world
        return {"loss": float(loss.detach()), "loss_action": float(loss_action.detach()),
                "loss_progress": float(loss_progress.detach()),
                "loss_goal": float(loss_goal.detach()),
                "loss_cell": float(loss_cell.detach()),
                "loss_leg": float(loss_leg.detach()),
                "loss_words": float(loss_words.detach()),
                "loss_distill": float(loss_distill.detach()),
                "accuracy": float(accuracy(out.logits.detach(), b_["labels"], b_valid)),
                "lr": lr, "grad_norm": grad_norm}

    def _word_batch_loss(self, n: int) -> torch.Tensor:
        """The word-reader loss of ``n`` instructions drawn for this step, text only
        (:class:`~agents.train.data.word_batch.WordBatches`)."""
        assert self.word_batches is not None
        ids, targets = self.word_batches.sample(n, self.config.run.seed, self.ctx.rank,
                                                self.step)
        match, cue = self.model.read_words(torch.from_numpy(ids).to(self.ctx.device))
        targets_t = torch.from_numpy(targets).to(self.ctx.device)[:, None]  # (n, 1, 4)
        return words_loss(match[:, None], targets_t, None if cue is None else cue[:, None])

    # ------------------------------------------------------------------ the loop
    def fit(self, until: int, deadline: float | None = None, segment: bool = False) -> str:
        """Train until step ``until`` or the ``deadline`` (of :attr:`clock`); evaluate and
        checkpoint on the way. Returns ``max_steps`` or ``time_budget``. A ``segment``
        (a stretch between two refits of :meth:`fit_budget`) logs and evaluates as if it
        ran on to ``optim.max_steps``."""
        run, ev = self.config.run, self.config.eval
        window: list[dict[str, float]] = []
        window_start, window_samples = self.clock(), self.samples
        while self.step < until:
            if deadline is not None and distributed.any_across(self.clock() > deadline,
                                                               self.ctx):
                return "time_budget"
            window.append(self.train_step())
            self.logger.advance()
            end = self.config.optim.max_steps if segment else until
            # ---- log: means over the window, across ranks
            if self.step % run.log_every == 0 or self.step == end:
                now = self.clock()
                row = {k: distributed.mean_across(sum(w[k] for w in window) / len(window),
                                                  self.ctx)
                       for k in STEP_MEANS}
                row.update(step=self.step, lr=window[-1]["lr"], grad_norm=window[-1]["grad_norm"],
                           epoch=self.loader.epoch if self.loader else 0,
                           elapsed=round(self.elapsed(), 2))
                row["samples/s"] = (self.samples - window_samples) / max(now - window_start, 1e-9)
                self.logger.row(row)
                window, window_start, window_samples = [], now, self.samples
            # ---- evaluate, keep the best, checkpoint
            paused = self.clock()
            if ev.every > 0 and self.step % ev.every == 0 and self.step < end:
                self.evaluate_and_save()
            elif self.step % run.checkpoint_every == 0:
                self.save()
            window_start += self.clock() - paused  # samples/s counts training time only
        return "max_steps"

    def fit_budget(self, deadline: float) -> str:
        """Train until ``deadline``, the cosine fitted to it (:mod:`agents.train.budget`;
        ``optim.fit_budget``): time the warm-up and aim the cosine's end at the step that
        fits, then measure the pace again every few per cent of the budget and re-aim it.
        Returns ``max_steps`` (the schedule ended) or ``time_budget``. The config,
        scheduler and ``config.json`` hold every fit (``optim.refits``). A cap
        (``optim.max_steps``) that ends the run within the timed warm-up is kept: the
        plain cosine to it, nothing fitted."""
        opt = self.config.optim
        cap, budget = opt.max_steps, self.config.run.time_budget_s or deadline - self.clock()
        start, end = probe_window(opt.warmup_steps)
        if cap <= end:
            self.config = self.config.replace(optim=dataclasses.replace(opt, fit_budget=False))
            self._write_config()
            self.logger.message(f"{self.kind}: optim.max_steps = {cap} ends the run before its "
                                f"warm-up ({end} steps) is timed: the plain cosine to step "
                                f"{cap}, not fitted to the budget")
            return self.fit(cap, deadline)
        if self.step < end:
            if self.fit(start, deadline) == "time_budget":
                return "time_budget"
            marks = [(self.step, self.clock())]
            if self.fit(end, deadline) == "time_budget":
                return "time_budget"
            marks.append((self.step, self.clock()))
        else:  # resumed past the warm-up from a checkpoint written before the fit
            marks = [(0, self.clock() - self.elapsed()), (self.step, self.clock())]
        rate = recent_rate(marks)
        self.extra["fit_budget"] = {"timed_steps": [marks[0][0], self.step],
                                    "steps_per_s": round(rate, 3), "cap": cap, "refits": 0}
        while True:
            steps = fitted_steps(self.step, rate, deadline - self.clock(), cap)
            steps = int(distributed.broadcast(steps, self.ctx))  # every rank ends together
            self.set_max_steps(steps)
            self.extra["fit_budget"].update(max_steps=steps, final_steps_per_s=round(rate, 3),
                                            refits=len(self.config.optim.refits))
            if len(marks) == 2:
                self.logger.message(f"{self.kind}: {rate:.2f} steps/s over steps "
                                    f"{marks[0][0]}-{self.step}: the schedule ends at step "
                                    f"{steps} (cap {cap}); the pace is measured again as it "
                                    "runs")
            interval = int(distributed.broadcast(refit_interval(rate, budget), self.ctx))
            stopped_by = self.fit(min(steps, self.step + interval), deadline, segment=True)
            if stopped_by == "time_budget" or self.step >= steps:
                self.logger.message(f"{self.kind}: the schedule re-aimed "
                                    f"{len(self.config.optim.refits) - 1} time(s); it ends at "
                                    f"step {steps} ({rate:.2f} steps/s lately)")
                return stopped_by
            marks.append((self.step, self.clock()))
            rate = recent_rate(marks)

    def set_max_steps(self, steps: int) -> None:
        """End the cosine at ``steps`` from now on, continuing from the progress it has
        reached (:func:`agents.train.schedule.progress_at`). The config (saved with every
        checkpoint, and ``config.json``) records it in ``optim.refits`` with ``fit_budget``
        off, so it repeats the run without a budget."""
        opt = self.config.optim
        refits = refitted(self.step, opt.warmup_steps, opt.max_steps, opt.refits, steps)
        opt = dataclasses.replace(opt, max_steps=steps, fit_budget=False, refits=refits)
        self.config = self.config.replace(optim=opt)
        # LambdaLR keeps one multiplier per parameter group (decay, no decay)
        self.scheduler.lr_lambdas = [schedule_of(opt)] * len(self.optimizer.param_groups)
        self.logger.set_total(steps)
        self._write_config()

    def evaluate_and_save(self) -> None:
        """Evaluate (rank 0), update the best, and write the checkpoints."""
        is_best = False
        if self.ctx.main:
            ev = self.config.eval
            results = evaluate_model(self.evaluated, self.suite, ev.splits, ev.episodes, ev.batch,
                                     ev.seed, ev.families, ev.decoding)
            self.final_eval = results
            self.logger.evaluation(self.step, results)
            sr = results[ev.select]["sr"]
            is_best = self.best["sr"] is None or sr > self.best["sr"]
            if is_best:
                self.best = {"sr": sr, "step": self.step}
        is_best = bool(distributed.broadcast(is_best, self.ctx))
        self.best = distributed.broadcast(self.best, self.ctx)
        self.save(best=is_best)

    def result(self, stopped_by: str) -> TrainResult:
        """The run's :class:`TrainResult` (every rank must call it; rank 0 writes
        ``result.json``)."""
        digests = distributed.gather(distributed.weights_digest(self.model), self.ctx)
        has_best = self.best["step"] is not None
        out = self.out
        result = TrainResult(
            kind=self.kind, out=str(out), steps=self.step, samples=self.samples,
            elapsed_s=round(self.elapsed(), 3), stopped_by=stopped_by,
            best_step=self.best["step"], best_sr=self.best["sr"], final_eval=self.final_eval,
            last_checkpoint=str(out / "last.pt"),
            best_checkpoint=str(out / "best.pt") if has_best else None,
            last_model=str(out / "last"), best_model=str(out / "best") if has_best else None,
            log=str(out / "log.csv"), evals=str(out / "evals.jsonl"), weight_digests=digests,
            extra=dict(self.extra), config=self.config_dict())
        if self.ctx.main:
            write_text_atomic(out / "result.json",
                              json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        return result
