"""Transfer study (issue 25): behaviour cloning from pretrained encoders against from
scratch, with 300 / 1,000 / 3,000 / 10,000 demonstrations, the same optimiser steps.

Every cell is the quickstart's behaviour cloning (``configs/quickstart.toml``: the C=64
policy, the three goal-finding families) for ``--steps`` optimiser steps
(``optim.fit_budget`` off), on the first ``N`` demonstrations (``data.max_episodes``) of
one pool of episodes sampled afresh on ``small``'s train houses (``data.sampled_episodes``,
so the sets are nested and 10,000 exist), either from scratch or starting from a
``vln pretrain --preset quickstart`` run's text and vision encoders
(``--init RUN --init-parts text,vision``). Each is scored greedily on every ``val_unseen``
episode with ``vln benchmark``; the three trained families' SR is averaged per cell.

    vln pretrain --preset quickstart --steps 2000 --out runs/pt_quickstart
    python scripts/transfer_study.py --pretrained runs/pt_quickstart --out runs/transfer

writes ``runs/transfer/<init>-<N>-s<seed>/`` (a ``vln train bc`` run folder with its
``bench/`` results), ``results.json``, ``transfer.md`` (the table) and ``transfer.png``
(SR against demonstrations). Finished cells are kept, so a stopped study continues.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "quickstart.toml"
TRAINED = ("go_to_room", "go_to_object", "fetch")
FAMILIES = (*TRAINED, "follow_route", "sequence")
INITS = ("scratch", "pretrained")


def cell_name(init: str, n: int, seed: int) -> str:
    return f"{init}-{n}-s{seed}"


def train_command(init: str, n: int, seed: int, args: argparse.Namespace) -> list[str]:
    """``vln train bc`` of one cell."""
    out = Path(args.out) / cell_name(init, n, seed)
    cmd = [sys.executable, "-m", "agents.cli", "train", "bc", "--config", str(CONFIG),
           "--out", str(out), "--seed", str(seed), "--max-steps", str(args.steps)]
    for setting in ("optim.fit_budget=false", f"data.sampled_episodes={args.pool}",
                    f"data.max_episodes={n}", f"run.threads={args.threads}",
                    "run.progress_bar=false", f"data.demos_dir={args.demos_dir}"):
        cmd += ["--set", setting]
    if init == "pretrained":
        cmd += ["--init", args.pretrained, "--init-parts", "text,vision"]
    return cmd


def run_cell(init: str, n: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train and benchmark one cell (skipped when its results exist); its SR per family."""
    out = Path(args.out) / cell_name(init, n, seed)
    bench = out / "bench" / "results.json"
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": str(ROOT)}
    if not bench.is_file():
        with open(Path(args.out) / f"{cell_name(init, n, seed)}.log", "w") as log:
            if not (out / "result.json").is_file():
                subprocess.run(train_command(init, n, seed, args), check=True, env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            subprocess.run([sys.executable, "-m", "agents.cli", "benchmark", "--suite", "small",
                            "--split", args.split, "--policy", str(out / "last"),
                            "--batch", "50", "--out", str(out / "bench")],
                           check=True, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    metrics = json.loads(bench.read_text())["metrics"]
    sr = {f: metrics[f]["sr"]["mean"] for f in FAMILIES}
    return {"init": init, "demos": n, "seed": seed, "sr": sr,
            "trained_sr": sum(sr[f] for f in TRAINED) / len(TRAINED)}


def table(rows: list[dict[str, Any]], sizes: list[int]) -> str:
    """Markdown: per (demos, init) the SR (%) per family, mean over seeds (seeds in
    brackets for the three-family mean)."""
    head = ("| demos | init | " + " | ".join(FAMILIES) + " | 3 families (seeds) |\n"
            "|---:|---|" + "---:|" * (len(FAMILIES) + 1) + "\n")
    lines = []
    for n in sizes:
        for init in INITS:
            cell = [r for r in rows if r["demos"] == n and r["init"] == init]
            if not cell:
                continue
            fam = [100 * sum(r["sr"][f] for r in cell) / len(cell) for f in FAMILIES]
            mean = 100 * sum(r["trained_sr"] for r in cell) / len(cell)
            seeds = ", ".join(f"{100 * r['trained_sr']:.1f}" for r in cell)
            lines.append(f"| {n:,} | {init} | " + " | ".join(f"{x:.0f}" for x in fam)
                         + f" | **{mean:.1f}** ({seeds}) |")
    return head + "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], sizes: list[int], path: Path) -> None:
    """SR on the three trained families against demonstrations (log scale), a line per
    init through the seeds' mean, each seed a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for init, colour in zip(INITS, ("tab:grey", "tab:blue"), strict=True):
        xs, means = [], []
        for n in sizes:
            cell = [100 * r["trained_sr"] for r in rows if r["demos"] == n and r["init"] == init]
            if cell:
                xs.append(n)
                means.append(sum(cell) / len(cell))
                ax.scatter([n] * len(cell), cell, color=colour, s=12, alpha=0.6)
        ax.plot(xs, means, marker="o", color=colour, label=init)
    ax.set_xscale("log")
    ax.set_xlabel("demonstrations")
    ax.set_ylabel("SR on val_unseen, 3 goal families (%)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pretrained", required=True, help="a vln pretrain run (--preset quickstart)")
    p.add_argument("--out", default="runs/transfer")
    p.add_argument("--sizes", default="300,1000,3000,10000")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--steps", type=int, default=800, help="optimiser steps per cell (800)")
    p.add_argument("--pool", type=int, default=16700,
                   help="episodes sampled on the train houses (five families in turn; "
                        "16,700 hold 10,000 of the three trained ones)")
    p.add_argument("--split", default="val_unseen")
    p.add_argument("--jobs", type=int, default=2, help="cells run at once (2)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per cell (1)")
    p.add_argument("--demos-dir", default="runs/demos")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    if not (Path(args.pretrained) / "encoders").is_dir():
        p.error(f"--pretrained {args.pretrained}: no encoders/ folder (expected a "
                "`vln pretrain --preset quickstart --out DIR` run)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cells = [(init, n, s) for s in seeds for n in sizes for init in INITS]
    # one cell first, alone, so the demonstrations files are written once
    rows = [run_cell(*cells[0], args)]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows += list(pool.map(lambda c: run_cell(*c, args), cells[1:]))
    (out / "results.json").write_text(json.dumps(
        {"steps": args.steps, "pool": args.pool, "split": args.split,
         "pretrained": args.pretrained, "rows": rows}, indent=1))
    (out / "transfer.md").write_text(table(rows, sizes))
    plot(rows, sizes, out / "transfer.png")
    print(table(rows, sizes))
    print(f"wrote {out}/results.json, transfer.md, transfer.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
