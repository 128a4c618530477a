"""Record, or check, the behaviour of the learning code: a refactor that changes none of it
must leave both halves of this trace bit-identical.

1. **Loss trace**: the first ``--steps`` (200) optimiser steps of the quickstart config
   (``agents/configs/quickstart.toml``) on CPU, one torch thread, seed 0, a fixed step
   count (no wall-clock fitting, no evaluation): every logged loss column, every step.
2. **Actions**: the greedy actions of a trained model folder (``--model``, e.g. the
   ``model/`` of a ``vln quickstart`` run) on every episode of ``small/val_unseen``.

Usage::

    python benchmarks/behaviour_trace.py record --model runs/quickstart/model --out trace.json
    python benchmarks/behaviour_trace.py check --model runs/quickstart/model --against trace.json

``check`` prints the first difference and exits 1 when the trace differs; floats are
compared exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from agents.benchmark.registry import make_policy
from agents.train.bc import train_bc
from agents.train.config import resolve_config
from agents.train.run_log import RunLogger
from vlnenv.eval.evaluate import evaluate

#: Loss columns of ``log.csv`` kept in the trace.
LOSS_COLUMNS = ("loss", "loss_action", "loss_progress", "loss_goal", "loss_cell", "accuracy",
                "grad_norm", "lr")
#: Columns a recorded trace may hold that the code no longer logs, with the value they held
#: at every step in the quickstart run (a term switched off then, its code since deleted).
DELETED_COLUMNS: dict[str, float] = {"loss_match": 0.0}


def loss_trace(steps: int, config: str | None = "quickstart",
               overrides: Sequence[str] = ()) -> dict[str, list[float | None]]:
    """Per-step loss columns of ``steps`` steps of ``config`` (a shipped name or file;
    ``None``: the defaults) with ``overrides`` (1 thread, seed 0, no wall-clock fitting)."""
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bc"
        resolved = resolve_config(config, [
            *overrides, "optim.fit_budget=false", f"optim.max_steps={steps}",
            "run.time_budget_s=none", "run.threads=1", "run.seed=0", "run.log_every=1",
            f"run.checkpoint_every={steps}", "run.tensorboard=false", "run.progress_bar=false",
            "eval.episodes=1", f"run.out={out}"])
        rows: list[dict[str, Any]] = []
        row = RunLogger.row
        # log.csv rounds its cells: catch each row's values at full precision instead
        RunLogger.row = lambda self, values: (rows.append(dict(values)), row(self, values))[1]
        try:
            train_bc(resolved)
        finally:
            RunLogger.row = row
    rows = [r for r in rows if r.get("loss") is not None]
    return {c: [None if r.get(c) is None else float(r[c]) for r in rows] for c in LOSS_COLUMNS}


def action_trace(model: str) -> dict[str, list[int]]:
    """Greedy actions of the model folder on every ``small/val_unseen`` episode, by id."""
    torch.set_num_threads(1)
    records = evaluate(make_policy(model), "small", "val_unseen", batch=16, seed=0)
    return {f"{r['family']}/{r['episode_index']}": r["actions"] for r in records}


def first_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Where two JSON values first differ (``None``: identical)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a.keys() ^ b.keys())[:5]} in one only"
        for k in a:
            d = first_difference(a[k], b[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("record", "check"))
    parser.add_argument("--model", required=True, help="trained model folder")
    parser.add_argument("--steps", type=int, default=200, help="training steps traced")
    parser.add_argument("--out", help="record: where to write the trace (JSON)")
    parser.add_argument("--against", help="check: the recorded trace (JSON)")
    args = parser.parse_args(argv)
    trace = {"steps": args.steps, "losses": loss_trace(args.steps),
             "actions": action_trace(args.model)}
    if args.mode == "record":
        if not args.out:
            parser.error("record needs --out")
        Path(args.out).write_text(json.dumps(trace, indent=0) + "\n", encoding="utf-8")
        print(f"wrote {args.out}: {args.steps} steps, {len(trace['actions'])} episodes")
        return 0
    if not args.against:
        parser.error("check needs --against")
    recorded = json.loads(Path(args.against).read_text(encoding="utf-8"))
    for column, value in DELETED_COLUMNS.items():
        kept = recorded["losses"].pop(column, None)
        if kept is not None and any(v != value for v in kept):
            print(f"DIFFERENT: the recorded {column} is not {value} at every step, and the "
                  "code no longer computes it")
            return 1
    difference = first_difference(recorded, trace)
    if difference:
        print(f"DIFFERENT at {difference}")
        return 1
    print(f"identical: {args.steps} steps of losses, {len(trace['actions'])} episodes of actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
