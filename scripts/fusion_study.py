"""The fusion study: every registered fusion at one training budget, two seeds, all five
task families, with the instruction-masked and image-blanked ablations (issue 27).

Every run is the quickstart's behaviour cloning (``configs/quickstart.toml``) for the same
number of optimiser steps (``optim.fit_budget`` off, one torch thread), on the five
families, changed only in ``model.fusion`` and ``run.seed``. The policy is the
quickstart's C = 64 core with the instruction tracker (``model.track``) and the parts that
any fusion can carry (``gps``, ``cells``); the goal head and the parts built on it
(``goal``, ``match``, ``memory``, ``explore``) need a fusion with a per-step context
(``film``, ``energy``) and are off for all, so that the five differ in the fusion alone.

Each trained model (its last weights: nothing is selected) is scored greedily on
``--split`` (default ``test``, all 500 episodes) three ways:

* ``full``: as trained;
* ``mask_instruction``: every instruction token replaced by ``<pad>`` at evaluation
  (``model.config.mask_instruction``), the unimodal "vision only" baseline of Thomason et
  al. (2019), "Shifting the Baseline: Single Modality Performance on Visual Navigation &
  QA";
* ``blank_image``: every image replaced by zeros (``model.config.blank_image``), the
  "language only" one.

A fusion that grounds both modalities loses most of its success under either ablation;
one that loses little under ``mask_instruction`` solves episodes from the view alone.

    python scripts/fusion_study.py --out runs/fusion --steps 2000 --parallel 2
    python scripts/fusion_study.py --out runs/fusion_parts --parts all --fusions film,energy

(the second: ``film`` and ``energy`` with every part of the quickstart's model kept) each
write ``runs/fusion/<fusion>-s<seed>/`` (each a ``vln train bc`` run folder),
``results.json`` (every score, cached: a rerun trains and scores only what is missing) and
``study.md`` (the table).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from imitation_studies import FAMILIES, train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "quickstart.toml"
FUSIONS = ("single_stream", "dual_stream", "film", "late_fusion", "energy")
#: Evaluation-time ablations: name -> the ``ModelConfig`` fields set.
ABLATIONS: dict[str, dict[str, bool]] = {
    "full": {},
    "mask_instruction": {"mask_instruction": True},
    "blank_image": {"blank_image": True},
}
#: The overrides every run shares: five families, the parts any fusion can carry.
COMMON = [
    f"data.families={','.join(FAMILIES)}",
    "model.goal=null", "model.match=null", "model.memory=null", "model.explore=null",
    "model.track={}", "optim.goal_weight=0", "optim.words_weight=0", "eval.decoding=greedy",
]
#: ``--parts all``: the quickstart's every part kept (the goal head, its memory and
#: planner), the goal-in-view loss on the families whose target the words name, as the
#: longer recipe (``configs/long.toml``); only for fusions with a per-step context.
ALL_PARTS = [
    f"data.families={','.join(FAMILIES)}", "model.track={}",
    "optim.goal_families=go_to_room,go_to_object,fetch", "eval.decoding=greedy",
    "optim.words_weight=0",  # as measured, before the word-reader loss (page 37)
]
CONTEXT_FUSIONS = ("film", "energy")


def run_name(fusion: str, seed: int, parts: str = "core") -> str:
    return f"{fusion}-s{seed}" if parts == "core" else f"{fusion}+{parts}-s{seed}"


def variants(fusions: list[str], seeds: list[int], parts: str = "core"
             ) -> dict[str, list[str]]:
    """Run name -> its ``--set`` overrides (:data:`COMMON`, or :data:`ALL_PARTS` with
    ``parts="all"``, then the fusion and the seed)."""
    shared = COMMON if parts == "core" else ALL_PARTS
    return {run_name(f, s, parts): [*shared, f"model.fusion={f}", f"run.seed={s}",
                                    f"eval.seed={s}"]
            for f in fusions for s in seeds}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Success rate overall and per family, SPL, and the routes' nDTW of ``records``, with
    the per-episode successes (for paired comparisons)."""
    by_family: dict[str, list[float]] = {}
    for r in records:
        by_family.setdefault(r["family"], []).append(float(r["sr"]))
    routes = [float(r["ndtw"]) for r in records if r["family"] == "follow_route"]
    n = max(len(records), 1)
    return {"episodes": len(records),
            "sr": sum(float(r["sr"]) for r in records) / n,
            "spl": sum(float(r["spl"]) for r in records) / n,
            "route_ndtw": sum(routes) / len(routes) if routes else float("nan"),
            "by_family": {f: sum(v) / len(v) for f, v in sorted(by_family.items())},
            "success": [int(r["sr"]) for r in records]}


def score(result: dict[str, Any], saved: dict[str, Any], args: argparse.Namespace
          ) -> dict[str, Any]:
    """``{split: {ablation: summary}}``: ``saved`` (what an earlier invocation scored) with
    one run's last model scored on ``args.split`` where it was not."""
    from agents.evaluation.model_policy import ModelPolicy
    from agents.train.checkpoint import load_model
    from vlnenv.eval.evaluate import evaluate

    out = {split: dict(scores) for split, scores in saved.items()}
    here = out.setdefault(args.split, {})
    for name, fields in ABLATIONS.items():
        if name in here:
            continue
        model = load_model(result["last_model"])
        model.config = replace(model.config, **fields)
        here[name] = summarise(evaluate(ModelPolicy(model), args.suite, args.split,
                                       episodes=args.episodes, batch=32, seed=0))
    return out


def one(name: str, overrides: list[str], train_args: argparse.Namespace,
        args: argparse.Namespace, saved: dict[str, Any]) -> dict[str, Any]:
    """Train one run (a ``vln train bc`` subprocess, skipped when its folder holds a
    result) and score it (in this worker process, one torch thread)."""
    import torch

    from agents.train.checkpoint import load_model

    torch.set_num_threads(1)
    result = train(name, overrides, train_args)
    result["parameters"] = load_model(result["last_model"]).num_parameters()
    result["scores"] = score(result, saved, args)
    return result


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def ci95(successes: list[int]) -> float:
    """Half-width of the normal 95% interval of a success rate over ``successes``."""
    n = len(successes)
    p = sum(successes) / n
    return 1.96 * math.sqrt(p * (1 - p) / n)


def table(results: dict[str, Any], fusions: list[str], seeds: list[int],
          parts: str = "core", split: str = "test") -> list[str]:
    """One row per fusion (its runs with ``parts``), each cell the mean over the seeds of
    the scores on ``split`` (each seed's in brackets for the overall), success rates in
    percent."""
    fam = " | ".join(f.replace("_", " ") for f in FAMILIES)
    lines = [f"| fusion | parameters | samples/s | {fam} | route nDTW | overall "
             "(± 95% CI) | SPL | instruction masked | image blanked |",
             "|---|---:|---:|" + "---:|" * len(FAMILIES) + "---:|---:|---:|---:|---:|"]
    for f in fusions:
        names = [run_name(f, s, parts) for s in seeds]
        runs = [results[n] for n in names if n in results]
        if not runs or any(split not in r.get("scores", {}) for r in runs):
            continue
        scored = [r["scores"][split] for r in runs]
        full = [s["full"] for s in scored]
        cells = [f"{100 * mean([s['by_family'].get(x, 0.0) for s in full]):.1f}"
                 for x in FAMILIES]
        pooled = [k for s in full for k in s["success"]]
        each = " / ".join(f"{100 * s['sr']:.1f}" for s in full)
        rate = mean([r["samples"] / r["elapsed_s"] for r in runs])
        ablated = [f"{100 * mean([s[a]['sr'] for s in scored]):.1f}"
                   for a in ("mask_instruction", "blank_image")]
        label = f"`{f}`" if parts == "core" else f"`{f}` + {parts} parts"
        lines.append(
            f"| {label} | {runs[0]['parameters']:,} | {rate:.0f} | {' | '.join(cells)} | "
            f"{mean([s['route_ndtw'] for s in full]):.2f} | "
            f"{100 * mean([s['sr'] for s in full]):.1f} ± {100 * ci95(pooled):.1f} ({each}) | "
            f"{100 * mean([s['spl'] for s in full]):.1f} | {ablated[0]} | {ablated[1]} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/fusion")
    p.add_argument("--config", default=str(CONFIG), help="training config every run starts from")
    p.add_argument("--suite", default="small")
    p.add_argument("--split", default="test", help="split the models are scored on")
    p.add_argument("--steps", type=int, default=2000, help="optimiser steps of every run")
    p.add_argument("--lanes", type=int, default=8)
    p.add_argument("--chunk", type=int, default=16)
    p.add_argument("--episodes", type=int, default=None,
                   help="score the first N episodes of --split (default: all)")
    p.add_argument("--eval-episodes", type=int, default=100,
                   help="val_unseen episodes of each training's own final evaluation")
    p.add_argument("--fusions", default=",".join(FUSIONS))
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--parts", choices=("core", "all"), default="core",
                   help="core: the parts any fusion carries (default); all: the "
                        "quickstart's every part, for film and energy")
    p.add_argument("--parallel", type=int, default=2, help="runs trained and scored at once")
    p.add_argument("--demos-dir", default="runs/demos")
    p.add_argument("--set", action="append", default=[], help="extra override, every run")
    args = p.parse_args(argv)
    fusions = [f for f in args.fusions.split(",") if f]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    unknown = sorted(set(fusions) - set(FUSIONS))
    if unknown:
        p.error(f"--fusions: unknown {unknown}; expected some of {list(FUSIONS)}")
    if args.parts == "all" and set(fusions) - set(CONTEXT_FUSIONS):
        p.error(f"--parts all: the goal head needs a fusion with a per-step context; "
                f"--fusions must be some of {list(CONTEXT_FUSIONS)}")

    from vlnenv.fileio import write_text_atomic

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    saved_path = out / "results.json"
    saved = json.loads(saved_path.read_text()) if saved_path.is_file() else {}
    # imitation_studies.train reads these names
    train_args = argparse.Namespace(out=str(out), config=args.config, suite=args.suite,
                                    seed=0, steps=args.steps, lanes=args.lanes,
                                    chunk=args.chunk, episodes=args.eval_episodes,
                                    demos_dir=args.demos_dir, set=args.set)
    started = time.perf_counter()
    todo = variants(fusions, seeds, args.parts)
    with ProcessPoolExecutor(args.parallel, mp_context=get_context("fork")) as pool:
        futures = {name: pool.submit(one, name, overrides, train_args, args,
                                     saved.get(name, {}).get("scores", {}))
                   for name, overrides in todo.items()}
        results = {name: f.result() for name, f in futures.items()}
    # read again: another invocation may have added runs in the meantime
    saved = json.loads(saved_path.read_text()) if saved_path.is_file() else {}
    write_text_atomic(saved_path, json.dumps({**saved, **results}, indent=1,
                                             sort_keys=True) + "\n")
    lines = [f"# Fusion study ({args.suite}, {args.steps} steps x {args.lanes} x {args.chunk} "
             f"samples per run, seeds {args.seeds}, scored greedily on `{args.split}`)", "",
             f"`python scripts/fusion_study.py {' '.join(argv or sys.argv[1:])}`; training "
             f"{sum(r['elapsed_s'] for r in results.values()):.0f} s summed over the runs, "
             f"this invocation {time.perf_counter() - started:.0f} s.", "",
             *table(results, fusions, seeds, args.parts, args.split), ""]
    write_text_atomic(out / "study.md", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
