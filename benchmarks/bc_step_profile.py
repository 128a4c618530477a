"""Where the time of one behaviour-cloning step goes: per phase, per model part, per op.

Builds the trainer of ``--config`` (default ``configs/quickstart.toml``: the ``quickstart``
preset, 8 lanes x 16 steps = 128 labelled samples a step; ``long_large`` for big houses and
the far maps, with the extra suites' demonstrations; all under ``runs/demos``, made first
when missing), takes ``--warmup`` steps, then times ``--steps`` calls of
:meth:`agents.train.trainer.Trainer.train_step` with wall-clock timers wrapped around

* the **phases** of the step: ``data`` (the loader's next batch: replay rendering of the
  episodes lanes start, goal and cell targets, the copy into the ``(B, T)`` arrays),
  ``tensors`` (:func:`~agents.train.data.batches.batch_tensors`, instruction ids),
  ``forward`` (the policy's ``forward_sequence``), ``losses``, ``backward``, ``clip``
  (the gradient norm) and ``optimizer`` (AdamW and the scheduler);
* the **model parts** inside the forward: the vision and text encoders, the fusion's
  context (FiLM image layers, all ``B * T`` steps at once), the cell, match and goal heads,
  the goal memory, the explore memory (and its planner's breadth-first relaxation,
  ``path_lengths``), the ``T`` reads of the state token (the only per-step loop) and the
  output heads;

then (unless ``--no-ops``) runs ``--steps`` more under :mod:`torch.profiler` and prints
the ops with the most self time, forward and backward together. The timers add a few
microseconds a call; the rate printed is that of the timed steps.

Usage: ``python benchmarks/bc_step_profile.py [--config quickstart] [--steps 40] [--threads 1]
[--ops 15] [--set section.field=value ...]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.profiler import ProfilerActivity, profile

from agents.models import explore
from agents.train import distributed
from agents.train import trainer as trainer_module
from agents.train.bc import load_demos_for
from agents.train.config import resolve_config
from agents.train.trainer import Trainer

#: Phases of a step, in the order they run.
PHASES = ("data", "tensors", "forward", "losses", "backward", "clip", "optimizer")
#: Model parts timed inside the forward, in the order they run.
PARTS = ("vision encoder", "text encoder", "fusion context (FiLM layers)", "cell head",
         "match head (attending reader)", "goal head + attribute match", "goal memory",
         "explore memory (all)", "  of which the planner (path_lengths)",
         "state-token reads (T steps)", "output heads")


class Timers:
    """Seconds summed per name, and wrappers that add to them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.time(name):
                return fn(*args, **kwargs)
        return timed


def instrument(trainer: Trainer, timers: Timers) -> None:
    """Wrap the phases and the model's parts of ``trainer`` in ``timers`` (instance
    attributes and module globals of this process only)."""
    loader, model = trainer.loader, trainer.model
    assert loader is not None
    loader.next_batch = timers.wrap("data", loader.next_batch)  # type: ignore[method-assign]
    trainer_module.batch_tensors = timers.wrap("tensors", trainer_module.batch_tensors)
    trainer.net.forward = timers.wrap("forward", trainer.net.forward)  # type: ignore[method-assign]
    for name in ("action_loss", "progress_loss", "cell_loss", "accuracy"):
        setattr(trainer_module, name, timers.wrap("losses", getattr(trainer_module, name)))
    trainer_module.GOAL_LOSSES = {k: timers.wrap("losses", f)
                                  for k, f in trainer_module.GOAL_LOSSES.items()}
    backward = torch.Tensor.backward
    torch.Tensor.backward = timers.wrap("backward", backward)  # type: ignore[method-assign]
    trainer_module.nn.utils.clip_grad_norm_ = timers.wrap(
        "clip", trainer_module.nn.utils.clip_grad_norm_)
    trainer.optimizer.step = timers.wrap("optimizer", trainer.optimizer.step)  # type: ignore
    trainer.scheduler.step = timers.wrap("optimizer", trainer.scheduler.step)  # type: ignore
    parts: dict[str, tuple[Any, str]] = {
        "vision encoder": (model.vision, "forward"),
        "text encoder": (model.text, "forward"),
        "fusion context (FiLM layers)": (model.fusion, "sequence_context"),
        "cell head": (model.cell_head, "forward"),
        "match head (attending reader)": (model, "instruction_labels"),
        "goal head + attribute match": (model, "_goal_logits"),
        "goal memory": (model.memory, "step"),
        "explore memory (all)": (model.explore, "step"),
        "  of which the planner (path_lengths)": (explore, "path_lengths"),
        "state-token reads (T steps)": (model, "_step"),
        "output heads": (model, "_outputs"),
    }
    assert list(parts) == list(PARTS)
    for name, (obj, method) in parts.items():
        if obj is not None:
            setattr(obj, method, timers.wrap("part:" + name, getattr(obj, method)))


def build(threads: int, out: str, overrides: list[str], name: str = "quickstart") -> Trainer:
    """The trainer of config ``name`` with its data set, on CPU."""
    torch.set_num_threads(threads)
    config = resolve_config(name, [*overrides, f"run.out={out}", "run.progress_bar=false",
                                   "run.tensorboard=false"])
    trainer = Trainer(config, distributed.setup("cpu"), "bc")
    trainer.set_data(load_demos_for(config, trainer.suite, trainer.ctx,
                                    extra=trainer.extra_suites))
    return trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ops", type=int, default=15, help="op rows (0: no op table)")
    parser.add_argument("--config", default="quickstart",
                        help="training config by name or path (e.g. long_large: far maps)")
    parser.add_argument("--set", action="append", default=[],
                        help="config override section.field=value (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trainer = build(args.threads, tmp, args.set, args.config)
        try:
            for _ in range(args.warmup):
                trainer.train_step()
            timers = Timers()
            instrument(trainer, timers)
            start = time.perf_counter()
            for _ in range(args.steps):
                trainer.train_step()
            total = time.perf_counter() - start
            samples = args.steps * trainer.config.data.lanes * trainer.config.data.chunk
            print(f"BC step ({args.config}), torch threads {args.threads}, {args.steps} steps: "
                  f"{args.steps / total:.2f} steps/s, {samples / total:,.0f} samples/s")
            ms = {k: 1000 * v / args.steps for k, v in timers.seconds.items()}
            step_ms = 1000 * total / args.steps
            print(f"\n{'phase':<42} {'ms/step':>8} {'share':>6}")
            for name in PHASES:
                print(f"{name:<42} {ms.get(name, 0.0):>8.1f} {ms.get(name, 0.0) / step_ms:>6.1%}")
            rest = step_ms - sum(ms.get(n, 0.0) for n in PHASES)
            print(f"{'other (books, Python)':<42} {rest:>8.1f} {rest / step_ms:>6.1%}")
            print(f"{'step':<42} {step_ms:>8.1f}")
            print(f"\n{'forward, by model part':<42} {'ms/step':>8} {'of fwd':>6}")
            for name in PARTS:
                v = ms.get("part:" + name)
                if v is not None:
                    print(f"{name:<42} {v:>8.1f} {v / ms['forward']:>6.1%}")
            if args.ops > 0:
                with profile(activities=[ProfilerActivity.CPU]) as prof:
                    for _ in range(args.steps):
                        trainer.train_step()
                print(f"\nops by self time (torch.profiler, forward + backward, {args.steps} "
                      "steps)")
                print(prof.key_averages().table(sort_by="self_cpu_time_total",
                                                row_limit=args.ops, max_name_column_width=50))
        finally:
            trainer.close()


if __name__ == "__main__":
    main()
