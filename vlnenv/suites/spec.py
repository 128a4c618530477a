"""Suite specs: the TOML file (``maps/suites/<name>/spec.toml``) a suite is built from.

A spec names the suite, its seed, the task families, where its houses come from and how
many houses and episodes each split holds::

    name = "small"
    version = 1
    description = "Generated 3-6 room houses, every task family."
    seed = 1001
    families = ["go_to_room", "go_to_object", "fetch", "follow_route", "sequence"]

    [houses]
    source = "generated"      # "generated" (from a generator preset) or "handmade"
    preset = "small"          # generated: "small" (3-6 rooms), "large" (8-14), "huge" (16-24)
    # dir = "../../houses"    # handmade: map-file folder, relative to this file

    [episodes]
    min_reference_cells = 1   # optional: redraw episodes whose route is shorter

    [splits.train]
    houses = 300              # generated: a count; handmade: a list of map-file stems
    episodes = 3000
    [splits.val_seen]         # on the train houses: no ``houses`` key
    episodes = 500
    [splits.val_unseen]
    houses = 30
    episodes = 500
    [splits.test]
    houses = 30
    episodes = 500
    [splits.test_phrasing]    # the test episodes, said in held-out phrasing
    episodes_from = "test"
    phrasing = "held_out"     # "held_out", "trained" or "any"

Splits are any of :data:`SPLITS` (``val_seen`` needs ``train``), and *rephrased* splits
of any other name: the episodes of one of those splits (same houses, starts, tasks and
reference paths) with the instruction said again in a phrasing of
:mod:`vlnenv.language.phrasing`. Every problem raises :class:`SuiteError` naming the
file, the field, what was found and what was expected.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlnenv.errors import SuiteError
from vlnenv.language.instructions import FAMILIES
from vlnenv.language.phrasing import Phrasing
from vlnenv.world.generate import PRESETS as GENERATOR_PRESETS

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

#: Split names, in the order they are built and listed.
SPLITS: tuple[str, ...] = ("train", "val_seen", "val_unseen", "test")
#: Splits whose episodes take place on another split's houses.
SHARED_HOUSES: dict[str, str] = {"val_seen": "train"}
#: House sources.
SOURCES: tuple[str, ...] = ("generated", "handmade")
#: Generator presets a generated suite may name (see :mod:`vlnenv.world.generate`).
PRESETS: tuple[str, ...] = tuple(GENERATOR_PRESETS)

_TOP_KEYS = ("name", "version", "description", "seed", "families", "houses", "episodes",
             "splits")
_HOUSE_KEYS = ("source", "preset", "dir")
_EPISODE_KEYS = ("min_reference_cells",)
_SPLIT_KEYS = ("houses", "episodes")
_REPHRASED_KEYS = ("episodes_from", "phrasing")


@dataclass(frozen=True)
class SplitSpec:
    """What one split holds."""

    name: str
    """One of :data:`SPLITS`, or any other name for a rephrased split."""
    episodes: int
    """Number of episodes (>= 1); a rephrased split has as many as its source."""
    houses: int | tuple[str, ...] | None
    """Generated suites: number of new houses; handmade suites: map-file stems; ``None``
    for a split on another split's houses (see :data:`SHARED_HOUSES`) and for a
    rephrased split."""
    episodes_from: str | None = None
    """A rephrased split: the split (one of :data:`SPLITS`) whose episodes it says
    again; ``None`` for a split with episodes of its own."""
    phrasing: str | None = None
    """A rephrased split: the :class:`~vlnenv.language.phrasing.Phrasing` value its
    instructions are said in (``"held_out"``, ``"trained"`` or ``"any"``)."""


@dataclass(frozen=True)
class SuiteSpec:
    """A parsed ``spec.toml``."""

    name: str
    """Suite name (the folder under ``maps/suites``); letters, digits, ``_`` and ``-``."""
    version: int
    """Version of the suite's content; bump it whenever the spec changes."""
    description: str
    """One line saying what the suite is for."""
    seed: int
    """Root seed: every house and episode derives from it (see :mod:`vlnenv.suites.build`)."""
    families: tuple[str, ...]
    """Task families, each given an equal share of every split's episodes."""
    source: str
    """``"generated"`` or ``"handmade"``."""
    preset: str | None
    """Generator preset of a generated suite (one of :data:`PRESETS`)."""
    house_dir: str | None
    """Map-file folder of a handmade suite, relative to the spec file."""
    min_reference_cells: int
    """Episodes whose reference path visits fewer distinct cells in a row are redrawn."""
    splits: tuple[SplitSpec, ...]
    """The splits, in :data:`SPLITS` order, then the rephrased splits in file order."""

    def split(self, name: str) -> SplitSpec:
        """The split called ``name``.

        Raises:
            SuiteError: the suite has no such split.
        """
        for split in self.splits:
            if split.name == name:
                return split
        raise SuiteError(f"suite {self.name!r} has no split {name!r}; it has "
                         f"{[s.name for s in self.splits]}")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read_spec(path: str | os.PathLike[str]) -> tuple[SuiteSpec, bytes]:
    """Read and validate a spec file.

    Returns:
        The spec and the file's bytes (their hash identifies the spec).

    Raises:
        SuiteError: unreadable, malformed or invalid spec.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SuiteError(f"{path}: cannot read the suite spec ({err.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SuiteError(f"{path}: not UTF-8 text") from None
    return loads_spec(text, str(path)), data


def loads_spec(text: str, path: str = "<string>") -> SuiteSpec:
    """Parse and validate spec text; ``path`` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SuiteError(f"{path}: not valid TOML ({err})") from None
    spec = _Parser(path).spec(raw)
    _check_splits(spec, path)
    return spec


class _Parser:
    """Validation with errors that name the file and field."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, field: str, value: Any, expected: str) -> SuiteError:
        return SuiteError(f"{self.path}: {field} = {value!r}: expected {expected}")

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        extra = sorted(set(table) - set(allowed))
        if extra:
            label = f"[{where}]" if where else "the top level"
            raise SuiteError(f"{self.path}: unknown key(s) {extra} in {label}; expected "
                             f"some of {list(allowed)}")

    def table(self, raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where, value, "a table")
        return value

    def integer(self, value: Any, field: str, low: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise self.fail(field, value, f"an integer >= {low}")
        return value

    def string(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(field, value, "a non-empty string")
        return value

    def spec(self, raw: dict[str, Any]) -> SuiteSpec:
        self.keys(raw, _TOP_KEYS, "")
        for key in ("name", "seed", "splits"):
            if key not in raw:
                raise SuiteError(f"{self.path}: missing key {key!r}")
        name = self.string(raw["name"], "name")
        if not all(ch.isalnum() or ch in "_-" for ch in name):
            raise self.fail("name", name, "letters, digits, '_' and '-' only")
        families = raw.get("families", list(FAMILIES))
        if (not isinstance(families, list) or not families
                or any(f not in FAMILIES for f in families) or len(set(families)) < len(families)):
            raise self.fail("families", families, f"distinct families among {list(FAMILIES)}")
        houses = self.table(raw, "houses", "houses")
        self.keys(houses, _HOUSE_KEYS, "houses")
        source = houses.get("source", "generated")
        if source not in SOURCES:
            raise self.fail("houses.source", source, f"one of {list(SOURCES)}")
        preset, house_dir = self.source(source, houses)
        episodes = self.table(raw, "episodes", "episodes")
        self.keys(episodes, _EPISODE_KEYS, "episodes")
        min_ref = self.integer(episodes.get("min_reference_cells", 1),
                               "episodes.min_reference_cells", 1)
        return SuiteSpec(
            name=name,
            version=self.integer(raw.get("version", 1), "version", 1),
            description=str(raw.get("description", "")),
            seed=self.integer(raw["seed"], "seed", 0),
            families=tuple(families),
            source=source,
            preset=preset,
            house_dir=house_dir,
            min_reference_cells=min_ref,
            splits=self.splits(self.table(raw, "splits", "splits"), source),
        )

    def source(self, source: str, houses: dict[str, Any]) -> tuple[str | None, str | None]:
        if source == "generated":
            if "dir" in houses:
                raise SuiteError(f"{self.path}: houses.dir is for handmade suites only")
            preset = houses.get("preset", "small")
            if preset not in PRESETS:
                raise self.fail("houses.preset", preset, f"one of {list(PRESETS)}")
            return preset, None
        if "preset" in houses:
            raise SuiteError(f"{self.path}: houses.preset is for generated suites only")
        return None, self.string(houses.get("dir"), "houses.dir")

    def splits(self, table: dict[str, Any], source: str) -> tuple[SplitSpec, ...]:
        if not any(name in SPLITS for name in table):
            raise self.fail("splits", table, f"at least one of {list(SPLITS)}")
        out = []
        for name in SPLITS:
            if name not in table:
                continue
            where = f"splits.{name}"
            split = table[name]
            if not isinstance(split, dict):
                raise self.fail(where, split, "a table")
            self.keys(split, _SPLIT_KEYS, where)
            if "episodes" not in split:
                raise SuiteError(f"{self.path}: missing key 'episodes' in [{where}]")
            episodes = self.integer(split["episodes"], f"{where}.episodes", 1)
            out.append(SplitSpec(name, episodes, self.split_houses(name, split, source)))
        for name, split in table.items():
            if name not in SPLITS:
                out.append(self.rephrased(name, split, {s.name: s for s in out}))
        return tuple(out)

    def rephrased(self, name: str, split: Any, splits: dict[str, SplitSpec]) -> SplitSpec:
        """A split of another name: another split's episodes said in a phrasing."""
        where = f"splits.{name}"
        if not isinstance(split, dict) or "episodes_from" not in split:
            raise SuiteError(
                f"{self.path}: [{where}]: {name!r} is not one of {list(SPLITS)}; a split of "
                "another name says another split's episodes again and needs episodes_from "
                "and phrasing")
        if not all(ch.isalnum() or ch in "_-" for ch in name):
            raise self.fail(where, name, "letters, digits, '_' and '-' only")
        self.keys(split, _REPHRASED_KEYS, where)
        source = split["episodes_from"]
        if source not in splits:
            raise self.fail(f"{where}.episodes_from", source,
                            f"a split of this spec among {list(SPLITS)}")
        phrasing = split.get("phrasing")
        if phrasing not in [p.value for p in Phrasing]:
            raise self.fail(f"{where}.phrasing", phrasing,
                            f"one of {[p.value for p in Phrasing]}")
        return SplitSpec(name, splits[source].episodes, None, source, phrasing)

    def split_houses(self, name: str, split: dict[str, Any],
                     source: str) -> int | tuple[str, ...] | None:
        where = f"splits.{name}.houses"
        if name in SHARED_HOUSES:
            if "houses" in split:
                raise SuiteError(f"{self.path}: {where}: {name} uses the "
                                 f"{SHARED_HOUSES[name]} houses; remove the key")
            return None
        if "houses" not in split:
            raise SuiteError(f"{self.path}: missing key 'houses' in [splits.{name}]")
        value = split["houses"]
        if source == "generated":
            return self.integer(value, where, 1)
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v and "/" not in v for v in value)
                or len(set(value)) < len(value)):
            raise self.fail(where, value, "a non-empty list of distinct map-file stems")
        return tuple(value)


def _check_splits(spec: SuiteSpec, path: str) -> None:
    """Cross-split rules: ``val_seen`` needs ``train``; handmade splits share no house."""
    names = {s.name for s in spec.splits}
    for split, owner in SHARED_HOUSES.items():
        if split in names and owner not in names:
            raise SuiteError(f"{path}: splits.{split} takes place on the {owner} houses, "
                             f"but the spec has no [splits.{owner}]")
    seen: dict[str, str] = {}
    for split in spec.splits:
        if not isinstance(split.houses, tuple):
            continue
        for stem in split.houses:
            if stem in seen:
                raise SuiteError(f"{path}: house {stem!r} is in both splits.{seen[stem]} and "
                                 f"splits.{split.name}; unseen splits must not share houses")
            seen[stem] = split.name
