"""``vln plot``: figures as PNG (matplotlib, no window).

* ``vln plot trajectory --suite S --split X --episode ID --policy P --out PNG``: the
  policy's path against the reference path over the map.
* ``vln plot curves LOG.csv --out PNG``: learning curves (columns ``step`` and any of
  ``loss``, ``sr_val_seen``, ``sr_val_unseen``).
* ``vln plot bars RESULTS.json [RESULTS2.json ...] --out PNG [--metric sr]``: a
  benchmark metric per task family with 95% CI error bars.
* ``vln plot scaling POINTS.csv --out PNG``: success rate against demonstrations per
  family (columns ``demos``, ``family``, ``sr``, optionally ``sr_ci``), log x axis.

See :mod:`agents.viz.plots` for the file formats.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from agents.commands import add_force, seed_arg

if TYPE_CHECKING:
    from agents.viz.plots import PlotConfig


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True,
                   help="PNG to write (an existing one only with --force)")
    add_force(p)
    p.add_argument("--width", type=int, default=800, help="figure width in pixels (800)")
    p.add_argument("--height", type=int, default=500, help="figure height in pixels (500)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` command group."""
    group = sub.add_parser("plot", help="trajectories, learning curves, benchmark bars, "
                                        "scaling (PNG)")
    cmds = group.add_subparsers(dest="plot_command", metavar="COMMAND", required=True)

    traj = cmds.add_parser("trajectory", help="a policy's path against the reference path")
    traj.add_argument("--suite", default="small", help="suite name or folder (default: small)")
    traj.add_argument("--split", default="val_unseen", help="split (default: val_unseen)")
    traj.add_argument("--episode", default="0", help="episode id or index (default: 0)")
    traj.add_argument("--policy", default="oracle",
                      help="random, forward[:N], oracle (default) or a model folder")
    traj.add_argument("--seed", type=seed_arg, default=0, help="policy seed (default: 0)")
    _common(traj)
    traj.set_defaults(func=_trajectory)

    curves = cmds.add_parser("curves", help="learning curves from a training log CSV")
    curves.add_argument("log", type=Path, help="CSV: step, and any of loss, sr_val_seen, "
                                               "sr_val_unseen")
    _common(curves)
    curves.set_defaults(func=_curves)

    bars = cmds.add_parser("bars", help="benchmark metric per family with 95%% CI")
    bars.add_argument("results", type=Path, nargs="+", help="results.json files (or folders)")
    bars.add_argument("--metric", default="sr",
                      help="sr (default), spl, ne, osr, tl, ndtw, sdtw or cls")
    _common(bars)
    bars.set_defaults(func=_bars)

    scaling = cmds.add_parser("scaling", help="SR against number of demonstrations")
    scaling.add_argument("points", type=Path, help="CSV: demos, family, sr[, sr_ci]")
    _common(scaling)
    scaling.set_defaults(func=_scaling)


def _config(args: argparse.Namespace) -> PlotConfig:
    """The figure's config, once ``--out`` is checked (the output rule)."""
    from agents.viz.plots import PlotConfig
    from vlnenv.fileio import check_output

    check_output(args.out, args.force, folder=False)
    return PlotConfig(width=args.width, height=args.height)


def _done(path: Path) -> int:
    print(f"wrote {path}")
    return 0


def _trajectory(args: argparse.Namespace) -> int:
    from agents.viz.driver_factory import make_driver
    from agents.viz.episodes import SuiteEpisodes
    from agents.viz.plots import plot_trajectory
    from agents.viz.record import run_episode

    config = _config(args)
    ref = SuiteEpisodes(args.suite, args.split, args.episode).get(0)
    record = run_episode(make_driver(args.policy, args.seed), ref, draw=False).record
    return _done(plot_trajectory(ref, record, args.policy, args.out, config))


def _curves(args: argparse.Namespace) -> int:
    from agents.viz.plots import plot_curves

    return _done(plot_curves(args.log, args.out, _config(args)))


def _bars(args: argparse.Namespace) -> int:
    from agents.viz.plots import plot_bars

    return _done(plot_bars(args.results, args.out, args.metric, _config(args)))


def _scaling(args: argparse.Namespace) -> int:
    from agents.viz.plots import plot_scaling

    return _done(plot_scaling(args.points, args.out, _config(args)))
