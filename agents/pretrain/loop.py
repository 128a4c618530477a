"""The pretraining loop: data from the suite's ``train`` split, every chosen objective's
loss summed each step, a progress bar, ``log.csv`` (and TensorBoard scalars under ``tb/``
when tensorboard is installed), and atomic checkpoints from which
``--resume`` continues exactly (batch ``t`` is drawn from seed ``(seed, t)``).

Under ``torchrun --nproc_per_node=K -m agents.cli pretrain ...`` every rank draws its own
batches (seed ``(seed, t, rank)``) and ``DistributedDataParallel`` averages the gradients;
rank 0 logs and writes checkpoints."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from agents.models.device import autocast_context
from agents.models.errors import ModelError
from agents.models.model_folder import load_torch, save_torch_atomic, write_checkpoint
from agents.models.policy import MultimodalTransformer
from agents.pretrain.config import PretrainConfig
from agents.pretrain.data import build_data, sample_batch
from agents.pretrain.model import OBJECTIVES, PretrainModel
from agents.train import distributed
from agents.train.errors import TrainError
from vlnenv.language.vocab import Tokenizer
from vlnenv.suites.load import load_suite

FORMAT = "vlnenv.PretrainCheckpoint"
CHECKPOINT = "last.pt"
#: The encoders alone, in the ``save_pretrained`` folder format (text.*, vision.*, fusion.*).
ENCODERS = "encoders"
LOG = "log.csv"
COLUMNS: tuple[str, ...] = ("step", "loss", *OBJECTIVES, "elapsed_s")


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A pretraining checkpoint, read with ``weights_only=True``.

    Raises:
        TrainError: missing, unreadable or of another format.
    """
    try:
        data = load_torch(path)
    except ModelError as err:
        raise TrainError(f"{path}: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TrainError(f"{path}: not a pretraining checkpoint ({FORMAT!r})")
    return data


def _model_and_optimiser(cfg: PretrainConfig, device: torch.device
                         ) -> tuple[PretrainModel, torch.optim.Optimizer, Any]:
    model = PretrainModel(cfg.model, seed=cfg.seed).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=cfg.lr)
    warm = max(1, cfg.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))
    return model, opt, sched


def _keep_rows(path: Path, last_step: int) -> None:
    """Drop ``log.csv`` rows after ``last_step`` (rows of a run that did not checkpoint)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    kept = [rows[0]] + [r for r in rows[1:] if int(r[0]) <= last_step]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(kept)


def tensorboard_writer(out: Path, start_step: int) -> Any:
    """A TensorBoard writer into ``out/tb`` (events after ``start_step`` dropped on resume),
    or ``None`` when the optional tensorboard package is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(out / "tb"), purge_step=start_step or None)


def save(out: Path, model: PretrainModel, opt: Any, sched: Any, cfg: PretrainConfig,
         step: int, elapsed: float) -> None:
    """Write ``last.pt`` (everything to resume) and ``encoders/`` atomically."""
    tok = Tokenizer()
    save_torch_atomic({"format": FORMAT, "version": 1, "model": model.state_dict(),
                       "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                       "step": step, "elapsed_s": elapsed, "config": cfg.to_dict(),
                       "vocab": list(tok.tokens)}, out / CHECKPOINT)
    write_checkpoint(out / ENCODERS, cfg.model, model.encoder_state(), tok)


def pretrain(cfg: PretrainConfig, out: str | Path, resume: bool = False,
             progress: bool = True) -> dict[str, float]:
    """Run (or with ``resume`` continue) a pretraining run into ``out``.

    Returns:
        The last step's losses by objective, plus ``step``.

    Raises:
        TrainError: ``out`` holds a run and ``resume`` is False, or ``resume`` finds no
            run or one with another config.
    """
    out = Path(out)
    ckpt = out / CHECKPOINT
    ctx = distributed.setup(cfg.device)
    device = ctx.device
    model, opt, sched = _model_and_optimiser(cfg, device)
    step, elapsed = 0, 0.0
    if resume:
        data = read_checkpoint(ckpt)
        saved = PretrainConfig.from_dict(data["config"])
        free = {"budget_s": None, "steps": None}  # a resumed run may get more time or steps
        if saved.to_dict() | free != cfg.to_dict() | free:
            raise TrainError(f"{ckpt}: the run was made with another config; resume with "
                             f"the same options (budget and steps aside)")
        model.load_state_dict(data["model"])
        opt.load_state_dict(data["optimizer"])
        sched.load_state_dict(data["scheduler"])
        step, elapsed = int(data["step"]), float(data["elapsed_s"])
    elif ckpt.exists():
        raise TrainError(f"{out} already holds a pretraining run; pass --resume or "
                         f"another --out")
    distributed.barrier(ctx)  # every rank has checked the folder before rank 0 writes
    log = out / LOG
    if ctx.main:
        out.mkdir(parents=True, exist_ok=True)
        if resume and log.is_file():
            _keep_rows(log, step)
        else:
            log.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    data_ = build_data(load_suite(cfg.suite), "train", cfg.views, cfg.paths, cfg.seed,
                       phrasing=cfg.phrasing)
    tb = tensorboard_writer(out, step) if ctx.main else None
    bar = tqdm(total=cfg.steps, initial=step, unit="step", file=sys.stderr,
               disable=not (progress and ctx.main) or None, dynamic_ncols=True)
    net = distributed.wrap(model, ctx)
    start = time.perf_counter() - elapsed
    last: dict[str, float] = {}
    model.train()
    while step < cfg.steps:
        rng = np.random.default_rng([cfg.seed, step, ctx.rank])  # (B,) views of this rank
        gen = torch.Generator().manual_seed((cfg.seed * 1_000_003 + step) * ctx.world
                                            + ctx.rank)
        batch = sample_batch(data_, rng, cfg.batch, cfg.path_batch, device)
        with autocast_context(device):
            losses = net(batch, cfg.objectives, gen)
        loss = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        last = {"step": step, "loss": loss.item(), **{k: v.item() for k, v in losses.items()}}
        elapsed = time.perf_counter() - start
        if ctx.main:
            row = [step] + [f"{last[c]:.5g}" if c in last else "" for c in COLUMNS[1:-1]]
            with log.open("a", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow([*row, f"{elapsed:.1f}"])
        if tb is not None:
            for key, value in last.items():
                if key != "step":
                    tb.add_scalar(f"pretrain/{key}", value, step)
        bar.update(1)
        bar.set_postfix(loss=f"{last['loss']:.3f}", refresh=False)
        over = distributed.any_across(cfg.budget_s is not None and elapsed >= cfg.budget_s,
                                      ctx)
        if ctx.main and (step % cfg.checkpoint_every == 0 or step == cfg.steps or over):
            save(out, model, opt, sched, cfg, step, elapsed)
        if over:
            break
    bar.close()
    if tb is not None:
        tb.close()
    distributed.teardown(ctx)
    return last


def load_pretrain_model(directory: str | Path) -> tuple[PretrainModel, PretrainConfig]:
    """The model and config of the run in ``directory`` (CPU, eval mode)."""
    data = read_checkpoint(Path(directory) / CHECKPOINT)
    cfg = PretrainConfig.from_dict(data["config"])
    model = PretrainModel(cfg.model, seed=cfg.seed)
    model.load_state_dict(data["model"])
    return model.eval(), cfg


def encoders_fit_policy(directory: str | Path) -> bool:
    """True when ``encoders/`` loads into a fresh policy of the same config under the same
    names (``load_state_dict(strict=False)`` reports no unexpected key)."""
    data = read_checkpoint(Path(directory) / CHECKPOINT)
    policy = MultimodalTransformer(PretrainConfig.from_dict(data["config"]).model)
    enc = {k: v for k, v in data["model"].items() if k.split(".")[0] in ("text", "vision",
                                                                        "fusion")}
    return not policy.load_state_dict(enc, strict=False).unexpected_keys
