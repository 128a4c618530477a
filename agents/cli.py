"""The ``vln`` command line: ``vln <group> <command> [options]``.

Each command group lives in its own module under :mod:`agents.commands` and registers its
sub-parsers; a handler returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from agents.commands import MODULES
from vlnenv.errors import VLNError


def build_parser() -> argparse.ArgumentParser:
    """The full ``vln`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="vln", description="vlnenv: vision-and-language navigation in grid houses."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vln`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except VLNError as err:
        print(f"vln: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
