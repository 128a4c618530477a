"""Does a policy read what tells rooms apart? A copy of a suite whose split says every room
without its furniture or neighbour ("the bedroom next to a restroom" -> "the bedroom",
"the kitchen with the cupboard" -> "the kitchen"), to benchmark beside the original; and
the two runs' outcomes on the episodes whose words changed.

    python scripts/drop_room_relations.py copy --suite large --split val_unseen \\
        --out runs/large_no_relations
    vln benchmark --suite runs/large_no_relations --split val_unseen --no-verify \\
        --policy runs/long_large/best --out runs/s36/no-relations
    python scripts/drop_room_relations.py compare --suite large --split val_unseen \\
        WITH/results.json WITHOUT/results.json
    python scripts/drop_room_relations.py stops --suite large --split val_unseen \\
        WITH/results.json

``stops`` says where a run's failed ``go_to_room`` episodes stopped, by how the words
describe the goal (plain, "with" furniture, "next to" a room): in a room of the type the
words name as the neighbour, in another room of the goal's type, or elsewhere.

``words`` asks a model's goal-match word reader (``model.match``) which floor each
``go_to_room`` instruction names (the most likely base label it reads off the words), by
how the words describe the goal: the goal's room type, the neighbour's, or another:

    python scripts/drop_room_relations.py words --suite small --split val_unseen \
        --policy runs/long_large/best

``cues`` asks the cue reader of a model with ``model.memory.cue``
(:mod:`agents.models.cue`) what tells each ``go_to_room`` goal apart, against the
parser's reading: the cue the words say, "plain", or another label.

The copy keeps the original's manifest, so it fails verification (hence ``--no-verify``;
its results say ``suite_verified: false``): it is a probe, not a suite. The words are cut
with the lexicon's room and furniture words (:mod:`vlnenv.language.lexicon`), in the
grammar :mod:`vlnenv.language.phrase` reads; every other word is kept.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

from vlnenv.language.instructions import GoToRoom
from vlnenv.language.lexicon import FURNITURE_WORDS, ROOM_WORDS
from vlnenv.suites.load import load_suite, suite_dir
from vlnenv.tasks.from_text import read_episode


def relation_pattern() -> re.Pattern[str]:
    """A room word followed by what tells it apart ("with the desk", "that has a sink",
    "where the bed is", "next to / beside / by / that opens onto / connected to" a room);
    group 1 is the room word."""
    def words(table: dict) -> str:
        return "|".join(re.escape(w) for w in sorted({w for ws in table.values() for w in ws},
                                                     key=len, reverse=True))
    rooms, furniture = words(ROOM_WORDS), words(FURNITURE_WORDS)
    return re.compile(
        rf"\b({rooms}) (?:(?:with|that has) (?:the|a|an) (?:{furniture})(?: in it)?"
        rf"|where the (?:{furniture}) is"
        rf"|(?:next to|beside|by|that opens onto|connected to) (?:the|a|an) (?:{rooms}))\b")


def drop_relations(text: str, pattern: re.Pattern[str] | None = None) -> str:
    """``text`` with every room said by its type alone."""
    return (pattern or relation_pattern()).sub(r"\1", text)


def copy_suite(suite: str, split: str, out: Path) -> int:
    """Copy ``suite`` to ``out`` with ``split``'s instructions cut; the number changed.
    Refuses an existing ``out`` (nothing is overwritten)."""
    if out.exists():
        sys.exit(f"error: {out} exists; choose a new folder")
    source = suite_dir(suite)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    path = tmp / "episodes" / f"{split}.jsonl"
    if not path.is_file():
        shutil.rmtree(tmp)
        sys.exit(f"error: suite {suite} has no split {split!r} ({path.name} missing)")
    pattern = relation_pattern()
    lines, changed = [], 0
    for line in path.read_text().splitlines():
        record = json.loads(line)
        said = drop_relations(record["instruction"], pattern)
        changed += said != record["instruction"]
        lines.append(json.dumps({**record, "instruction": said}, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    tmp.rename(out)
    return changed


def records(suite: str, split: str, results: Path) -> list[dict]:
    """The per-episode records of a ``results.json``, refused unless they score every
    episode of ``suite``'s ``split`` in order."""
    got = json.loads(results.read_text())["records"]
    if [r["episode_id"] for r in got] != [e.episode_id for e in load_suite(suite).episodes(split)]:
        sys.exit(f"error: {results} must score every episode of {suite}/{split} in order")
    return got


def compare(suite: str, split: str, with_words: Path, without: Path) -> str:
    """Per family, of the episodes whose words the cut changes: how many succeed in both
    runs, only with the relation, only without it, in neither."""
    pattern = relation_pattern()
    episodes = load_suite(suite).episodes(split)
    a, b = records(suite, split, with_words), records(suite, split, without)
    counts: Counter[tuple[str, str]] = Counter()
    for ep, ra, rb in zip(episodes, a, b, strict=True):
        if drop_relations(ep.instruction, pattern) == ep.instruction:
            continue
        key = {(True, True): "both", (True, False): "only with", (False, True): "only without",
               (False, False): "neither"}[(bool(ra["success"]), bool(rb["success"]))]
        counts[(ep.family, key)] += 1
        counts[("all", key)] += 1
    cols = ("both", "only with", "only without", "neither")
    rows = ["| family | changed | " + " | ".join(cols) + " |", "|---|---:|" + "---:|" * 4]
    for family in sorted({f for f, _ in counts}, key=lambda f: (f == "all", f)):
        n = sum(counts[(family, c)] for c in cols)
        rows.append(f"| {family} | {n} | " + " | ".join(str(counts[(family, c)]) for c in cols)
                    + " |")
    return "\n".join(rows)


def stops(suite: str, split: str, results: Path) -> str:
    """Where the failed ``go_to_room`` episodes of ``results`` stopped (module docstring),
    as a Markdown table of counts."""
    loaded = load_suite(suite)
    episodes, scored = loaded.episodes(split), records(suite, split, results)
    counts: Counter[tuple[str, str]] = Counter()
    for ep, record in zip(episodes, scored, strict=True):
        if ep.family != "go_to_room" or record["success"]:
            continue
        house = loaded.houses[ep.house]
        read = read_episode(ep, house)
        assert isinstance(read, GoToRoom)
        cue = read.cue
        said = said_as(cue)
        end = tuple(record["path"][-1])
        room = int(house.room_map[end])
        kind = house.rooms[room].type if room >= 0 else None
        where = ("the neighbour named" if cue is not None and kind is not None
                 and kind == cue.neighbour
                 else "a room of the goal's type" if kind == house.rooms[read.room].type
                 else "elsewhere")
        counts[(said, where)] += 1
    cols = ("the neighbour named", "a room of the goal's type", "elsewhere")
    rows = ["| the goal said | failures | " + " | ".join(cols) + " |", "|---|---:|" + "---:|" * 3]
    for said in ("plain", "with", "next to"):
        n = sum(counts[(said, c)] for c in cols)
        rows.append(f"| {said} | {n} | " + " | ".join(str(counts[(said, c)]) for c in cols)
                    + " |")
    return "\n".join(rows)


def said_as(cue) -> str:
    """How the words describe a room (:attr:`GoToRoom.cue`): plain, with, next to."""
    return ("plain" if cue is None or cue.plain
            else "with" if cue.furniture is not None else "next to")


def words(suite: str, split: str, policy: Path) -> str:
    """Which floor the word reader of the model at ``policy`` names for each ``go_to_room``
    instruction of the split (module docstring), as a Markdown table of counts.

    Raises:
        SystemExit: the model has no goal match (``model.match``), so no word reader.
    """
    import torch

    from agents.models.inputs import instruction_ids
    from agents.models.policy import MultimodalTransformer
    from vlnenv.render.codes import N_BASE, floor_code

    model = MultimodalTransformer.from_pretrained(policy).eval()
    if model.match_head is None:
        raise SystemExit(f"{policy}: the model has no goal match (model.match), so no word "
                         f"reader to ask")
    loaded = load_suite(suite)
    counts: Counter[tuple[str, str]] = Counter()
    for ep in loaded.episodes(split):
        if ep.family != "go_to_room":
            continue
        house = loaded.houses[ep.house]
        read = read_episode(ep, house)
        assert isinstance(read, GoToRoom)
        ids = instruction_ids([ep.instruction], model.instructions, model.device)  # (1, L)
        with torch.no_grad():
            named = int(model.instruction_labels(model.text(ids))[0, :N_BASE].argmax())
        cue = read.cue
        which = ("the goal's type" if named == floor_code(house.rooms[read.room].type)
                 else "the neighbour's" if cue is not None and cue.neighbour is not None
                 and named == floor_code(cue.neighbour) else "another")
        counts[(said_as(cue), which)] += 1
    return said_table(counts, "names", ("the goal's type", "the neighbour's", "another"))


def said_table(counts: Counter[tuple[str, str]], verb: str, cols: tuple[str, ...]) -> str:
    """A Markdown table of ``counts`` by how the words describe the goal (rows: plain,
    with, next to) and ``cols`` (headed ``verb col``)."""
    rows = ["| the goal said | instructions | " + " | ".join(f"{verb} {c}" for c in cols)
            + " |", "|---|---:|" + "---:|" * len(cols)]
    for said in ("plain", "with", "next to"):
        n = sum(counts[(said, c)] for c in cols)
        rows.append(f"| {said} | {n} | " + " | ".join(str(counts[(said, c)]) for c in cols)
                    + " |")
    return "\n".join(rows)


def cues(suite: str, split: str, policy: Path) -> str:
    """What the cue reader of the model at ``policy`` (``model.memory.cue``) reads off each
    ``go_to_room`` instruction of the split, against what the parser reads
    (:func:`agents.train.data.word_targets.cue_label`): the cue said, "plain", or another
    label; a Markdown table of counts by how the words describe the goal.

    Raises:
        SystemExit: the model has no cue reader.
    """
    import torch

    from agents.models.cue import PLAIN
    from agents.models.inputs import instruction_ids
    from agents.models.policy import MultimodalTransformer
    from agents.models.text import TextOutput
    from agents.train.data.word_targets import cue_label

    model = MultimodalTransformer.from_pretrained(policy).eval()
    if model.cue_head is None:
        raise SystemExit(f"{policy}: the model has no cue reader (model.memory.cue)")
    loaded = load_suite(suite)
    counts: Counter[tuple[str, str]] = Counter()
    for ep in loaded.episodes(split):
        if ep.family != "go_to_room":
            continue
        read = read_episode(ep, loaded.houses[ep.house])
        assert isinstance(read, GoToRoom)
        ids = instruction_ids([ep.instruction], model.instructions, model.device)  # (1, L)
        with torch.no_grad():
            text: TextOutput = model.text(ids)
            named = int(model.cue_head(text.tokens, text.padding)[0].argmax())
        said = cue_label(read.cue)
        which = ("the cue said" if named == said else "plain" if named == PLAIN
                 else "another")
        counts[(said_as(read.cue), which)] += 1
    return said_table(counts, "reads", ("the cue said", "plain", "another"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cp = sub.add_parser("copy", help="write the suite copy with the relations cut")
    cmp = sub.add_parser("compare", help="outcomes on the episodes whose words changed")
    st = sub.add_parser("stops", help="where the failed go_to_room episodes stopped")
    wd = sub.add_parser("words", help="which floor a model's word reader names")
    cu = sub.add_parser("cues", help="what a cue model's cue reader reads off the words")
    for p in (cp, cmp, st, wd, cu):
        p.add_argument("--suite", required=True)
        p.add_argument("--split", required=True)
    cp.add_argument("--out", type=Path, required=True)
    cmp.add_argument("with_words", type=Path, help="results.json on the suite itself")
    cmp.add_argument("without", type=Path, help="results.json on the copy")
    st.add_argument("results", type=Path, help="results.json on the suite itself")
    wd.add_argument("--policy", type=Path, required=True,
                    help="a model folder with the goal match (model.match)")
    cu.add_argument("--policy", type=Path, required=True,
                    help="a model folder with the cue (model.memory.cue)")
    args = parser.parse_args(argv)
    if args.command == "copy":
        n = copy_suite(args.suite, args.split, args.out)
        print(f"wrote {args.out}: {n} instructions of {args.split} said without relations")
    elif args.command == "compare":
        print(compare(args.suite, args.split, args.with_words, args.without))
    elif args.command == "stops":
        print(stops(args.suite, args.split, args.results))
    elif args.command == "cues":
        print(cues(args.suite, args.split, args.policy))
    else:
        print(words(args.suite, args.split, args.policy))


if __name__ == "__main__":
    main()
