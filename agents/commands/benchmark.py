"""``vln benchmark``: score a policy on a suite split, or compare two results files.

* ``vln benchmark --suite NAME --split SPLIT --policy random|forward[:N]|oracle
  [--families F,G] [--episodes N] [--workers K] [--batch B] [--seed S] [--out DIR]
  [--force] [--no-verify]``: checks the suite's files against its manifest (unless
  ``--no-verify``, which the results record), runs the policy with a progress bar, prints
  the per-family table (SR, SPL, NE, OSR, TL, nDTW, SDTW, CLS, mean ± 95% CI) and writes
  ``results.md``, ``results.csv`` and ``results.json`` (with every episode's record) into
  ``DIR`` (default ``runs/benchmark/<suite>-<split>-<policy>-seed<S>``; checked before the
  run, earlier results replaced only with ``--force``).
* ``vln benchmark --compare A.json B.json``: per family and metric, the difference
  ``A - B`` with its 95% CI and p-value (paired when both ran the same episodes).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from agents.commands import add_force, count_arg, seed_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``benchmark`` command."""
    p = sub.add_parser(
        "benchmark", help="score a policy on a suite split (or compare two results files)",
        description="Score a policy on a suite split with the standard VLN metrics, per "
                    "task family; or compare two results files.",
    )
    p.add_argument("--suite", default="small", help="suite name or folder (default: small)")
    p.add_argument("--split", default="val_unseen",
                   help="train, val_seen, val_unseen (default), test, or a rephrased split "
                        "such as test_phrasing (the test episodes in held-out words)")
    p.add_argument("--policy", default=None,
                   help="registered policy: random, forward[:N], oracle, explorer, rules, "
                        "a model folder, sampled:FOLDER[@T] (NAME[:ARGUMENT])")
    p.add_argument("--families", default=None,
                   help="only the episodes of these task families, comma-separated "
                        "(default: every family)")
    p.add_argument("--episodes", type=count_arg, default=None,
                   help="evaluate the first N episodes of the split, of --families when "
                        "given (default: all)")
    p.add_argument("--workers", type=count_arg, default=1, help="worker processes (default 1)")
    p.add_argument("--batch", type=count_arg, default=16,
                   help="environments stepped together per worker (default 16)")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed (default 0)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for the results files (created; earlier results there are "
                        "replaced only with --force)")
    add_force(p)
    p.add_argument("--no-verify", dest="verify", action="store_false",
                   help="skip checking the suite's files against its manifest's hashes "
                        "(recorded in the results as suite_verified: false)")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), default=None,
                   help="compare two results.json files instead of running")
    p.set_defaults(func=_benchmark, parser=p)


def default_out(suite: str, split: str, policy: str, seed: int) -> Path:
    """``runs/benchmark/<suite>-<split>-<policy>-seed<S>``, unsafe characters replaced."""
    name = f"{Path(suite).name}-{split}-{policy}-seed{seed}"
    return Path("runs") / "benchmark" / re.sub(r"[^A-Za-z0-9_.=-]+", "_", name)


def policy_inputs(spec: str) -> list[str]:
    """The paths a policy spec may read: the spec itself and each ``+``-separated part of
    its argument (:func:`agents.benchmark.registry.parse_policy`; an ensemble's members)
    with and without its ``@V`` tail (``sampled:runs/a/best@0.5`` -> ``runs/a/best@0.5``,
    ``runs/a/best``)."""
    from agents.benchmark.registry import parse_policy

    _, argument = parse_policy(spec)
    paths = [spec]
    for part in (argument or "").split("+"):
        paths += [part, part.rpartition("@")[0]]
    return list(dict.fromkeys(p for p in paths if p))


def _benchmark(args: argparse.Namespace) -> int:
    if args.compare is not None:
        return _compare(args.compare[0], args.compare[1])
    if args.policy is None:
        args.parser.error("--policy is required (unless --compare is given)")
    from tqdm import tqdm

    from agents.benchmark.report import RESULT_FILES, results_table, write_results
    from agents.benchmark.runner import BenchmarkConfig, family_episodes, run_benchmark
    from vlnenv.fileio import check_inputs_outside, check_output, output_folder
    from vlnenv.suites.load import load_suite

    families = (None if args.families is None
                else tuple(f for f in args.families.split(",") if f))
    config = BenchmarkConfig(suite=args.suite, split=args.split, policy=args.policy,
                             episodes=args.episodes, families=families, workers=args.workers,
                             batch=args.batch, seed=args.seed, verify=args.verify)
    out = check_output(args.out or default_out(args.suite, args.split, args.policy, args.seed),
                       args.force)  # before the run, not after it
    if args.force:  # the policy's model folders, however they are named
        check_inputs_outside(out, policy_inputs(args.policy))
    families_of = [ep.family for ep in load_suite(args.suite).episodes(args.split)]
    total = len(family_episodes(families_of, families, args.episodes))
    with tqdm(total=total, desc=f"{args.policy} on {args.suite}/{args.split}", unit="ep",
              file=sys.stderr, disable=None) as bar:
        results = run_benchmark(config, progress=bar.update)
    with output_folder(out, args.force) as folder:
        write_results(results, folder)
    paths = [out / name for name in RESULT_FILES]
    verified = "verified" if results["suite_verified"] else "NOT verified (--no-verify)"
    print(f"{args.policy} on {results['suite']}/{args.split}: {results['episodes']} episodes, "
          f"suite sha256 {results['suite_sha256'][:12]} ({verified}), seed {args.seed}")
    print(results_table(results), end="")
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0


def _compare(a_path: Path, b_path: Path) -> int:
    from agents.benchmark.report import compare_results, comparison_markdown, load_results

    a, b = load_results(a_path), load_results(b_path)
    print(comparison_markdown(a, b, compare_results(a, b)), end="")
    return 0
