"""Building a suite from its spec, byte-identically on every machine.

Layout of a built suite folder::

    spec.toml                       the spec, copied byte for byte
    manifest.json                   hashes and counts (see :func:`manifest`)
    houses/<split>/<id>.toml        generated houses (handmade suites refer to their files)
    episodes/<split>.jsonl          one episode record per line, ``house`` = house id

Randomness. Every house and every episode has its own stream, derived from the spec's
seed by :class:`numpy.random.SeedSequence` with a spawn key naming it: ``(split, 0, i)``
for the ``i``-th house of a split and ``(split, 1, j)`` for the ``j``-th episode, where
``split`` is the split's index in :data:`~vlnenv.suites.spec.SPLITS`. So growing one
split changes nothing in the others, and each record can be rebuilt alone.

Rephrased splits (``episodes_from`` and ``phrasing`` in the spec) copy the episodes of
their source split and say each instruction again (:func:`vlnenv.tasks.rephrase.rephrase`)
with the stream ``(source, 2, j)``: twins of one source in two phrasings draw from the
same streams, and no other split's bytes depend on them.

Assignment. Episode ``j`` of a split is of family ``families[j % F]`` and is drawn in
house ``(j // F) % H`` (``F`` families, ``H`` houses): families get equal shares and each
house a share of every family. When a house cannot hold such an episode (no object to
fetch, say) the next house is tried, in order. Episodes whose reference path has fewer
than ``min_reference_cells`` cells are redrawn from the same stream.

Files are text with ``"\\n"`` newlines; JSON has sorted keys and no floats. The folder
is written next to its target and renamed over it, so a failed build leaves the old suite
(or nothing) in place.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vlnenv.errors import VLNError
from vlnenv.expert.oracle import Oracle
from vlnenv.fileio import output_folder
from vlnenv.suites.spec import (
    SHARED_HOUSES,
    SPLITS,
    SplitSpec,
    SuiteError,
    SuiteSpec,
    read_spec,
    sha256_bytes,
)
from vlnenv.tasks.episode import Episode, dumps_episodes
from vlnenv.tasks.rephrase import rephrase
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.generate import PRESETS, generate_house
from vlnenv.world.house import House
from vlnenv.world.mapfile import dumps_house, loads_house

#: Version of the built layout and manifest.
FORMAT = 1
SPEC_FILE = "spec.toml"
MANIFEST_FILE = "manifest.json"
#: Spawn-key roles.
HOUSE_ROLE, EPISODE_ROLE, PHRASING_ROLE = 0, 1, 2
#: Draws from one stream in one house before the next house is tried.
MAX_REDRAWS = 50

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SuiteHouse:
    """A house of a suite as built.

    Attributes:
        id: the house id (episode records name it).
        path: its map file, relative to the suite folder, ``/``-separated.
        house: the house as loaded from that file's text.
        text: the map-file text to write (``None`` for a handmade house, which is
            referred to, not copied).
    """

    id: str
    path: str
    house: House
    text: str | None


# ---------------------------------------------------------------------- streams
def split_key(split: str) -> int:
    """Spawn-key number of a split (its index in :data:`SPLITS`)."""
    return SPLITS.index(split)


def stream(seed: int, split: str, role: int, index: int) -> np.random.Generator:
    """The generator of item ``index`` of ``role`` (houses or episodes) in ``split``."""
    return np.random.default_rng(np.random.SeedSequence(seed,
                                                        spawn_key=(split_key(split), role, index)))


def house_seed(seed: int, split: str, index: int) -> int:
    """The :func:`generate_house` seed of house ``index`` of ``split`` (a uint32)."""
    seq = np.random.SeedSequence(seed, spawn_key=(split_key(split), HOUSE_ROLE, index))
    return int(seq.generate_state(1, np.uint32)[0])


# ---------------------------------------------------------------------- houses
def house_id(split: str, index: int) -> str:
    """Id of generated house ``index`` of ``split``: ``"<split>-h0007"``."""
    return f"{split}-h{index:04d}"


def episode_id(split: str, index: int) -> str:
    """Id of episode ``index`` of ``split``: ``"<split>-e00042"``."""
    return f"{split}-e{index:05d}"


def generated_houses(spec: SuiteSpec, split: SplitSpec) -> list[SuiteHouse]:
    """The new houses of a split of a generated suite, each loaded back from its text so
    episodes are sampled on exactly what the file holds."""
    config = PRESETS[str(spec.preset)]
    out = []
    for i in range(int(split.houses or 0)):
        text = dumps_house(generate_house(config, house_seed(spec.seed, split.name, i)))
        hid = house_id(split.name, i)
        path = f"houses/{split.name}/{hid}.toml"
        out.append(SuiteHouse(hid, path, loads_house(text, path), text))
    return out


def handmade_houses(spec: SuiteSpec, split: SplitSpec, spec_dir: Path,
                    out_dir: Path) -> tuple[list[SuiteHouse], dict[str, bytes]]:
    """The hand-made houses of a split and the bytes of their files (keyed by their path
    relative to ``out_dir``)."""
    folder = (spec_dir / str(spec.house_dir)).resolve()
    houses, files = [], {}
    for stem in split.houses or ():
        file = folder / f"{stem}.toml"
        try:
            data = file.read_bytes()
        except OSError as err:
            raise SuiteError(f"{spec_dir / 'spec.toml'}: splits.{split.name}.houses names "
                             f"{stem!r}, but {file} cannot be read ({err.strerror})") from None
        rel = Path(os.path.relpath(file, out_dir.resolve())).as_posix()
        houses.append(SuiteHouse(stem, rel, loads_house(data.decode("utf-8"), str(file)), None))
        files[rel] = data
    return houses, files


# ---------------------------------------------------------------------- episodes
def sample_split(
    spec: SuiteSpec,
    split: SplitSpec,
    houses: Sequence[SuiteHouse],
    oracles: dict[str, Oracle],
    progress: Progress | None = None,
) -> list[Episode]:
    """The episodes of one split (see the module docstring for the assignment).

    Raises:
        SuiteError: no house of the split can hold some episode.
    """
    episodes = []
    n_families = len(spec.families)
    for j in range(split.episodes):
        family = spec.families[j % n_families]
        first = (j // n_families) % len(houses)
        rng = stream(spec.seed, split.name, EPISODE_ROLE, j)
        episodes.append(_sample_one(spec, split.name, j, family, houses, first, rng, oracles))
        if progress is not None:
            progress(1)
    return episodes


def _sample_one(
    spec: SuiteSpec, split: str, j: int, family: str, houses: Sequence[SuiteHouse],
    first: int, rng: np.random.Generator, oracles: dict[str, Oracle],
) -> Episode:
    reason = "no house"
    for k in range(len(houses)):
        sh = houses[(first + k) % len(houses)]
        oracle = oracles.setdefault(sh.id, Oracle(sh.house))
        for _ in range(MAX_REDRAWS):
            try:
                ep = sample_episode(sh.house, rng, (family,), house_id=sh.id,
                                    episode_id=episode_id(split, j), oracle=oracle)
            except VLNError as err:
                reason = f"house {sh.id}: {err}"
                break
            if len(ep.reference_path) >= spec.min_reference_cells:
                return ep
            reason = (f"house {sh.id}: reference paths shorter than "
                      f"min_reference_cells={spec.min_reference_cells}")
    raise SuiteError(f"suite {spec.name!r}, split {split}: no house can hold episode {j} "
                     f"({family}); last reason: {reason}")


def rephrase_split(spec: SuiteSpec, split: SplitSpec, source: Sequence[Episode],
                   houses: Sequence[SuiteHouse], progress: Progress | None = None,
                   ) -> list[Episode]:
    """The episodes of rephrased ``split``: ``source``'s, each instruction realised again
    in ``split.phrasing`` from the stream ``(split.episodes_from, PHRASING_ROLE, j)``.

    Raises:
        SuiteError: an episode's task cannot be said in that phrasing.
    """
    by_id = {sh.id: sh.house for sh in houses}
    out = []
    for j, ep in enumerate(source):
        rng = stream(spec.seed, str(split.episodes_from), PHRASING_ROLE, j)
        try:
            out.append(rephrase(ep, by_id[ep.house], rng, str(split.phrasing)))
        except VLNError as err:
            raise SuiteError(f"suite {spec.name!r}, split {split.name}: episode "
                             f"{ep.episode_id} cannot be said in {split.phrasing} phrasing "
                             f"({err})") from None
        if progress is not None:
            progress(1)
    return out


# ---------------------------------------------------------------------- manifest
def suite_hash(file_hashes: dict[str, str]) -> str:
    """SHA-256 over ``"<path>\\t<sha256>\\n"`` lines of every file, sorted by path."""
    lines = "".join(f"{path}\t{digest}\n" for path, digest in sorted(file_hashes.items()))
    return sha256_bytes(lines.encode("utf-8"))


def manifest(
    spec: SuiteSpec,
    spec_bytes: bytes,
    files: dict[str, bytes],
    houses: dict[str, list[SuiteHouse]],
    episodes: dict[str, list[Episode]],
) -> dict[str, Any]:
    """The manifest of a build: format, name, version, ``spec_sha256``, ``files`` (path
    -> sha256 of every built or referred-to file), ``suite_sha256`` (:func:`suite_hash`),
    ``houses`` (id -> map-file path) and per split its house ids, episode count and
    episodes per family."""
    hashes = {path: sha256_bytes(data) for path, data in files.items()}
    return {
        "format": FORMAT,
        "name": spec.name,
        "version": spec.version,
        "spec_sha256": sha256_bytes(spec_bytes),
        "suite_sha256": suite_hash(hashes),
        "files": hashes,
        "houses": {sh.id: sh.path for split in houses.values() for sh in split},
        "splits": {
            name: {
                "houses": [sh.id for sh in houses[name]],
                "episodes": len(eps),
                "families": dict(Counter(ep.family for ep in eps)),
            }
            for name, eps in episodes.items()
        },
    }


def dumps_json(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, ASCII, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


# ---------------------------------------------------------------------- build
def build_files(
    spec: SuiteSpec, spec_bytes: bytes, spec_dir: Path, out_dir: Path,
    progress: Progress | None = None,
) -> dict[str, bytes]:
    """Every file of the built suite (path relative to ``out_dir`` -> bytes), built in
    memory. Hand-made houses are hashed in the manifest but not among the files."""
    houses: dict[str, list[SuiteHouse]] = {}
    referred: dict[str, bytes] = {}
    built: dict[str, bytes] = {}
    for split in spec.splits:
        if split.episodes_from is not None:
            houses[split.name] = houses[split.episodes_from]
        elif split.name in SHARED_HOUSES:
            houses[split.name] = houses[SHARED_HOUSES[split.name]]
        elif spec.source == "generated":
            houses[split.name] = generated_houses(spec, split)
            for sh in houses[split.name]:
                built[sh.path] = str(sh.text).encode("utf-8")
        else:
            houses[split.name], files = handmade_houses(spec, split, spec_dir, out_dir)
            referred.update(files)
    oracles: dict[str, Oracle] = {}
    episodes: dict[str, list[Episode]] = {}
    for split in spec.splits:
        if split.episodes_from is not None:
            episodes[split.name] = rephrase_split(spec, split, episodes[split.episodes_from],
                                                  houses[split.name], progress)
        else:
            episodes[split.name] = sample_split(spec, split, houses[split.name], oracles,
                                                progress)
        built[f"episodes/{split.name}.jsonl"] = dumps_episodes(
            episodes[split.name]).encode("utf-8")
    meta = manifest(spec, spec_bytes, {**built, **referred}, houses, episodes)
    return {SPEC_FILE: spec_bytes, **built, MANIFEST_FILE: dumps_json(meta).encode("utf-8")}


def total_episodes(spec: SuiteSpec) -> int:
    """Episodes a build of ``spec`` samples (for progress bars)."""
    return sum(split.episodes for split in spec.splits)


def build_suite(
    spec_path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Path:
    """Build the suite of a spec file into ``out`` (default: the spec's folder).

    The suite is built in memory, written to a temporary folder beside ``out`` and
    renamed over it; on failure ``out`` is left as it was.

    Args:
        spec_path: the ``spec.toml``.
        out: the suite folder to (re)place; an existing folder must be a suite (hold a
            ``spec.toml``) or be empty. A built suite other than the spec's own folder
            (which a build always refreshes) is replaced only with ``force``.
        progress: called with 1 after each sampled episode.
        force: replace a suite in ``out`` that is not the spec's own folder.

    Returns:
        The suite folder.

    Raises:
        SuiteError: invalid spec, unusable houses, or ``out`` is a folder that is not a
            suite, or another suite without ``force``.
    """
    spec_path = Path(spec_path)
    spec, spec_bytes = read_spec(spec_path)
    out_dir = Path(out) if out is not None else spec_path.parent
    _check_target(out_dir, spec_path.parent, force)
    files = build_files(spec, spec_bytes, spec_path.parent.resolve(), out_dir, progress)
    write_tree(files, out_dir)
    return out_dir


def _check_target(out_dir: Path, spec_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise SuiteError(f"{out_dir}: exists and is not a folder; expected a suite folder")
    if not (out_dir.is_dir() and any(out_dir.iterdir())):
        return
    if not (out_dir / SPEC_FILE).is_file():
        raise SuiteError(f"{out_dir}: a non-empty folder without {SPEC_FILE}; refusing to "
                         "replace what is not a suite")
    if out_dir.resolve() != spec_dir.resolve() and not force:
        raise SuiteError(f"{out_dir}: holds a built suite; pass --force to replace it (once "
                         "the new one is whole), or choose another --out")


def write_tree(files: dict[str, bytes], out_dir: Path) -> None:
    """Write ``files`` (relative path -> bytes) as the folder ``out_dir``, replacing it
    whole: a sibling temporary folder is filled, then renamed into place
    (:func:`vlnenv.fileio.output_folder`)."""
    with output_folder(out_dir, force=True) as tmp:
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
