"""``vln quickstart``: train, benchmark and report on the default suite in one command
(see :mod:`agents.quickstart`)."""

from __future__ import annotations

import argparse

from agents.commands import add_force, count_arg, seed_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``quickstart`` command."""
    from agents.quickstart import QuickstartConfig

    d = QuickstartConfig()
    p = sub.add_parser("quickstart", help="train a policy on the default suite, benchmark it "
                       "and write a report (about 15 minutes on 2 CPU cores)")
    p.add_argument("--suite", default=d.suite, help="suite to train and evaluate on")
    p.add_argument("--out", default=d.out,
                   help="report folder (earlier results there are replaced only with --force)")
    add_force(p)
    p.add_argument("--bc-budget", type=float, default=d.bc_budget_s,
                   help="seconds of behaviour cloning")
    p.add_argument("--dagger-budget", type=float, default=d.dagger_budget_s,
                   help="seconds of the DAgger round (0 skips it)")
    p.add_argument("--episodes", type=count_arg, default=d.episodes,
                   help="benchmark only the first N episodes of each split")
    p.add_argument("--workers", type=count_arg, default=d.workers, help="benchmark processes")
    p.add_argument("--seed", type=seed_arg, default=d.seed)
    p.add_argument("--config", default=None, metavar="FILE",
                   help="training config to start from: a file, or a shipped config's name "
                   "(default: quickstart, agents/configs/quickstart.toml)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="SECTION.FIELD=VALUE", help="training config override")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from agents.quickstart import QuickstartConfig, run_quickstart

    run_quickstart(QuickstartConfig(
        suite=args.suite, out=args.out, bc_budget_s=args.bc_budget,
        dagger_budget_s=args.dagger_budget, episodes=args.episodes, workers=args.workers,
        seed=args.seed, force=args.force, overrides=tuple(args.overrides), config_file=args.config))
    return 0
