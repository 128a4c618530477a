"""Behaviour-cloning samples per second (the quickstart's, or ``--config``'s), this tree
against another, side by side in one run.

Each measurement is a fresh subprocess with the tree on ``PYTHONPATH``: it builds that
tree's trainer of ``--config`` (default ``configs/quickstart.toml``) plus the row's
overrides (the demonstrations, the extra suites' too, under ``runs/demos`` of this
tree), takes ``--warmup`` steps, then times
:meth:`~agents.train.trainer.Trainer.train_step` for ``--seconds`` and reports labelled
samples per second (``lanes * chunk`` per step). The rows run in turn, ``--rounds`` times
(ABAB...), so a change of load on the machine hits every row alike; the table gives each
row's median and its ratio to the first row's median, and the load average
(``os.getloadavg``) before and after.

Make the other tree with ``git archive <commit> | tar -x -C DIR`` (no ``.git`` needed).

Usage::

    python benchmarks/bc_speedup.py --base /tmp/base [--rounds 3] [--seconds 15]
        [--threads 2] [--config quickstart] [--row NAME=TREE:override,override ...]

``TREE`` is ``base`` or ``this``, optionally ``@N`` for ``N`` torch threads in that row
(else ``--threads``), e.g. ``--row "this 1 thread + loader=this@1:data.loader_workers=1"``;
without ``--row`` the rows are ``base`` and ``this`` with the quickstart config unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

#: The measurement, run in a subprocess whose ``sys.path`` starts with the tree:
#: :func:`train_throughput.rate` of this folder, on the tree's ``agents``.
CHILD = r"""
import json, sys, tempfile
import torch
threads, warmup, seconds, demos, overrides, benchmarks, config = json.loads(sys.argv[1])
sys.path.append(benchmarks)  # after the tree: agents comes from the tree
from train_throughput import rate
torch.set_num_threads(threads)
with tempfile.TemporaryDirectory() as tmp:
    _, samples_per_s = rate(config, [*overrides, f"data.demos_dir={demos}"], seconds, tmp,
                            warmup)
print(json.dumps({"samples_per_s": samples_per_s}))
"""


def measure(tree: Path, overrides: list[str], threads: int, warmup: int, seconds: float,
            demos: Path, config: str = "quickstart") -> float:
    """Samples per second of one subprocess measurement of ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": str(threads)}
    args = json.dumps([threads, warmup, seconds, str(demos), overrides,
                       str(Path(__file__).resolve().parent), config])
    done = subprocess.run([sys.executable, "-c", CHILD, args], cwd=tree, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} {overrides} failed:\n{done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["samples_per_s"])


Row = tuple[Path, int, list[str]]
"""A row: the tree's folder, torch threads, config overrides."""


def parse_rows(rows: list[str], base: Path, this: Path, threads: int) -> dict[str, Row]:
    """``NAME=TREE[@THREADS]:override,...`` rows as name -> :data:`Row`."""
    if not rows:
        return {"base": (base, threads, []), "this": (this, threads, [])}
    out = {}
    for row in rows:
        name, _, spec = row.partition("=")
        tree, _, overrides = spec.partition(":")
        tree, _, n = tree.partition("@")
        if tree not in ("base", "this") or not (n == "" or n.isdigit()):
            raise SystemExit(f"--row {row!r}: expected TREE[@THREADS] with TREE 'base' or "
                             f"'this', got {spec.partition(':')[0]!r}")
        out[name] = (base if tree == "base" else this, int(n or threads),
                     [o for o in overrides.split(",") if o])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, type=Path, help="the other tree's folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch threads of a row")
    parser.add_argument("--config", default="quickstart",
                        help="training config by name (long_large: big houses and far maps; "
                             "give its init.path as an absolute --row override)")
    parser.add_argument("--row", action="append", default=[],
                        help="NAME=TREE[@THREADS]:override,override (TREE: base or this)")
    args = parser.parse_args()
    this = Path(__file__).resolve().parent.parent
    demos = this / "runs" / "demos"
    rows = parse_rows(args.row, args.base.resolve(), this, args.threads)
    load_before = os.getloadavg()
    rates: dict[str, list[float]] = {name: [] for name in rows}
    for r in range(args.rounds):
        for name, (tree, threads, overrides) in rows.items():
            rates[name].append(measure(tree, overrides, threads, args.warmup, args.seconds,
                                       demos, args.config))
            print(f"round {r + 1}: {name:<16} {rates[name][-1]:>8,.0f} samples/s", flush=True)
    load_after = os.getloadavg()
    print(f"\nBC step ({args.config}), torch threads {args.threads} (unless the row says), "
          f"{args.rounds} rounds of "
          f"{args.seconds:g} s; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after")
    print(f"{'row':<16} {'samples/s (median)':>19} {'min':>7} {'max':>7} {'x first':>7}")
    first = None
    for name, values in rates.items():
        median = statistics.median(values)
        first = first or median
        print(f"{name:<16} {median:>19,.0f} {min(values):>7,.0f} {max(values):>7,.0f} "
              f"{median / first:>7.2f}")


if __name__ == "__main__":
    main()
