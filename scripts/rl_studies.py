"""The reinforcement-learning studies of issue 26.

``curve``: PPO from scratch on ``vlnenv/GoToRoom-v0``, native (``vln train ppo``)
against stable-baselines3 (``vln train sb3``), success rate on ``small/val_unseen``'s
``go_to_room`` episodes against environment frames.

The two runs are trained first (hours on a CPU; the commands are in docs/rl.md and in the
study's page, docs/experiments/18-ppo-from-scratch.md); this script reads them and scores
them on the same episodes:

* the native run's own evaluations (``evals.jsonl``: every ``eval.every`` updates, the
  greedy policy on the first ``eval.episodes`` ``go_to_room`` episodes of ``val_unseen``,
  :func:`agents.evaluation.in_training.evaluate_model`), frames = updates × lanes ×
  roll-out;
* every SB3 snapshot (``at_<frames>/``, ``--save-every``) and the final policy, scored
  greedily on the same episodes here (the benchmark's loop, :func:`vlnenv.eval.evaluate`);
  the scores are cached in ``OUT/sb3_evals.json``, so a rerun scores only new snapshots;
* with ``--test``: the native run's ``best`` (chosen on ``val_unseen``) and SB3's snapshot
  best on ``val_unseen`` (the last one on a tie), each on every ``go_to_room`` episode of
  ``small/test``.

    python scripts/rl_studies.py curve --native runs/rl/ppo_gotoroom \\
        --sb3 runs/rl/sb3_gotoroom --out runs/rl/gotoroom [--test]

writes ``OUT/results.json``, ``OUT/curve.md`` (the table) and ``OUT/curve.png``.

``minutes``: BC → PPO against more BC, success rate per family against the extra
wall-clock minutes. Each arm is a run continued in segments (``--time-budget`` per
invocation, ``--resume`` between them) whose model after each segment was scored with
``vln benchmark``; this script reads those ``results.json`` files (``{m}`` in a pattern
is each of ``--minutes``; the start's own score is minute 0 of every arm)::

    python scripts/rl_studies.py minutes --start runs/rlb/start_val \
        --arm "PPO=runs/rlb/ppo_{m}" --arm "more BC=runs/rlb/bc_{m}" --minutes 10 20 30 \
        --out runs/rl/minutes

writes ``OUT/minutes.json``, ``OUT/minutes.md`` (the table) and ``OUT/minutes.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vlnenv.fileio import write_text_atomic
from vlnenv.suites.load import Suite, load_suite

FAMILY = "go_to_room"
#: The columns of the ``minutes`` table and panels of its plot.
COLUMNS = ("go_to_room", "go_to_object", "fetch", "follow_route", "sequence", "overall")


def native_points(run: Path) -> list[dict[str, Any]]:
    """``[{frames, sr, spl, episodes}]`` from a ``vln train ppo`` run's ``evals.jsonl``, in
    order; frames = update × ``env.lanes`` × ``ppo.rollout`` (one rank)."""
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))["config"]
    per_update = int(config["env"]["lanes"]) * int(config["ppo"]["rollout"])
    points = []
    for line in (run / "evals.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        summary = row["val_unseen"]
        points.append({"frames": int(row["step"]) * per_update, "sr": summary["sr"],
                       "spl": summary["spl"], "episodes": summary["episodes"]})
    return points


def sb3_folders(run: Path) -> list[tuple[int, Path]]:
    """``[(frames, folder)]`` of an SB3 run's snapshots and its final policy, by frames."""
    found = []
    for folder in [*run.glob("at_*"), run]:
        meta = folder / "sb3_policy.json"
        if meta.is_file():
            found.append((int(json.loads(meta.read_text(encoding="utf-8")).get(
                "steps", folder.name.removeprefix("at_"))), folder))
    return sorted(set(found))


def score(policy_dir: Path, suite: Suite, split: str, count: int) -> dict[str, Any]:
    """The greedy policy of ``policy_dir`` on the first ``count`` ``go_to_room`` episodes
    of ``suite``'s ``split``: ``{sr, spl, episodes}``."""
    from agents.benchmark.registry import make_policy
    from agents.evaluation.in_training import family_indices, summarise_records
    from vlnenv.eval.evaluate import evaluate

    records = evaluate(make_policy(str(policy_dir)), suite, split, batch=16, seed=0,
                       episodes=family_indices(suite, split, [FAMILY], count))
    summary = summarise_records(records)
    return {"sr": summary["sr"], "spl": summary["spl"], "episodes": summary["episodes"]}


def sb3_points(run: Path, out: Path, suite: Suite, count: int) -> list[dict[str, Any]]:
    """Every SB3 snapshot scored on ``val_unseen`` (cached in ``OUT/sb3_evals.json``)."""
    cache_path = out / "sb3_evals.json"
    cache = (json.loads(cache_path.read_text(encoding="utf-8"))
             if cache_path.is_file() else {})
    points = []
    for frames, folder in sb3_folders(run):
        key = f"{frames}:{count}"
        if key not in cache:
            cache[key] = {"frames": frames, **score(folder, suite, "val_unseen", count)}
            write_text_atomic(cache_path, json.dumps(cache, indent=1))
            print(f"sb3 at {frames:,} frames: SR {cache[key]['sr']:.3f}", flush=True)
        points.append({**cache[key], "folder": str(folder)})
    return points


def table(native: list[dict[str, Any]], sb3: list[dict[str, Any]], every: int) -> str:
    """Markdown: SR (%) at every ``every`` frames, the last point of each at or before it."""
    last = max([p["frames"] for p in native + sb3] or [0])
    lines = ["| frames | native PPO: SR % (frames of the point) | SB3 PPO: SR % (frames) |",
             "|---:|---:|---:|"]
    for mark in range(every, last + every, every):
        cells = []
        for points in (native, sb3):
            before = [p for p in points if p["frames"] <= mark]
            cells.append("" if not before else
                         f"{100 * before[-1]['sr']:.0f} ({before[-1]['frames']:,})")
        lines.append(f"| {mark:,} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def plot(native: list[dict[str, Any]], sb3: list[dict[str, Any]], path: Path) -> None:
    """SR against frames, the two runs side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from agents.viz.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for points, label in ((native, "native recurrent PPO (vln train ppo)"),
                          (sb3, "SB3 PPO, project encoders (vln train sb3)")):
        ax.plot([p["frames"] / 1e6 for p in points], [100 * p["sr"] for p in points],
                marker="o", ms=3, label=label)
    ax.set_xlabel("environment frames (millions)")
    ax.set_ylabel("SR % (go_to_room, small/val_unseen)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, 120)  # atomically
    plt.close(fig)


def family_sr(results: Path) -> dict[str, float]:
    """SR (%) per family and overall of a ``vln benchmark`` ``results.json`` (or the folder
    holding one; read by :func:`agents.benchmark.report.load_results`).

    Raises:
        ResultsError: no results file there, or not one.
        KeyError: a results file without every column.
    """
    from agents.benchmark.report import load_results

    metrics = load_results(results)["metrics"]
    return {c: 100 * float(metrics[c]["sr"]["mean"]) for c in COLUMNS}


def minutes_table(start: dict[str, float], arms: dict[str, dict[int, dict[str, float]]]) -> str:
    """Markdown: per arm and minute (0: ``start``), SR (%) per column of :data:`COLUMNS`."""
    lines = ["| arm | minutes | " + " | ".join(COLUMNS) + " |",
             "|---|---:|" + "---:|" * len(COLUMNS)]
    lines.append("| start | 0 | " + " | ".join(f"{start[c]:.0f}" for c in COLUMNS[:-1])
                 + f" | {start['overall']:.1f} |")
    for name, points in arms.items():
        for minute, sr in sorted(points.items()):
            lines.append(f"| {name} | {minute} | "
                         + " | ".join(f"{sr[c]:.0f}" for c in COLUMNS[:-1])
                         + f" | {sr['overall']:.1f} |")
    return "\n".join(lines)


def plot_minutes(start: dict[str, float], arms: dict[str, dict[int, dict[str, float]]],
                 path: Path) -> None:
    """One panel per column of :data:`COLUMNS`: SR against extra minutes, one line an arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from agents.viz.plots import save_figure

    # one scale for every panel, to 100%: differences of a few points read as such
    lowest = min([start[c] for c in COLUMNS]
                 + [sr[c] for points in arms.values() for sr in points.values() for c in COLUMNS])
    fig, axes = plt.subplots(2, 3, figsize=(9, 5), sharex=True, sharey=True)
    for ax, column in zip(axes.flat, COLUMNS, strict=True):
        for name, points in arms.items():
            minutes = [0, *sorted(points)]
            ax.plot(minutes, [start[column], *(points[m][column] for m in minutes[1:])],
                    marker="o", ms=3, label=name)
        ax.set_title(column, fontsize=9)
        ax.set_ylim(max(0.0, lowest - 5), 100)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("extra minutes")
    for ax in axes[:, 0]:
        ax.set_ylabel("SR % (greedy)")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, 110)  # atomically
    plt.close(fig)


def minutes_study(args: argparse.Namespace) -> int:
    """The ``minutes`` subcommand (see the module docstring)."""
    from agents.benchmark.report import ResultsError

    arms: dict[str, dict[int, dict[str, float]]] = {}
    try:
        start = family_sr(args.start)
        for arm in args.arm:
            name, sep, pattern = arm.partition("=")
            if not sep or "{m}" not in pattern:
                print(f"error: --arm {arm!r}: expected NAME=PATTERN with {{m}} in the "
                      "pattern", file=sys.stderr)
                return 2
            arms[name] = {m: family_sr(Path(pattern.format(m=m))) for m in args.minutes}
    except (ResultsError, KeyError) as err:
        print(f"error: a benchmark result is missing or not one: {err}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    text = minutes_table(start, arms)
    write_text_atomic(args.out / "minutes.json", json.dumps(
        {"start": start, "arms": arms}, indent=1))
    write_text_atomic(args.out / "minutes.md", text + "\n")
    plot_minutes(start, arms, args.out / "minutes.png")
    print(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="study", required=True)
    curve = sub.add_parser("curve", help="SR against frames, native and SB3 side by side")
    curve.add_argument("--native", type=Path, required=True, help="a vln train ppo run")
    curve.add_argument("--sb3", type=Path, required=True, help="a vln train sb3 run")
    curve.add_argument("--out", type=Path, required=True, help="folder for the results")
    curve.add_argument("--episodes", type=int, default=200,
                       help="go_to_room episodes scored (default 200; the native run's "
                            "eval.episodes)")
    curve.add_argument("--every", type=int, default=200_000,
                       help="frames between the table's rows (default 200,000)")
    curve.add_argument("--test", action="store_true",
                       help="also score each run's policy chosen on val_unseen on test")
    minutes = sub.add_parser("minutes", help="SR per family against extra minutes, per arm")
    minutes.add_argument("--start", type=Path, required=True,
                         help="the starting model's vln benchmark results (minute 0)")
    minutes.add_argument("--arm", action="append", required=True,
                         help="NAME=PATTERN: results of each minute, {m} in PATTERN")
    minutes.add_argument("--minutes", type=int, nargs="+", required=True)
    minutes.add_argument("--out", type=Path, required=True, help="folder for the results")
    args = parser.parse_args()
    if args.study == "minutes":
        return minutes_study(args)

    if not (args.native / "evals.jsonl").is_file() or not sb3_folders(args.sb3):
        print(f"error: expected a vln train ppo run with evaluations at {args.native} "
              f"(evals.jsonl) and a vln train sb3 run at {args.sb3} (sb3_policy.json or "
              "at_*/); train them first (see the module docstring)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    native = native_points(args.native)
    suite = load_suite("small")
    sb3 = sb3_points(args.sb3, args.out, suite, args.episodes)
    results: dict[str, Any] = {"family": FAMILY, "split": "val_unseen", "native": native,
                               "sb3": sb3}
    if args.test:
        best_sb3 = max(reversed(sb3), key=lambda p: p["sr"])
        results["test"] = {
            "native": {"policy": str(args.native / "best"),
                       **score(args.native / "best", suite, "test", 10**6)},
            "sb3": {"policy": best_sb3["folder"], "frames": best_sb3["frames"],
                    **score(Path(best_sb3["folder"]), suite, "test", 10**6)}}
    text = table(native, sb3, args.every)
    write_text_atomic(args.out / "results.json", json.dumps(results, indent=1))
    write_text_atomic(args.out / "curve.md", text + "\n")
    plot(native, sb3, args.out / "curve.png")
    print(text)
    if args.test:
        for name, row in results["test"].items():
            print(f"test, {name} ({row['policy']}): SR {100 * row['sr']:.1f}% SPL "
                  f"{100 * row['spl']:.1f} on {row['episodes']} episodes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
