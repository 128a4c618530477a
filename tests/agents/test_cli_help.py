"""Every `vln` command and subcommand prints its help (argparse formats help strings with
%-formatting, so a stray '%' breaks `--help` only when it is asked for)."""

from __future__ import annotations

import argparse

from agents.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, name: str = "vln"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from _parsers(child, f"{name} {sub}")


def test_every_command_formats_its_help():
    names = []
    for name, parser in _parsers(build_parser()):
        assert parser.format_help().startswith("usage:"), name
        names.append(name)
    assert {"vln plot bars", "vln train bc", "vln quickstart", "vln benchmark"} <= set(names)
