"""Loading built suites: ``load_suite("small")`` or ``load_suite("path/to/suite")``.

Houses are read from their map files the first time they are asked for, so evaluating
one split reads only that split's houses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from vlnenv.shipped import suites_root
from vlnenv.suites.build import FORMAT, MANIFEST_FILE, SPEC_FILE
from vlnenv.suites.spec import SuiteError, SuiteSpec, read_spec
from vlnenv.tasks.episode import Episode, read_episodes
from vlnenv.world.house import House
from vlnenv.world.mapfile import load_house

_MANIFEST_KEYS = ("format", "name", "version", "spec_sha256", "suite_sha256", "files",
                  "houses", "splits")


def list_suites(root: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the suites under ``root`` (default :func:`suites_root`): folders that hold
    a ``spec.toml``, sorted."""
    folder = Path(root) if root is not None else suites_root()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / SPEC_FILE).is_file())


def suite_dir(name_or_path: str | os.PathLike[str],
              root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of a suite given by name (under ``root``) or by path (its folder, or its
    ``spec.toml`` / ``manifest.json``).

    Raises:
        SuiteError: nothing there.
    """
    path = Path(name_or_path)
    if path.is_file() and path.name in (SPEC_FILE, MANIFEST_FILE):
        return path.parent
    if path.is_dir():
        return path
    folder = (Path(root) if root is not None else suites_root()) / str(name_or_path)
    if folder.is_dir():
        return folder
    raise SuiteError(f"no suite {str(name_or_path)!r}: not a folder, and not one of "
                     f"{list_suites(root)} under {folder.parent}")


class LazyHouses(Mapping[str, House]):
    """House id -> :class:`House`, reading each map file on first access."""

    def __init__(self, folder: Path, paths: Mapping[str, str]) -> None:
        self._folder = folder
        self._paths = dict(paths)
        self._loaded: dict[str, House] = {}

    def __getitem__(self, key: str) -> House:
        house = self._loaded.get(key)
        if house is None:
            if key not in self._paths:
                raise KeyError(key)
            house = self._loaded[key] = load_house(self._folder / self._paths[key])
        return house

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def path(self, key: str) -> Path:
        """The map file of house ``key``."""
        return self._folder / self._paths[key]


class Suite:
    """A built suite.

    Attributes:
        path: its folder.
        spec: the parsed ``spec.toml``.
        manifest: the parsed ``manifest.json``.
        houses: house id -> :class:`House` (read lazily).
    """

    def __init__(self, path: Path, spec: SuiteSpec, manifest: dict[str, Any]) -> None:
        self.path = path
        self.spec = spec
        self.manifest = manifest
        self.houses = LazyHouses(path, manifest["houses"])
        self._episodes: dict[str, list[Episode]] = {}

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def suite_hash(self) -> str:
        """The manifest's ``suite_sha256``: names the suite's exact content."""
        return str(self.manifest["suite_sha256"])

    @cached_property
    def splits(self) -> tuple[str, ...]:
        """The split names, in build order."""
        return tuple(s.name for s in self.spec.splits)

    def _require_split(self, split: str) -> None:
        if split not in self.manifest["splits"]:
            raise SuiteError(f"suite {self.name!r} has no split {split!r}; it has "
                             f"{list(self.splits)}")

    def house_ids(self, split: str) -> tuple[str, ...]:
        """Ids of the houses ``split``'s episodes take place in."""
        self._require_split(split)
        return tuple(self.manifest["splits"][split]["houses"])

    def split_houses(self, split: str) -> dict[str, House]:
        """House id -> house for the houses of ``split`` (read now)."""
        return {hid: self.houses[hid] for hid in self.house_ids(split)}

    def episodes(self, split: str) -> list[Episode]:
        """The episode records of ``split``, in file order (read once, then cached)."""
        self._require_split(split)
        if split not in self._episodes:
            self._episodes[split] = read_episodes(self.path / "episodes" / f"{split}.jsonl")
        return list(self._episodes[split])

    def __repr__(self) -> str:
        return f"Suite({self.name!r}, path={str(self.path)!r}, splits={list(self.splits)})"


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and shape-check a suite's ``manifest.json``.

    Raises:
        SuiteError: missing, not JSON, lacking a key, or a value of the wrong type.
    """
    path = folder / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SuiteError(f"{path}: cannot read the manifest ({err.strerror}); has the suite "
                         f"been built? (vln suite build {folder / SPEC_FILE})") from None
    except json.JSONDecodeError as err:
        raise SuiteError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a JSON object")
    missing = [k for k in _MANIFEST_KEYS if k not in data]
    if missing:
        raise SuiteError(f"{path}: missing key(s) {missing}")
    if data["format"] != FORMAT:
        raise SuiteError(f"{path}: format {data['format']!r}; this vlnenv reads format "
                         f"{FORMAT}: rebuild the suite")
    _check_shape(data, path)
    return data


def _check_shape(data: dict[str, Any], path: Path) -> None:
    """The manifest's values have the types a built suite writes (a hand-made suite's
    files may lie outside its folder: ``../../houses/NAME.toml``).

    Raises:
        SuiteError: naming the key and what was expected.
    """
    def fail(key: str, expected: str) -> SuiteError:
        return SuiteError(f"{path}: {key}: expected {expected}; the manifest is damaged "
                          "(rebuild the suite)")

    for key in ("suite_sha256", "spec_sha256"):
        if not isinstance(data[key], str):
            raise fail(key, "a hex digest string")
    for key in ("files", "houses"):
        table = data[key]
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            raise fail(key, "an object of strings")
    splits = data["splits"]
    if not isinstance(splits, dict):
        raise fail("splits", "an object of splits")
    for name, info in splits.items():
        if not (isinstance(info, dict) and isinstance(info.get("houses"), list)
                and all(isinstance(h, str) for h in info["houses"])):
            raise fail(f"splits.{name}", "an object with a list of house ids")


def load_suite(name_or_path: str | os.PathLike[str],
               root: str | os.PathLike[str] | None = None) -> Suite:
    """Open a built suite by name (under ``root``, default ``maps/suites``) or path.

    Nothing is verified beyond the files' shapes; :func:`vlnenv.suites.check.check_suite`
    verifies hashes and solvability.

    Raises:
        SuiteError: no such suite, or its spec or manifest is malformed.
    """
    folder = suite_dir(name_or_path, root)
    spec, _ = read_spec(folder / SPEC_FILE)
    return Suite(folder, spec, read_manifest(folder))
