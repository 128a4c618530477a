"""``vln suite``: build, check and list benchmark suites.

* ``vln suite build SPEC [--out DIR] [--force]``: build the suite of a ``spec.toml`` (into
  the spec's folder by default), byte-identically on every machine; a suite in another
  ``--out`` folder is replaced only with ``--force``, once the new one is whole.
* ``vln suite check NAME``: verify the files against the manifest's hashes and that the
  oracle solves every episode; prints each problem and exits 1 if there is any.
* ``vln suite list``: the suites under ``maps/suites`` with their splits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from agents.commands import add_force

if TYPE_CHECKING:
    from vlnenv.suites.load import Suite


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``suite`` command group."""
    group = sub.add_parser("suite", help="build, check and list benchmark suites")
    cmds = group.add_subparsers(dest="suite_command", metavar="COMMAND", required=True)

    build = cmds.add_parser("build", help="build a suite from its spec.toml")
    build.add_argument("spec", type=Path, help="the suite's spec.toml")
    build.add_argument("--out", type=Path, default=None,
                       help="suite folder to write (default: the spec's folder, always "
                            "refreshed; another built suite is replaced only with --force)")
    add_force(build)
    build.set_defaults(func=_build)

    check = cmds.add_parser("check", help="verify a suite's hashes and solve every episode")
    check.add_argument("name", help="suite name (under maps/suites) or folder")
    check.add_argument("--no-solve", action="store_true",
                       help="check the hashes only, without running the oracle")
    check.set_defaults(func=_check)

    listing = cmds.add_parser("list", help="list the suites under maps/suites")
    listing.set_defaults(func=_list)


def _build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vlnenv.suites.build import build_suite, total_episodes
    from vlnenv.suites.load import load_suite
    from vlnenv.suites.spec import read_spec

    spec, _ = read_spec(args.spec)
    start = time.perf_counter()
    with tqdm(total=total_episodes(spec), desc=f"building {spec.name}", unit="ep",
              file=sys.stderr, disable=None) as bar:
        folder = build_suite(args.spec, args.out, progress=bar.update, force=args.force)
    suite = load_suite(folder)
    print(f"built suite {suite.name} in {folder} ({time.perf_counter() - start:.1f} s), "
          f"sha256 {suite.suite_hash}")
    print(_splits_line(suite))
    return 0


def _check(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vlnenv.suites.check import check_suite, count_episodes
    from vlnenv.suites.load import load_suite

    suite = load_suite(args.name)
    total = 0 if args.no_solve else count_episodes(suite)
    with tqdm(total=total, desc=f"checking {suite.name}", unit="ep", file=sys.stderr,
              disable=None) as bar:
        problems = check_suite(suite, solve_episodes=not args.no_solve, progress=bar.update)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"vln suite check: {suite.name}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    what = "hashes" if args.no_solve else f"hashes and {total} episodes solved by the oracle"
    print(f"suite {suite.name} ({suite.path}) ok: {what}; sha256 {suite.suite_hash}")
    return 0


def _splits_line(suite: Suite) -> str:
    parts = []
    for split in suite.splits:
        info = suite.manifest["splits"][split]
        parts.append(f"{split}: {len(info['houses'])} houses, {info['episodes']} episodes")
    return "; ".join(parts)


def _list(args: argparse.Namespace) -> int:
    from vlnenv.errors import VLNError
    from vlnenv.suites.load import list_suites, load_suite, suites_root

    names = list_suites()
    if not names:
        print(f"no suites under {suites_root()}")
        return 0
    for name in names:
        try:
            suite = load_suite(name)
        except VLNError as err:
            print(f"{name}: not built ({err})")
            continue
        print(f"{name} v{suite.spec.version}: {suite.spec.description}")
        print(f"    {_splits_line(suite)}; sha256 {suite.suite_hash[:12]}")
    return 0
