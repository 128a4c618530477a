"""Imitation studies at one training budget: grounding ablations, teacher per family, and
scaling with the number of demonstrations (issue 7).

Every variant is the quickstart's behaviour cloning (``configs/quickstart.toml``, or
``--config FILE``) for the same number of optimiser steps (``optim.fit_budget`` off),
changed in one way:

* ``full``: as configured (default teachers);
* ``mask_instruction`` / ``blank_image``: the instruction replaced by padding / the image
  by zeros (``model.mask_instruction`` / ``model.blank_image``), in training and testing;
* ``teacher_oracle`` / ``teacher_explorer``: every family taught by that teacher;
* ``goal_aux``: with the goal-in-view auxiliary loss (:mod:`agents.train.data.targets`);
* ``demos_<N>``: only the first ``N`` demonstrations (``data.max_episodes``).

Each is scored on ``val_unseen``: closed-loop success on the first ``--episodes``
episodes (five families in turn; the benchmark's own loop), with greedy and with sampled
actions (:class:`agents.evaluation.model_policy.SampledModelPolicy`), and the
teacher-forced NLL and accuracy of the default teachers' actions on the first
``--held-out`` demonstrations (:mod:`agents.train.validation`), which still separates
runs whose success is 0.

    python scripts/imitation_studies.py --out runs/studies --steps 600 --parallel 2

writes ``runs/studies/<variant>/`` (each a ``vln train bc`` run folder),
``results.json``, ``studies.md`` (the tables) and ``scaling.png`` (held-out NLL and
success against demonstrations).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "quickstart.toml"
FAMILIES = ("go_to_room", "go_to_object", "fetch", "follow_route", "sequence")
#: ``eval.decoding`` -> the result key its evaluation fills.
DECODED = {"greedy": "greedy", "sample": "sampled"}


def teacher_overrides(teacher: str) -> list[str]:
    return [f"data.teacher.{f}={teacher}" for f in FAMILIES]


def variants(total: int, scaling: list[int]) -> dict[str, list[str]]:
    """Variant name -> its ``--set`` overrides."""
    out = {
        "full": [],
        "mask_instruction": ["model.mask_instruction=true"],
        "blank_image": ["model.blank_image=true"],
        "teacher_oracle": teacher_overrides("oracle"),
        "teacher_explorer": teacher_overrides("explorer"),
        "goal_aux": ["model.goal={}", "optim.goal_weight=1.0"],
    }
    for n in scaling:
        if n < total:
            out[f"demos_{n}"] = [f"data.max_episodes={n}"]
    return out


def train(name: str, overrides: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Run one variant's ``vln train bc`` in a subprocess (one torch thread)."""
    out = Path(args.out) / name
    if (out / "result.json").is_file():
        return json.loads((out / "result.json").read_text())
    settings = [f"data.suite={args.suite}", f"run.out={out}", f"run.seed={args.seed}",
                # step-matched: the same steps for every variant, not fitted to a budget
                f"optim.max_steps={args.steps}", "optim.fit_budget=false",
                f"optim.warmup_steps={min(50, args.steps)}",
                f"data.lanes={args.lanes}", f"data.chunk={args.chunk}",
                f"data.demos_dir={args.demos_dir}",
                "eval.every=0", f"eval.episodes={args.episodes}", "eval.splits=val_unseen",
                # every family, as the greedy evaluation here: the final evaluation of the
                # training is reused as the sampled score, so both cover the same episodes
                f"eval.families={','.join(FAMILIES)}",
                f"eval.seed={args.seed}",
                "run.threads=1", "run.progress_bar=false", "run.tensorboard=false",
                *args.set, *overrides]
    cmd = [sys.executable, "-m", "agents.train", "bc", "--config", str(args.config)]
    for s in settings:
        cmd += ["--set", s]
    started = time.perf_counter()
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "4194304"}
    with open(Path(args.out) / f"{name}.log", "w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, env=env)
    print(f"{name}: trained in {time.perf_counter() - started:.0f} s", flush=True)
    return json.loads((out / "result.json").read_text())


def held_out_scores(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    """Add to each result ``held_out`` (teacher-forced NLL/accuracy of the default
    teachers' actions, so comparable across the ablation and scaling variants, not across
    teachers), ``greedy`` and ``sampled`` (closed-loop success of the policy with arg-max
    and with sampled actions on the first ``--episodes`` episodes: the training's final
    evaluation is one of them, per its ``eval.decoding``), reusing those an earlier run
    of the script saved."""
    import torch

    from agents.evaluation.in_training import summarise_records
    from agents.evaluation.model_policy import ModelPolicy, SampledModelPolicy
    from agents.train.checkpoint import load_model
    from agents.train.sections import DEFAULT_TEACHERS
    from agents.train.validation import held_out_demos, score_demos
    from vlnenv.eval.evaluate import evaluate
    from vlnenv.suites import load_suite

    torch.set_num_threads(args.threads)
    suite = load_suite(args.suite)
    saved_path = Path(args.out) / "results.json"
    saved = json.loads(saved_path.read_text()) if saved_path.is_file() else {}
    demos = None
    for name, result in results.items():
        for key in ("held_out", "greedy", "sampled"):
            if key in saved.get(name, {}) and key not in result:
                result[key] = saved[name][key]
        decoding = result["config"]["eval"].get("decoding", "greedy")
        result.setdefault(DECODED[decoding], result["final_eval"]["val_unseen"])
        if "held_out" not in result:
            if demos is None:
                demos = held_out_demos(suite, "val_unseen", DEFAULT_TEACHERS, args.demos_dir,
                                       episodes=args.held_out, workers=2)
            result["held_out"] = score_demos(load_model(result["last_model"]), demos,
                                             suite.houses)
        policies = {"greedy": ModelPolicy, "sampled": partial(SampledModelPolicy,
                                                                 seed=args.seed)}
        for key, make in policies.items():
            if key not in result:
                result[key] = summarise_records(evaluate(
                    make(load_model(result["last_model"])), suite, "val_unseen",
                    episodes=args.episodes, batch=32, seed=args.seed))


def fmt(x: float, pct: bool = False) -> str:
    return f"{100 * x:.1f}" if pct else f"{x:.3f}"


def table(results: dict[str, dict[str, Any]], names: list[str]) -> list[str]:
    header = ("| variant | demos | steps | samples | SR greedy (%) | SR sampled (%) | "
              + " | ".join(f"sampled {f}" for f in FAMILIES)
              + " | held-out NLL | held-out acc (%) |")
    lines = [header, "|" + "---|" * (8 + len(FAMILIES))]
    for name in names:
        r = results[name]
        greedy, sampled = r["greedy"], r["sampled"]
        fams = " | ".join(fmt(sampled["by_family"].get(f, 0.0), True) for f in FAMILIES)
        held = r["held_out"]["overall"]
        lines.append(f"| `{name}` | {r['config']['data'].get('max_episodes') or 'all'} | "
                     f"{r['steps']} | {r['samples']:,} | {fmt(greedy['sr'], True)} | "
                     f"{fmt(sampled['sr'], True)} | {fams} | "
                     f"{fmt(held['nll'])} | {fmt(held['accuracy'], True)} |")
    return lines


def scaling_plot(results: dict[str, dict[str, Any]], names: list[str], total: int,
                 out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted((results[n]["config"]["data"].get("max_episodes") or total, n)
                    for n in names)
    x = [p[0] for p in points]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=110)
    for f in ("overall", *FAMILIES):
        a.plot(x, [results[n]["held_out"].get(f, {}).get("nll", float("nan"))
                   for _, n in points], marker="o", label=f.replace("_", " "),
               **({"color": "black", "linewidth": 3} if f == "overall" else {}))
        if f != "overall":
            b.plot(x, [100 * results[n]["sampled"]["by_family"].get(f, 0.0)
                       for _, n in points], marker="o", label=f.replace("_", " "))
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("demonstrations")
        ax.grid(alpha=0.3)
    a.set_ylabel("held-out NLL (val_unseen)")
    b.set_ylabel("success rate, sampled actions (%)")
    a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/studies")
    p.add_argument("--config", default=str(CONFIG),
                   help="training config every variant starts from (default: the quickstart's; "
                        "configs/quickstart_v3.toml for the tables of its third version)")
    p.add_argument("--suite", default="small")
    p.add_argument("--steps", type=int, default=600, help="optimiser steps of every variant")
    p.add_argument("--lanes", type=int, default=16)
    p.add_argument("--chunk", type=int, default=16)
    p.add_argument("--episodes", type=int, default=100, help="closed-loop episodes")
    p.add_argument("--held-out", type=int, default=250, help="held-out demonstrations")
    p.add_argument("--scaling", default="625,1250,2500", help="demonstration counts")
    p.add_argument("--only", default="", help="comma-separated variant names")
    p.add_argument("--parallel", type=int, default=2, help="variants trained at once")
    p.add_argument("--threads", type=int, default=2, help="torch threads for scoring")
    p.add_argument("--demos-dir", default="runs/demos")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], help="extra override, all variants")
    args = p.parse_args(argv)

    from vlnenv.suites import load_suite

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    total = len(load_suite(args.suite).episodes("train"))
    scaling = [int(n) for n in args.scaling.split(",") if n]
    todo = variants(total, scaling)
    if args.only:
        todo = {k: v for k, v in todo.items() if k in args.only.split(",")}
    started = time.perf_counter()
    with ThreadPoolExecutor(args.parallel) as pool:
        futures = {name: pool.submit(train, name, ov, args) for name, ov in todo.items()}
        results = {name: f.result() for name, f in futures.items()}
    held_out_scores(results, args)
    (out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    ablation = [n for n in ("full", "mask_instruction", "blank_image", "goal_aux")
                if n in results]
    teachers = [n for n in ("full", "teacher_oracle", "teacher_explorer") if n in results]
    scale = [n for n in results if n.startswith("demos_")] + (["full"] if "full" in results
                                                            else [])
    lines = [f"# Imitation studies ({args.suite}, {args.steps} steps x {args.lanes} x "
             f"{args.chunk} samples per variant)", "",
             f"`python scripts/imitation_studies.py {' '.join(argv or sys.argv[1:])}`; "
             f"training {sum(r['elapsed_s'] for r in results.values()):.0f} s summed over "
             f"the variants, this invocation {time.perf_counter() - started:.0f} s.", "",
             "## Grounding ablations (and the goal-in-view auxiliary)", "",
             *table(results, ablation), "",
             "## Teacher per family", "", *table(results, teachers), "",
             "## Demonstrations", "", *table(results, scale), ""]
    (out / "studies.md").write_text("\n".join(lines))
    if len(scale) > 1:
        scaling_plot(results, scale, total, out / "scaling.png")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
