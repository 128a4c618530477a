"""Checking a built suite: its files are the ones the manifest hashes, and the oracle
solves every episode.

Each check returns a list of problems (empty when all is well), every one naming the
file, split or episode concerned, so ``vln suite check`` can print them all at once.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from vlnenv.errors import SuiteError, VLNError
from vlnenv.expert.oracle import Oracle
from vlnenv.suites.build import MANIFEST_FILE, SPEC_FILE, suite_hash
from vlnenv.suites.load import Suite, load_suite
from vlnenv.suites.spec import sha256_bytes
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import play_expert
from vlnenv.world.house import House

Progress = Callable[[int], None]

#: Folders whose every file a manifest must list.
BUILT_FOLDERS: tuple[str, ...] = ("houses", "episodes")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def check_hashes(suite: Suite) -> list[str]:
    """Problems with the files: a missing or changed file (by its path), a built file the
    manifest does not list, a spec that is not the one built from, a wrong suite hash."""
    problems = []
    manifest = suite.manifest
    spec_bytes = _read(suite.path / SPEC_FILE)
    if spec_bytes is None or sha256_bytes(spec_bytes) != manifest["spec_sha256"]:
        problems.append(f"{suite.path / SPEC_FILE}: differs from the spec the suite was built "
                        f"from (sha256 {manifest['spec_sha256']}); rebuild the suite")
    for rel, expected in sorted(manifest["files"].items()):
        path = suite.path / rel
        data = _read(path)
        if data is None:
            problems.append(f"{path}: missing (listed in {MANIFEST_FILE})")
        elif sha256_bytes(data) != expected:
            problems.append(f"{path}: sha256 {sha256_bytes(data)} differs from the manifest's "
                            f"{expected}")
    listed = set(manifest["files"])
    for folder in BUILT_FOLDERS:
        for path in sorted((suite.path / folder).rglob("*")):
            rel = path.relative_to(suite.path).as_posix()
            if path.is_file() and rel not in listed:
                problems.append(f"{path}: not listed in {MANIFEST_FILE}")
    if suite_hash(manifest["files"]) != manifest["suite_sha256"]:
        problems.append(f"{suite.path / MANIFEST_FILE}: suite_sha256 does not match the "
                        "hashes of the files it lists")
    return problems


def verify_suite(suite: Suite) -> str:
    """The suite's hash, once its files are checked against the manifest
    (:func:`check_hashes`): what a benchmark records as the suite it ran.

    Raises:
        SuiteError: a missing, changed or unlisted file (the first problem and how many
            more), with how to rebuild the suite.
    """
    problems = check_hashes(suite)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise SuiteError(f"suite {suite.name} fails its hash check: {problems[0]}{more}; "
                         f"expected the files its manifest lists (rebuild it with `vln suite "
                         f"build {suite.path / SPEC_FILE}`, or check it with `vln suite check "
                         f"{suite.name}`)")
    return suite.suite_hash


def files_hash(suite: Suite) -> str:
    """The suite hash of the files as they are on disk (those the manifest lists): equal
    to the manifest's ``suite_sha256`` when nothing was changed; a missing file counts as
    empty."""
    digests = {rel: sha256_bytes(_read(suite.path / rel) or b"") for rel in suite.manifest["files"]}
    return suite_hash(digests)


def check_episode(episode: Episode, house: House, oracle: Oracle | None = None) -> str | None:
    """Why the oracle fails ``episode`` (``None`` when it succeeds): it must stop with the
    instruction verified ``SUCCESS`` and on a goal cell, and the task's goal cells must be
    the record's ``goal``."""
    where = f"episode {episode.episode_id} (house {episode.house})"
    try:
        run = EpisodeRun(episode, house)
        if sorted(run.instruction.goal_cells) != sorted(episode.goal):
            return f"{where}: the task's goal cells differ from the record's goal"
        play_expert(run, "oracle", oracle=oracle)
    except VLNError as err:
        return f"{where}: {err}"
    final = run.state
    if not run.success:
        return f"{where}: the oracle stopped at {final.pose} without success"
    if final.pos not in set(episode.goal):
        return f"{where}: the oracle stopped at {final.pos}, not on a goal cell"
    return None


def check_episodes(suite: Suite, progress: Progress | None = None) -> list[str]:
    """Problems with the episodes: unreadable files, counts that differ from the manifest,
    unknown houses, and episodes the oracle does not solve."""
    problems = []
    oracles: dict[str, Oracle] = {}
    for split in suite.splits:
        try:
            episodes = suite.episodes(split)
        except VLNError as err:
            problems.append(str(err))
            continue
        where = suite.path / "episodes" / f"{split}.jsonl"
        expected = suite.manifest["splits"].get(split, {})
        families = dict(Counter(ep.family for ep in episodes))
        if len(episodes) != expected.get("episodes") or families != expected.get("families"):
            problems.append(f"{where}: {len(episodes)} episodes {families}; the manifest says "
                            f"{expected.get('episodes')} {expected.get('families')}")
        allowed = set(suite.house_ids(split))
        for ep in episodes:
            if ep.house not in allowed:
                problems.append(f"{where}: episode {ep.episode_id} names house {ep.house!r}, "
                                f"not one of split {split}'s houses")
            else:
                problem = _check_in_house(suite, ep, oracles)
                if problem is not None:
                    problems.append(f"{where}: {problem}")
            if progress is not None:
                progress(1)
    return problems


def _check_in_house(suite: Suite, episode: Episode, oracles: dict[str, Oracle]) -> str | None:
    try:
        house = suite.houses[episode.house]
    except (VLNError, OSError) as err:
        return f"house {episode.house}: {err}"
    oracle = oracles.setdefault(episode.house, Oracle(house))
    return check_episode(episode, house, oracle)


def count_episodes(suite: Suite) -> int:
    """Episodes the manifest lists (for progress bars)."""
    return sum(int(s.get("episodes", 0)) for s in suite.manifest["splits"].values())


def check_suite(name_or_path: str | os.PathLike[str] | Suite, solve_episodes: bool = True,
                progress: Progress | None = None) -> list[str]:
    """Every problem of a built suite: :func:`check_hashes`, then (when the files are
    intact and ``solve_episodes``) :func:`check_episodes`.

    Raises:
        SuiteError: the suite cannot be opened at all.
    """
    suite = name_or_path if isinstance(name_or_path, Suite) else load_suite(name_or_path)
    problems = check_hashes(suite)
    if solve_episodes and not problems:
        problems += check_episodes(suite, progress)
    return problems
