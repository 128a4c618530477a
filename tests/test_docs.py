"""The commands the README and docs/ (the experiment pages included) show exist as
written: every ``vln`` sub-command and ``--flag`` is one the parser knows, and every
script named is in the tree."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from agents.cli import build_parser

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "docs" / "experiments").glob("*.md"))]


def shell_blocks(text: str) -> list[str]:
    """The commands of the ```bash blocks, continuation lines joined."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        lines += block.replace("\\\n", " ").splitlines()
    return lines


def inline_commands(text: str) -> list[str]:
    """Inline code spans that are whole ``vln`` or ``python`` commands (no elision
    ``...``), wrapped lines joined."""
    spans = re.findall(r"`((?:vln|python) [^`]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [span.replace("\n", " ") for span in spans if "..." not in span]


def commands(line: str) -> list[list[str]]:
    """The ``vln`` and ``python`` commands of a shell line, as word lists."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:  # an apostrophe in a comment's prose
        words = shlex.split(line.split(" #")[0], comments=True)
    out: list[list[str]] = [[]]
    for word in words:
        if word in ("&&", "||", ";", "|"):
            out.append([])
        else:
            out[-1].append(word.strip("[]"))
    return [c for c in out if c and (c[0] == "vln" or c[0] == "python")]


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def needs_sub_command(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) and a.required
               for a in parser._actions)


def check_vln(words: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """What in ``vln WORDS`` the parser does not know (empty: all known)."""
    rest = words[1:]
    path = ["vln"]
    while rest and rest[0] in subparsers(parser):
        parser = subparsers(parser)[rest[0]]
        path.append(rest.pop(0))
    if needs_sub_command(parser):
        return [f"{' '.join(path)} needs a sub-command, got {rest[:1]}"]
    known = {s for a in parser._actions for s in a.option_strings}
    return [f"{' '.join(path)}: unknown option {w.split('=')[0]}"
            for w in rest if w.startswith("--") and w.split("=")[0] not in known]


def check_python(words: list[str]) -> list[str]:
    """A ``python path/to/script.py`` command names a file of the tree."""
    script = next((w for w in words[1:] if w.endswith(".py")), None)
    if script is None or words[1] == "-m" or "/" not in script:
        return []
    return [] if (ROOT / script).is_file() else [f"no script {script}"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_shown_exists(page: Path):
    text = page.read_text(encoding="utf-8")
    parser = build_parser()
    problems = []
    for line in shell_blocks(text) + inline_commands(text):
        for words in commands(line):
            found = check_vln(words, parser) if words[0] == "vln" else check_python(words)
            problems += [f"{line.strip()!r}: {p}" for p in found]
    assert problems == []


def test_the_checker_catches_an_unknown_option_and_sub_command():
    parser = build_parser()
    assert check_vln(["vln", "train", "bc", "--config", "quickstart"], parser) == []
    assert check_vln(["vln", "train", "bc", "--lr", "3"], parser) == [
        "vln train bc: unknown option --lr"]
    assert check_vln(["vln", "train"], parser) == ["vln train needs a sub-command, got []"]
    assert check_python(["python", "benchmarks/nowhere.py"]) == ["no script benchmarks/nowhere.py"]
