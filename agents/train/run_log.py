"""What a run writes as it goes: ``log.csv`` (the columns ``vln plot curves`` reads),
``evals.jsonl`` (every evaluation, per family), TensorBoard scalars under namespaced keys
(``losses/``, ``charts/``, ``eval/``) when ``torch.utils.tensorboard`` imports, and a
tqdm bar with the loss and success rate.

``log.csv`` has a row every ``log_every`` steps (``loss``, ``lr``, ``samples/s``, ...)
and a row at every evaluation (``sr_<split>``); cells a row does not have are empty. On
resume, rows after the checkpoint's step are dropped so the files read as one run.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

#: Columns of ``log.csv`` before the per-split success rates.
TRAIN_COLUMNS: tuple[str, ...] = ("step", "loss", "loss_action", "loss_progress", "loss_goal",
                                  "loss_cell", "accuracy", "lr", "grad_norm",
                                  "epoch", "samples/s", "elapsed")
#: ``log.csv`` column -> TensorBoard key.
TB_KEYS: dict[str, str] = {"loss": "losses/total", "loss_action": "losses/action",
                           "loss_progress": "losses/progress",
                           "loss_goal": "losses/goal", "loss_cell": "losses/cell",
                           "accuracy": "charts/accuracy",
                           "lr": "charts/learning_rate", "grad_norm": "charts/grad_norm",
                           "epoch": "charts/epoch", "samples/s": "charts/samples_per_s"}


def log_columns(splits: Sequence[str], train_columns: Sequence[str] = TRAIN_COLUMNS) -> list[str]:
    """All ``log.csv`` columns for evaluations on ``splits``."""
    return [*train_columns, *(f"sr_{s}" for s in splits)]


def _truncate_csv(path: Path, after_step: int) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    keep = rows[:1] + [r for r in rows[1:] if r and int(r[0]) <= after_step]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(keep)


def _truncate_jsonl(path: Path, after_step: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    keep = [ln for ln in lines if ln.strip() and json.loads(ln)["step"] <= after_step]
    path.write_text("".join(ln + "\n" for ln in keep), encoding="utf-8")


class RunLogger:
    """The run's log files, TensorBoard writer and progress bar (rank 0 only: the other
    ranks get one with ``enabled=False``, which writes nothing).

    Args:
        out: the run folder.
        splits: evaluated splits (the ``sr_<split>`` columns).
        total_steps: the bar's total.
        start_step: where the run starts (0, or the resumed step: later rows are dropped).
        enabled: write anything at all.
        tensorboard: also write TensorBoard scalars when possible.
        progress_bar: show the tqdm bar.
        verbose: print :meth:`message` lines (default: ``enabled``).
        columns: the training columns of ``log.csv`` (default: the imitation trainers').
        tb_keys: column -> TensorBoard key (default: the imitation trainers').
        postfix: columns shown on the bar as they are logged.
        unit: what the bar counts.
    """

    def __init__(self, out: Path, splits: Sequence[str], total_steps: int, start_step: int = 0,
                 enabled: bool = True, tensorboard: bool = True, progress_bar: bool = True,
                 verbose: bool | None = None, columns: Sequence[str] = TRAIN_COLUMNS,
                 tb_keys: Mapping[str, str] | None = None, postfix: Sequence[str] = ("loss",),
                 unit: str = "step") -> None:
        self.enabled = enabled
        self.verbose = enabled if verbose is None else verbose
        self.columns = log_columns(splits, columns)
        self.tb_keys = dict(TB_KEYS if tb_keys is None else tb_keys)
        self.postfix = tuple(postfix)
        self.csv_path, self.evals_path = out / "log.csv", out / "evals.jsonl"
        self.tb: Any = None
        self.bar: Any = None
        self._postfix: dict[str, str] = {}
        if not enabled:
            return
        out.mkdir(parents=True, exist_ok=True)
        if start_step > 0 and self.csv_path.is_file():
            _truncate_csv(self.csv_path, start_step)
        else:
            with self.csv_path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(self.columns)
        if start_step > 0 and self.evals_path.is_file():
            _truncate_jsonl(self.evals_path, start_step)
        else:
            self.evals_path.write_text("", encoding="utf-8")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # the tensorboard package is optional
                self.tb = None
            else:
                self.tb = SummaryWriter(str(out / "tb"), purge_step=start_step or None)
        self.bar = tqdm(total=total_steps, initial=start_step, unit=unit, file=sys.stderr,
                        dynamic_ncols=True, disable=not progress_bar or None)

    def row(self, values: Mapping[str, Any]) -> None:
        """Append a ``log.csv`` row (``step`` required; missing columns empty) and its
        TensorBoard scalars."""
        if not self.enabled:
            return
        cells = ["" if values.get(c) is None else _cell(values[c]) for c in self.columns]
        with self.csv_path.open("a", newline="", encoding="utf-8") as f:
            csv.writer(f).writerow(cells)
        if self.tb is not None:
            for column, key in self.tb_keys.items():
                if values.get(column) is not None:
                    self.tb.add_scalar(key, float(values[column]), int(values["step"]))
        shown = [c for c in self.postfix if values.get(c) is not None]
        for column in shown:
            self._postfix[column] = _cell(float(values[column]), 4)
        if shown:
            self._show()

    def evaluation(self, step: int, results: Mapping[str, Any]) -> None:
        """Record an evaluation: ``results[split]`` holds ``sr`` and ``by_family``."""
        if not self.enabled:
            return
        with self.evals_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"step": step, **results}, sort_keys=True) + "\n")
        self.row({"step": step, **{f"sr_{s}": r["sr"] for s, r in results.items()}})
        if self.tb is not None:
            for split, r in results.items():
                self.tb.add_scalar(f"eval/sr_{split}", r["sr"], step)
                for family, sr in r["by_family"].items():
                    self.tb.add_scalar(f"eval/sr_{split}/{family}", sr, step)
        for split, r in results.items():
            self._postfix[split.replace("val_", "")] = f"{r['sr']:.2f}"
        self._show()

    def advance(self, steps: int = 1) -> None:
        """Move the bar."""
        if self.bar is not None:
            self.bar.update(steps)

    def set_total(self, total_steps: int) -> None:
        """Change the bar's total (a schedule fitted to the budget)."""
        if self.bar is not None:
            self.bar.total = total_steps
            self.bar.refresh()

    def message(self, text: str) -> None:
        """Print a line above the bar (rank 0 only)."""
        if self.verbose:
            tqdm.write(text, file=sys.stderr)

    def _show(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix(self._postfix, refresh=False)

    def close(self) -> None:
        """Flush and close the writer and the bar."""
        if self.tb is not None:
            self.tb.close()
        if self.bar is not None:
            self.bar.close()


def _cell(value: Any, digits: int = 6) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)
