"""Whole-loop PPO throughput (environment + policy + update, frames per second), with
its two parts, for model variants side by side in one run.

Each row builds :class:`agents.rl.ppo.PPOTrainer` on the ``small`` suite's train split
with one variant's model (the ``model`` section of a config file, or the default
``ModelConfig``), takes one warm-up update, then times ``--updates`` updates: the
roll-out (``N`` lanes of the batched environment stepped with the policy, no gradients)
and the optimisation (``ppo.epochs`` passes of ``forward_sequence`` + backward over the
roll-out), and prints frames/s of each and of the whole loop, and the ratio to the first
row. ``--device cuda`` runs the policy on the GPU with bf16 autocast.

Usage: ``python benchmarks/ppo_throughput.py [--updates 3] [--threads 2] [--lanes 16]
[--rollout 64] [--device cpu] [--variant NAME=CONFIG_FILE|default ...]``
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from agents.rl.config import RLConfig
from agents.rl.ppo import PPOTrainer
from agents.train import distributed
from agents.train.config import resolve_config

VARIANTS = {"quickstart": "quickstart", "default": "default"}


def with_model(config: RLConfig, source: str) -> RLConfig:
    """``config`` with the model of a training config file (its ``model`` section as
    :func:`agents.train.config.resolve_config` resolves it: presets, nested tables, a
    ``base`` file); ``default``: unchanged."""
    return config if source == "default" else config.replace(model=resolve_config(source).model)


def rates(source: str, args: argparse.Namespace, out: str) -> tuple[int, float, float, float]:
    """Parameters, and frames/s of the roll-out, the optimisation and the whole loop."""
    config = with_model(resolve_config(None, [
        "env.suite=small", f"env.lanes={args.lanes}",
        f"ppo.rollout={args.rollout}", "ppo.total_frames=100000000", "eval.every=0",
        f"run.out={out}", "run.progress_bar=false", "run.tensorboard=false"],
        base=RLConfig()), source)
    trainer = PPOTrainer(config, distributed.setup(args.device))
    spent = {"collect": 0.0}
    collect = trainer.lanes.collect

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return collect(*a, **k)
        finally:
            spent["collect"] += time.perf_counter() - start

    trainer.update()  # warm-up
    trainer.lanes.collect = timed  # type: ignore[method-assign]
    start = time.perf_counter()
    for _ in range(args.updates):
        trainer.update()
    total = time.perf_counter() - start
    frames = args.updates * trainer.frames_per_update
    return (trainer.model.num_parameters(), frames / spent["collect"],
            frames / (total - spent["collect"]), frames / total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lanes", type=int, default=16)
    parser.add_argument("--rollout", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME=CONFIG_FILE (its model section) or NAME=default "
                             "(replaces the default rows)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    variants = dict(v.split("=", 1) for v in args.variant) or VARIANTS
    print(f"PPO loop on {args.device}, torch threads {args.threads}, {args.lanes} lanes x "
          f"{args.rollout} steps, {args.updates} updates a row")
    print(f"{'variant':<12}  {'params':>9}  {'roll-out f/s':>12}  {'update f/s':>10}  "
          f"{'loop f/s':>8}  {'x first':>7}")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, source) in enumerate(variants.items()):
            params, roll, upd, loop = rates(source, args, f"{tmp}/{i}")
            first = first or loop
            print(f"{name:<12}  {params:>9,}  {roll:>12.0f}  {upd:>10.0f}  {loop:>8.1f}  "
                  f"{loop / first:>7.2f}")


if __name__ == "__main__":
    main()
