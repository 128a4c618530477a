"""Recurrent PPO for the multimodal policy on the batched environment.

One update (read top-down, as cleanrl's ``ppo_atari_lstm.py``):

1. **roll out** ``ppo.rollout`` steps of every lane (:class:`agents.rl.rollout.Lanes`),
   actions sampled from the policy, the recurrent state carried and reset at episode
   starts (and, for a model that reads instructions part by part, at each new part: the
   stops that ended a part are kept as stop rows, :class:`agents.rl.rollout.StopRows`);
2. **advantages** by GAE (:func:`agents.rl.gae.gae`; a stop row's from the row it led
   to, :func:`agents.rl.gae.stop_targets`);
3. **optimise** ``ppo.epochs`` passes, each over ``ppo.minibatches`` minibatches of
   whole lane sequences replayed with ``forward_sequence`` from the state the lane
   carried in (and the lanes' stop rows, each one step from the state it read):
   clipped policy loss on normalised advantages, clipped value loss, entropy bonus, and
   with ``ppo.kl_coef`` the KL towards the initial policy, all over the rows and the stop
   rows together; every head stays trainable. The first ``ppo.value_warmup_updates``
   updates step the value head alone.
   Gradients are clipped and, under ``torchrun``, averaged across ranks (each rank plays
   its own lanes);
4. **schedule** step (warm-up then cosine, :func:`agents.train.schedule.lr_factor`);
   every ``eval.every`` updates rank 0 evaluates on ``env.suite`` (the benchmark's
   loop, :func:`agents.evaluation.in_training.evaluate_model`) and keeps the best; checkpoints
   (``last.pt``, ``best.pt``, and the ``last/``, ``best/`` model folders for
   ``vln benchmark --policy``) are written atomically and ``--resume`` continues
   exactly (weights, optimiser, generators, lanes: bit-identical to an uninterrupted run
   on the CPU).
"""

from __future__ import annotations

import copy
import json
import math
import time
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from agents.models import MultimodalTransformer, autocast_context
from agents.rl.config import RLConfig
from agents.rl.gae import gae, stop_targets
from agents.rl.losses import (
    clipped_policy_loss,
    clipped_value_loss,
    entropy,
    kl_to_reference,
    normalise,
)
from agents.rl.rollout import Episodes, Lanes, Rollout, StopRows, make_env
from agents.train import distributed
from agents.train.checkpoint import (
    export_model,
    load_checkpoint,
    model_of,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from agents.train.distributed import SequenceModule
from agents.train.errors import TrainError
from agents.train.run_log import RunLogger
from agents.train.schedule import lr_factor
from agents.train.trainer import CONFIG_FORMAT, Trainer
from vlnenv.actions import Action
from vlnenv.fileio import write_text_atomic
from vlnenv.suites.load import load_suite
from vlnenv.vector import BatchedGridHouseEnv

KIND = "ppo"
#: ``log.csv`` columns of a PPO run (before the ``sr_<split>`` of the evaluations).
PPO_COLUMNS: tuple[str, ...] = (
    "step", "frames", "return", "sr_train", "episode_length", "episodes", "loss",
    "loss_policy", "loss_value", "entropy", "kl_init", "approx_kl", "clipfrac",
    "explained_var", "lr", "grad_norm", "frames/s", "elapsed")
#: ``log.csv`` column -> TensorBoard key.
PPO_TB_KEYS: dict[str, str] = {
    "return": "charts/episodic_return", "sr_train": "charts/success_rate",
    "episode_length": "charts/episodic_length", "loss": "losses/total",
    "loss_policy": "losses/policy_loss", "loss_value": "losses/value_loss",
    "entropy": "losses/entropy", "kl_init": "losses/kl_init", "approx_kl": "losses/approx_kl",
    "clipfrac": "losses/clipfrac", "explained_var": "losses/explained_variance",
    "lr": "charts/learning_rate", "grad_norm": "charts/grad_norm",
    "frames/s": "charts/SPS"}


class Rows(NamedTuple):
    """``R`` rows of a minibatch as the losses read them: the acting policy's, the new
    policy's and the reference's numbers for each (a lane step or a stop row)."""

    logits: Tensor
    """``(R, A)`` the new policy's logits."""
    new_logp: Tensor
    """``(R,)`` the new policy's log-probability of the action taken."""
    new_value: Tensor
    """``(R,)`` the new value estimate."""
    old_logp: Tensor
    """``(R,)`` the acting policy's log-probability of it."""
    old_value: Tensor
    """``(R,)`` the acting policy's value estimate."""
    adv: Tensor
    """``(R,)`` advantages."""
    ret: Tensor
    """``(R,)`` returns."""
    ref: Tensor | None
    """``(R, A)`` the initial policy's logits (with ``ppo.kl_coef``), else ``None``."""

    def cat(self, other: Rows) -> Rows:
        """These rows, then ``other``'s."""
        return Rows(*(None if a is None or b is None else torch.cat([a, b])
                      for a, b in zip(self, other, strict=True)))


def explained_variance(values: Tensor, returns: Tensor) -> float:
    """``1 - Var(R - V) / Var(R)`` (nan when the returns do not vary)."""
    var = returns.var()
    return math.nan if var == 0 else float(1 - (returns - values).var() / var)


class PPOTrainer:
    """The model, optimiser, schedule, lanes and books of one PPO run.

    Args:
        config: the resolved config.
        ctx: this process's place in the run.
        model: the starting weights (else fresh ones seeded with ``run.seed``).
        env: the environment to play (else :func:`agents.rl.rollout.make_env`).
    """

    def __init__(self, config: RLConfig, ctx: distributed.Context,
                 model: MultimodalTransformer | None = None,
                 env: BatchedGridHouseEnv | None = None) -> None:
        self.config, self.ctx = config, ctx
        ppo, run = config.ppo, config.run
        self.out = Path(run.out)
        self.suite = load_suite(config.env.suite)
        missing = [s for s in config.eval.splits if s not in self.suite.splits]
        if missing:
            raise TrainError(f"suite {self.suite.name} has no split(s) {missing} (eval.splits);"
                             f" it has {list(self.suite.splits)}")
        self.model = model or MultimodalTransformer(config.model, seed=run.seed)
        self.model.to(ctx.device).train()
        self.reference = (copy.deepcopy(self.model).eval().requires_grad_(False)
                          if ppo.kl_coef > 0 else None)
        self.net = distributed.wrap(SequenceModule(self.model), ctx)
        self.optimizer = torch.optim.AdamW(self.model.optim_groups(ppo.weight_decay),
                                           lr=ppo.lr, eps=1e-5)
        lanes = config.env.lanes
        self.frames_per_update = lanes * ppo.rollout * ctx.world
        self.updates = max(1, ppo.total_frames // self.frames_per_update)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, partial(
            lr_factor, warmup_steps=ppo.warmup_updates, max_steps=self.updates,
            min_ratio=ppo.min_lr_ratio))
        env = env or make_env(config.env, self.suite, lanes)
        self.lanes = Lanes(env, self.model, seed=run.seed * 1_000_003 + ctx.rank * lanes)
        self.ref_state = (None if self.reference is None
                          else self.reference.initial_state(lanes))
        self.gen = torch.Generator().manual_seed(
            int(np.random.SeedSequence([ppo.sample_seed, run.seed, ctx.rank])
                .generate_state(1)[0]))
        self.step = 0
        self.frames = 0
        self.elapsed_before = 0.0
        self.best: dict[str, Any] = {"sr": None, "step": None}
        self.final_eval: dict[str, Any] = {}
        self.logger = RunLogger(self.out, config.eval.splits, self.updates, enabled=False,
                                verbose=ctx.main)
        self.clock = time.monotonic
        self._started = self.clock()

    # ------------------------------------------------------------------ set-up
    def open_logs(self) -> None:
        """Start (or continue) ``log.csv``, ``evals.jsonl``, TensorBoard and the bar, and
        write ``config.json``."""
        run = self.config.run
        self.logger = RunLogger(self.out, self.config.eval.splits, self.updates, self.step,
                                enabled=self.ctx.main, tensorboard=run.tensorboard,
                                progress_bar=run.progress_bar, columns=PPO_COLUMNS,
                                tb_keys=PPO_TB_KEYS, postfix=("frames/s", "return", "sr_train"),
                                unit="update")
        if self.ctx.main:
            self.out.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.out / "config.json", json.dumps(
                {"format": CONFIG_FORMAT, "kind": KIND, "config": self.config.to_dict()},
                indent=2) + "\n")

    def elapsed(self) -> float:
        """Training seconds so far, earlier segments included."""
        return self.elapsed_before + self.clock() - self._started

    # ------------------------------------------------------------------ one update
    def update(self) -> dict[str, float]:
        """Roll out, compute advantages, optimise; returns the update's statistics."""
        ppo, device = self.config.ppo, self.ctx.device
        lr = self.optimizer.param_groups[0]["lr"]
        # ---- roll out N lanes for T steps
        b, ended = self.lanes.collect(self.model, ppo.rollout, self.gen)
        # ---- advantages and returns, (T, N)
        b_adv, b_ret = gae(b.rewards, b.values, b.starts, b.last_value, b.last_start,
                           ppo.gamma, ppo.gae_lambda)
        stops = b.stops
        if stops is not None:  # (M,) each
            s_adv, s_ret = stop_targets(b_ret, stops.step, stops.lane, stops.values)
        b_ref = self._reference_logits(b)  # (T, N, A) or None
        s_ref = self._reference_stop_logits(stops)  # (M, A) or None
        # ---- optimise: epochs x minibatches of whole lane sequences
        warmup = self.step < ppo.value_warmup_updates
        N = b.actions.shape[1]
        stats: dict[str, list[float]] = {k: [] for k in (
            "loss", "loss_policy", "loss_value", "entropy", "kl_init", "approx_kl",
            "clipfrac", "grad_norm")}
        for _ in range(ppo.epochs):
            order = torch.randperm(N, generator=self.gen)  # (N,)
            for mb in order.chunk(ppo.minibatches):
                x = self._sequence_rows(b, mb, b_adv, b_ret, b_ref)  # (n*T rows)
                picked = None if stops is None else stops.rows_of(mb)  # (m,)
                if picked is not None and len(picked):  # and the lanes' stop rows
                    x = x.cat(self._stop_rows(stops.select(picked), s_adv[picked],
                                              s_ret[picked],
                                              None if s_ref is None else s_ref[picked]))
                adv = normalise(x.adv) if ppo.norm_adv else x.adv
                loss_policy = clipped_policy_loss(x.new_logp, x.old_logp, adv, ppo.clip)
                loss_value = clipped_value_loss(x.new_value, x.old_value, x.ret,
                                                ppo.value_clip)
                ent = entropy(x.logits)
                kl_init = (torch.zeros((), device=device) if x.ref is None else
                           kl_to_reference(x.logits, x.ref))
                loss = (ppo.vf_coef * loss_value if warmup else
                        loss_policy - ppo.ent_coef * ent + ppo.vf_coef * loss_value
                        + ppo.kl_coef * kl_init)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                params = self._trained_params(warmup)
                grad_norm = (float(nn.utils.clip_grad_norm_(params, ppo.grad_clip))
                             if ppo.grad_clip > 0 else math.nan)
                self.optimizer.step()
                with torch.no_grad():
                    log_ratio = x.new_logp - x.old_logp  # (n*T + m,)
                    approx_kl = float(((log_ratio.exp() - 1) - log_ratio).mean())
                    clipfrac = float(((log_ratio.exp() - 1).abs() > ppo.clip).float().mean())
                for key, value in (("loss", loss), ("loss_policy", loss_policy),
                                   ("loss_value", loss_value), ("entropy", ent),
                                   ("kl_init", kl_init)):
                    stats[key].append(float(value.detach()))
                stats["approx_kl"].append(approx_kl)
                stats["clipfrac"].append(clipfrac)
                stats["grad_norm"].append(grad_norm)
        self.scheduler.step()
        self.step += 1
        self.frames += self.frames_per_update
        row = {k: float(np.mean(v)) for k, v in stats.items()}
        row.update(self._episode_stats(ended))
        row.update(lr=lr, explained_var=explained_variance(b.values.flatten(),
                                                           b_ret.flatten()))
        return row

    def _sequence_rows(self, b: Rollout, mb: Tensor, adv: Tensor, ret: Tensor,
                       ref: Tensor | None) -> Rows:
        """The rows of lanes ``mb``: their sequences replayed with ``forward_sequence``
        from the state each lane carried in (``adv``, ``ret`` ``(T, N)``; ``ref``
        ``(T, N, A)`` or ``None``)."""
        device = self.ctx.device
        with autocast_context(device):
            out = self.net(b.lanes(mb), b.state0.select(mb).to(device),
                           b.resets[:, mb].T.to(device))
        logits = out.logits.float().flatten(0, 1)  # (n*T, A)
        actions = b.actions[:, mb].T.reshape(-1, 1).to(device)  # (n*T, 1)

        def rows(x: Tensor) -> Tensor:  # (T, N, ...) -> (n*T, ...) lane by lane
            return x[:, mb].transpose(0, 1).flatten(0, 1).to(device)

        return Rows(logits, torch.log_softmax(logits, dim=-1).gather(-1, actions)[:, 0],
                    out.value.float().reshape(-1), rows(b.logp), rows(b.values), rows(adv),
                    rows(ret), None if ref is None else rows(ref))

    def _stop_rows(self, stops: StopRows, adv: Tensor, ret: Tensor,
                   ref: Tensor | None) -> Rows:
        """The part-ending stops ``stops``, each replayed one step from the state it read
        (``adv``, ``ret`` ``(m,)``: :func:`agents.rl.gae.stop_targets`; ``ref`` ``(m, A)``
        or ``None``)."""
        device = self.ctx.device
        with autocast_context(device):
            out = self.model(stops.obs, stops.state.to(device))
        logits = out.logits.float()  # (m, A)
        return Rows(logits, torch.log_softmax(logits, dim=-1)[:, int(Action.STOP)],
                    out.value.float(), stops.logp.to(device), stops.values.to(device),
                    adv.to(device), ret.to(device), None if ref is None else ref.to(device))

    def _trained_params(self, warmup: bool) -> list[nn.Parameter]:
        """The parameters this step changes: all (every head trainable), or during the
        value warm-up the value head alone (the others' gradients are dropped, so AdamW
        leaves them untouched)."""
        if not warmup:
            return [p for p in self.model.parameters() if p.grad is not None]
        keep = {id(p) for p in self.model.value_head.parameters()}
        for p in self.model.parameters():
            if id(p) not in keep:
                p.grad = None
        return list(self.model.value_head.parameters())

    def _reference_logits(self, b: Rollout) -> Tensor | None:
        """``(T, N, A)`` logits of the initial policy on the roll-out (its own recurrent
        state carried across roll-outs as the policy's is), or ``None`` without
        ``ppo.kl_coef``."""
        if self.reference is None:
            return None
        device = self.ctx.device
        index = torch.arange(b.actions.shape[1])
        with torch.no_grad(), autocast_context(device):
            out = self.reference.forward_sequence(b.lanes(index), self.ref_state.to(device),
                                                  b.resets.T.to(device))
        self.ref_state = out.state.float()
        return out.logits.float().transpose(0, 1).cpu()  # (T, N, A)

    def _reference_stop_logits(self, stops: StopRows | None) -> Tensor | None:
        """``(M, A)`` logits of the initial policy at the stop rows, each one step from the
        state the acting policy read there (the reference's own state at that step is not
        kept: this is the KL of the step, given the state), or ``None`` without
        ``ppo.kl_coef`` or stop rows."""
        if self.reference is None or stops is None:
            return None
        device = self.ctx.device
        with torch.no_grad(), autocast_context(device):
            out = self.reference(stops.obs, stops.state.to(device))
        return out.logits.float().cpu()

    def _episode_stats(self, ended: Episodes) -> dict[str, float | None]:
        """Mean return, success rate and length of the episodes that ended (all ranks)."""
        counts = distributed.gather((sum(ended.returns), sum(ended.successes),
                                     sum(ended.lengths), len(ended.returns)), self.ctx)
        total = [sum(c[i] for c in counts) for i in range(4)]
        if total[3] == 0:
            return {"episodes": 0}
        return {"return": total[0] / total[3], "sr_train": total[1] / total[3],
                "episode_length": total[2] / total[3], "episodes": total[3]}

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any] | None:
        """The checkpoint payload (on rank 0; ``None`` elsewhere). Every rank calls it:
        the ranks' lanes and generators are gathered."""
        mine = {"lanes": self.lanes.state_dict(), "gen": self.gen.get_state(),
                "rng": rng_state(self.ctx.device),
                "ref_state": (None if self.ref_state is None
                              else self.ref_state.to("cpu").to_dict())}
        ranks = distributed.gather(mine, self.ctx)
        if not self.ctx.main:
            return None
        return {
            "kind": KIND,
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "model_config": self.model.config.to_dict(),
            "vocab": list(self.model.tokenizer.tokens),
            "reference": (None if self.reference is None else
                          {k: v.cpu() for k, v in self.reference.state_dict().items()}),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step, "samples": self.frames, "elapsed_s": self.elapsed(),
            "best": dict(self.best), "ranks": ranks, "config": self.config.to_dict(),
            "extra": {},
        }

    def save(self, best: bool = False) -> None:
        """Write ``last.pt`` and ``last/`` (and ``best.pt``, ``best/`` when ``best``)."""
        payload = self.state_dict()
        if payload is None:
            return
        for name in (["best", "last"] if best else ["last"]):  # last.pt last
            export_model(self.model, self.out / name, payload["config"])
            save_checkpoint(self.out / f"{name}.pt", payload)

    def load(self, path: Path) -> None:
        """Continue exactly from the checkpoint at ``path``.

        Raises:
            TrainError: not a PPO checkpoint, or written by another number of ranks.
        """
        data = load_checkpoint(path)
        if data.get("kind") != KIND:
            raise TrainError(f"{path}: a {data.get('kind')!r} checkpoint; expected {KIND!r}")
        if len(data["ranks"]) != self.ctx.world:
            raise TrainError(f"{path}: written by {len(data['ranks'])} rank(s); resume it with "
                             f"as many (this run has {self.ctx.world})")
        self.model.load_state_dict(model_of(data, str(path)).state_dict())
        if self.reference is not None:
            self.reference.load_state_dict(data["reference"])
        self.optimizer.load_state_dict(data["optimizer"])
        self.scheduler.load_state_dict(data["scheduler"])
        self.step, self.frames = int(data["step"]), int(data["samples"])
        self.elapsed_before = float(data["elapsed_s"])
        self.best = dict(data["best"])
        mine = data["ranks"][self.ctx.rank]
        self.lanes.load_state_dict(mine["lanes"])
        self.gen.set_state(mine["gen"])
        set_rng_state(mine["rng"], self.ctx.device)
        if self.ref_state is not None:
            self.ref_state = self.reference.load_state(
                mine["ref_state"], "ref_state").to(self.ctx.device)

    # evaluate (rank 0) on ``env.suite``, update the best, write the checkpoints: the
    # imitation trainer's own step (the same books: model, suite, eval, best, save)
    evaluate_and_save = Trainer.evaluate_and_save

    @property
    def evaluated(self) -> MultimodalTransformer:
        """The weights evaluated (by :meth:`evaluate_and_save`) and exported: the trained
        ones (PPO keeps no moving average)."""
        return self.model

    # the run's result (every rank calls it; rank 0 writes ``result.json``): the imitation
    # trainer's own, over the attributes below (samples = frames)
    result = Trainer.result
    kind = KIND

    @property
    def samples(self) -> int:
        """Environment frames so far (a result's ``samples``)."""
        return self.frames

    @property
    def extra(self) -> dict[str, int]:
        """What a result records beside the config."""
        return {"frames_per_update": self.frames_per_update, "updates": self.updates}

    def config_dict(self) -> dict[str, Any]:
        """The resolved config as a dict."""
        return self.config.to_dict()

    # ------------------------------------------------------------------ the loop
    def fit(self, deadline: float | None = None, stop_after: int | None = None) -> str:
        """Update until the last update, the deadline (``time.monotonic``), or
        ``stop_after`` updates in all (an interruption, for tests); returns why it
        stopped."""
        run, ev = self.config.run, self.config.eval
        end = self.updates if stop_after is None else min(self.updates, stop_after)
        while self.step < end:
            if deadline is not None and distributed.any_across(time.monotonic() >= deadline,
                                                               self.ctx):
                return "time_budget"
            t0 = self.clock()
            row = self.update()
            self.logger.advance()
            if self.step % run.log_every == 0 or self.step == end:
                seconds = max(self.clock() - t0, 1e-9)
                self.logger.row({"step": self.step, "frames": self.frames,
                                 "frames/s": self.frames_per_update / seconds,
                                 "elapsed": round(self.elapsed(), 1), **row})
            if ev.every and self.step % ev.every == 0 and self.step < self.updates:
                self.evaluate_and_save()
            elif self.step % run.checkpoint_every == 0:
                self.save()
        return "max_steps" if self.step >= self.updates else "interrupted"
