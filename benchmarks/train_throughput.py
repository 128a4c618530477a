"""Behaviour-cloning step throughput of model variants, side by side in one run.

Each row builds the quickstart's trainer (``configs/quickstart.toml``, its demonstrations
under ``runs/demos``, made first when missing) with one variant's overrides, takes two
warm-up steps, then times :meth:`agents.train.trainer.Trainer.train_step` (batch, forward,
loss, backward, AdamW) for ``--seconds`` and reports labelled steps (samples) per second
and the ratio to the first row. The data loader renders in this process, as in the
quickstart. The default rows are the models the quickstart chose between, each with its
auxiliaries pinned: C=64 with 4 heads (the second version), C=48 with 4 heads, C=32 with
2 heads (the third), then C=32 and C=64 (the fourth) with the cell-recognition auxiliary
(``model.cells``, its labels read off every view by the loader).

Usage: ``python benchmarks/train_throughput.py [--seconds 20] [--threads 2]
[--config FILE] [--variant NAME=section.field=value,...]``
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from agents.train import distributed
from agents.train.bc import load_demos_for
from agents.train.config import resolve_config
from agents.train.trainer import Trainer

PLAIN = ["model.cells=none", "optim.cell_weight=0"]
CELLS = ["model.cells={}", "optim.cell_weight=1.0"]
VARIANTS = {
    "C64 h4": ["model.n_embd=64", "model.n_head=4", *PLAIN],
    "C48 h4": ["model.n_embd=48", "model.n_head=4", *PLAIN],
    "C32 h2": ["model.n_embd=32", "model.n_head=2", *PLAIN],
    "C32 h2 cells": ["model.n_embd=32", "model.n_head=2", *CELLS],
    "C64 h4 cells": ["model.n_embd=64", "model.n_head=4", *CELLS],
}


def rate(base: str, overrides: list[str], seconds: float, out: str,
         warmup: int = 2) -> tuple[int, float]:
    """Parameters and samples per second of the training step of config ``base``, timed
    for ``seconds`` after ``warmup`` steps."""
    config = resolve_config(base, [*overrides, f"run.out={out}", "run.progress_bar=false",
                                   "run.tensorboard=false"])
    ctx = distributed.setup("cpu")
    trainer = Trainer(config, ctx, "bc")
    trainer.set_data(load_demos_for(config, trainer.suite, ctx, extra=trainer.extra_suites))
    try:
        for _ in range(warmup):
            trainer.train_step()
        start, samples = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            trainer.train_step()
            samples += config.data.lanes * config.data.chunk
        return trainer.model.num_parameters(), samples / (time.perf_counter() - start)
    finally:
        trainer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--config", default="configs/quickstart.toml",
                        help="config the rows start from (configs/quickstart_v3.toml: the "
                             "one the figures in docs/experiments/ were measured with)")
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME=override,override (replaces the default rows)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    variants = ({v.split("=", 1)[0]: v.split("=", 1)[1].split(",") for v in args.variant}
                or VARIANTS)
    print(f"BC step ({args.config}), torch threads {args.threads}, "
          f"{args.seconds:g} s a row")
    print(f"{'variant':<13}  {'params':>9}  {'samples/s':>10}  {'x first':>7}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, overrides) in enumerate(variants.items()):
            params, r = rate(args.config, overrides, args.seconds, f"{tmp}/{i}")
            base = base or r
            print(f"{name:<13}  {params:>9,}  {r:>10,.0f}  {r / base:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
