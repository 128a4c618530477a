"""The pretraining studies of issue 25, each cell a ``vln train bc`` run for the same
optimiser steps (``optim.fit_budget`` off), scored greedily on every ``val_unseen``
episode by ``vln benchmark``. Finished cells are kept, so a stopped study continues.

``transfer``: behaviour cloning from pretrained encoders against from scratch, with
300 / 1,000 / 3,000 / 10,000 demonstrations. The quickstart's behaviour cloning
(``configs/quickstart.toml``: the C=64 policy, the three goal-finding families) on the
first ``N`` demonstrations (``data.max_episodes``) of one pool of episodes sampled afresh
on ``small``'s train houses (``data.sampled_episodes``, so the sets are nested and 10,000
exist), either from scratch or starting from a ``vln pretrain --preset quickstart`` run's
text and vision encoders (``--init RUN --init-parts text,vision``); the three trained
families' SR is averaged per cell.

``speaker``: speaker augmentation (Speaker-Follower). The longer recipe's policy
(``configs/long_v3.toml``: the quickstart's with the instruction tracker, the word reader
unasked, as measured) on the ``small``
train split's ``follow_route`` and ``sequence`` demonstrations (2,000), against the same
plus ``--augment`` demonstrations of fresh train episodes whose instructions the
pretraining run's speaker wrote (``vln pretrain speak`` into ``OUT/spoken.npz``, added
with ``data.extra_demos``); the two families' SR and nDTW.

    vln pretrain --preset quickstart --steps 2000 --out runs/pt_quickstart
    python scripts/pretrain_studies.py transfer --pretrained runs/pt_quickstart --out runs/transfer
    python scripts/pretrain_studies.py speaker --pretrained runs/pt_quickstart --out runs/speaker

each writes ``OUT/<cell>/`` (a ``vln train bc`` run folder with its ``bench/`` results),
``OUT/results.json``, ``OUT/<study>.md`` (the table) and ``OUT/<study>.png``.
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
TRAINED = ("go_to_room", "go_to_object", "fetch")
ROUTES = ("follow_route", "sequence")
FAMILIES = (*TRAINED, *ROUTES)
INITS = ("scratch", "pretrained")
ARMS = ("real", "real+speaker")


def train_command(out: Path, config: str, seed: int, overrides: list[str],
                  args: argparse.Namespace) -> list[str]:
    """``vln train bc`` of one cell: ``config`` for ``args.steps`` steps, then
    ``overrides`` (``--set`` values or plain options)."""
    cmd = [sys.executable, "-m", "agents.cli", "train", "bc", "--config",
           str(ROOT / "configs" / config), "--out", str(out), "--seed", str(seed),
           "--max-steps", str(args.steps)]
    for setting in ("optim.fit_budget=false", f"run.threads={args.threads}",
                    "run.progress_bar=false", f"data.demos_dir={args.demos_dir}"):
        cmd += ["--set", setting]
    return cmd + overrides


def run_cell(name: str, config: str, seed: int, overrides: list[str],
             args: argparse.Namespace) -> dict[str, Any]:
    """Train and benchmark one cell (each step skipped when its output exists); the
    benchmark's mean SR and nDTW per family."""
    out = Path(args.out) / name
    bench = out / "bench" / "results.json"
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": str(ROOT)}
    if not bench.is_file():
        with open(Path(args.out) / f"{name}.log", "a") as log:
            if not (out / "result.json").is_file():
                subprocess.run(train_command(out, config, seed, overrides, args), check=True,
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            subprocess.run([sys.executable, "-m", "agents.cli", "benchmark", "--suite", "small",
                            "--split", args.split, "--policy", str(out / "last"),
                            "--batch", "50", "--out", str(out / "bench")],
                           check=True, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    metrics = json.loads(bench.read_text())["metrics"]
    return {"cell": name, "seed": seed, "sr": {f: metrics[f]["sr"]["mean"] for f in FAMILIES},
            "ndtw": {f: metrics[f]["ndtw"]["mean"] for f in FAMILIES}}


def run_cells(cells: list[tuple[dict[str, Any], str, int, list[str]]],
              args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every cell ``(keys, config, seed, overrides)``: the first alone (it writes the
    demonstrations files), then ``args.jobs`` at a time; each result row carries its keys."""
    def one(cell: tuple[dict[str, Any], str, int, list[str]]) -> dict[str, Any]:
        keys, config, seed, overrides = cell
        name = "-".join(str(v) for v in keys.values()).replace("+", "_") + f"-s{seed}"
        return {**keys, **run_cell(name, config, seed, overrides, args)}

    rows = [one(cells[0])]
    with ThreadPoolExecutor(args.jobs) as pool:
        return rows + list(pool.map(one, cells[1:]))


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


# ------------------------------------------------------------------------------ transfer
def transfer_cells(args: argparse.Namespace) -> list[tuple[dict[str, Any], str, int, list[str]]]:
    cells = []
    for seed in args.seed_list:
        for n in args.size_list:
            for init in INITS:
                overrides = ["--set", f"data.sampled_episodes={args.pool}",
                             "--set", f"data.max_episodes={n}",
                             "--set", "optim.words_weight=0"]  # as measured: before page 37
                if init == "pretrained":
                    overrides += ["--init", args.pretrained, "--init-parts", "text,vision"]
                cells.append(({"init": init, "demos": n}, "quickstart.toml", seed, overrides))
    return cells


def transfer_table(rows: list[dict[str, Any]], sizes: list[int]) -> str:
    """Markdown: per (demos, init) the SR (%) per family, mean over seeds, and the three
    trained families' mean (each seed's in brackets)."""
    head = ("| demos | init | " + " | ".join(FAMILIES) + " | 3 families (seeds) |\n"
            "|---:|---|" + "---:|" * (len(FAMILIES) + 1) + "\n")
    lines = []
    for n in sizes:
        for init in INITS:
            cell = [r for r in rows if r["demos"] == n and r["init"] == init]
            if not cell:
                continue
            fam = [100 * mean([r["sr"][f] for r in cell]) for f in FAMILIES]
            three = [100 * mean([r["sr"][f] for f in TRAINED]) for r in cell]
            lines.append(f"| {n:,} | {init} | " + " | ".join(f"{x:.0f}" for x in fam)
                         + f" | **{mean(three):.1f}** ("
                         + ", ".join(f"{x:.1f}" for x in three) + ") |")
    return head + "\n".join(lines) + "\n"


def transfer_plot(rows: list[dict[str, Any]], sizes: list[int], path: Path) -> None:
    """SR on the three trained families against demonstrations (log scale), a line per
    init through the seeds' mean, each seed a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for init, colour in zip(INITS, ("tab:grey", "tab:blue"), strict=True):
        xs, means = [], []
        for n in sizes:
            cell = [100 * mean([r["sr"][f] for f in TRAINED])
                    for r in rows if r["demos"] == n and r["init"] == init]
            if cell:
                xs.append(n)
                means.append(mean(cell))
                ax.scatter([n] * len(cell), cell, color=colour, s=12, alpha=0.6)
        ax.plot(xs, means, marker="o", color=colour, label=init)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("demonstrations")
    ax.set_ylabel("SR on val_unseen, 3 goal families (%)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------------------- speaker
def speaker_cells(args: argparse.Namespace) -> list[tuple[dict[str, Any], str, int, list[str]]]:
    families = json.dumps(list(ROUTES))
    base = ["--set", f"data.families={families}", "--set", f"eval.families={families}",
            "--set", f"optim.goal_families={families}", "--set", "eval.episodes=20"]
    cells = []
    for seed in args.seed_list:
        for arm in ARMS:
            extra = [] if arm == "real" else ["--set", f'data.extra_demos=["{args.spoken}"]']
            cells.append(({"arm": arm}, "long_v3.toml", seed, base + extra))
    return cells


def speaker_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per arm the SR (%) and nDTW of the two route families, mean over seeds
    (each seed's SR in brackets)."""
    lines = ["| demonstrations | follow_route SR | nDTW | sequence SR | nDTW | both SR (seeds) |",
             "|---|---:|---:|---:|---:|---:|"]
    for arm in ARMS:
        cell = [r for r in rows if r["arm"] == arm]
        if not cell:
            continue
        both = [100 * mean([r["sr"][f] for f in ROUTES]) for r in cell]
        fam = " | ".join(f"{100 * mean([r['sr'][f] for r in cell]):.1f} | "
                         f"{mean([r['ndtw'][f] for r in cell]):.3f}" for f in ROUTES)
        lines.append(f"| {arm} | {fam} | **{mean(both):.1f}** ("
                     + ", ".join(f"{x:.1f}" for x in both) + ") |")
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("study", choices=("transfer", "speaker"))
    p.add_argument("--pretrained", required=True,
                   help="a vln pretrain --preset quickstart run (its encoders and speaker)")
    p.add_argument("--out", default=None, help="study folder (default runs/<study>)")
    p.add_argument("--sizes", default="300,1000,3000,10000", help="transfer: demonstrations")
    p.add_argument("--pool", type=int, default=16700,
                   help="transfer: episodes sampled on the train houses (five families in "
                        "turn; 16,700 hold 10,000 of the three trained ones)")
    p.add_argument("--augment", type=int, default=2000,
                   help="speaker: demonstrations with speaker-written instructions (2,000)")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--steps", type=int, default=None,
                   help="optimiser steps per cell (transfer 800, speaker 1500)")
    p.add_argument("--split", default="val_unseen")
    p.add_argument("--jobs", type=int, default=2, help="cells run at once (2)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per cell (1)")
    p.add_argument("--demos-dir", default="runs/demos")
    args = p.parse_args()
    args.size_list = [int(s) for s in args.sizes.split(",")]
    args.seed_list = [int(s) for s in args.seeds.split(",")]
    args.steps = args.steps or (800 if args.study == "transfer" else 1500)
    args.out = args.out or f"runs/{args.study}"
    if not (Path(args.pretrained) / "encoders").is_dir():
        p.error(f"--pretrained {args.pretrained}: no encoders/ folder (expected a "
                "`vln pretrain --preset quickstart --out DIR` run)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.study == "transfer":
        rows = run_cells(transfer_cells(args), args)
        text = transfer_table(rows, args.size_list)
        transfer_plot(rows, args.size_list, out / "transfer.png")
    else:
        args.spoken = str(out / "spoken.npz")
        if not Path(args.spoken).is_file():
            subprocess.run([sys.executable, "-m", "agents.cli", "pretrain", "speak",
                            args.pretrained, "--out", args.spoken, "--episodes",
                            str(args.augment), "--families", ",".join(ROUTES), "--demos-dir",
                            args.demos_dir], check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        rows = run_cells(speaker_cells(args), args)
        text = speaker_table(rows)
    settings = {k: v for k, v in vars(args).items() if k not in ("size_list", "seed_list")}
    (out / "results.json").write_text(json.dumps({"settings": settings, "rows": rows},
                                                 indent=1))
    (out / f"{args.study}.md").write_text(text)
    print(text)
    print(f"wrote {out}/results.json and {out}/{args.study}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
