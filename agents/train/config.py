"""``TrainConfig``: every knob of a training run, in sections (``model``, ``data``,
``optim``, ``eval``, ``run``, ``init``, ``dagger``, ``distill``;
:mod:`agents.train.sections`), each a typed dataclass with a docstring per field. The
resolved config is written as JSON into the run folder, into every checkpoint and into
every result, so any number can be traced to what produced it.

A config is built from defaults, then a TOML or JSON file (:func:`read_config_file`, the
same sections as tables; ``base = "quickstart.toml"`` starts it from another file, so a
study config names only what it changes), then ``section.field=value`` overrides
(:func:`apply_overrides`; ``data.teacher.fetch=oracle`` sets one entry of a dict field).
Values are checked against the field's type; errors name the field and the source.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from agents.models.config import ModelConfig, over_preset
from agents.models.errors import ModelError
from agents.models.legacy import upgrade_model_dict
from agents.train.config_values import field_values
from agents.train.errors import TrainError
from agents.train.sections import (
    DaggerConfig,
    DataConfig,
    DistillConfig,
    EvalConfig,
    InitConfig,
    OptimConfig,
    RunConfig,
)

_C = TypeVar("_C")


def _plain_dict(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """A dict of ``items`` with enum members (keys or values, in nested dicts too) as
    their values, so checkpoints and JSON hold plain types."""
    def plain(x: Any) -> Any:
        if isinstance(x, Enum):
            return x.value
        if isinstance(x, dict):
            return {plain(k): plain(v) for k, v in x.items()}
        return x

    return {k: plain(v) for k, v in items}

_S = TypeVar("_S", bound="Sections")


class Sections:
    """What every whole-run config (a dataclass whose fields are section dataclasses:
    :class:`TrainConfig`, ``agents.rl.config.RLConfig``) can do."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready nested dict (enum members as their values)."""
        return dataclasses.asdict(self, dict_factory=_plain_dict)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[_S], data: dict[str, Any], where: str = "config") -> _S:
        """The config of a nested dict (missing sections and fields take defaults).

        Raises:
            TrainError: an unknown section or field, or a value of the wrong type; the
                message starts with ``where``.
        """
        return build_sections(cls, data, where)

    def replace(self: _S, **sections: Any) -> _S:
        """A copy with whole sections replaced."""
        return dataclasses.replace(self, **sections)  # type: ignore[type-var]


@dataclass
class TrainConfig(Sections):
    """A whole training run (behaviour cloning or DAgger)."""

    model: ModelConfig = field(default_factory=ModelConfig)
    """The policy's sizes and switches (see :class:`agents.models.ModelConfig`)."""
    data: DataConfig = field(default_factory=DataConfig)
    """Demonstrations and batching."""
    optim: OptimConfig = field(default_factory=OptimConfig)
    """Optimiser, schedule, losses."""
    eval: EvalConfig = field(default_factory=EvalConfig)
    """Evaluation during training."""
    run: RunConfig = field(default_factory=RunConfig)
    """Output folder, device, seed, budget."""
    dagger: DaggerConfig = field(default_factory=DaggerConfig)
    """DAgger rounds (``train_dagger`` only)."""
    init: InitConfig = field(default_factory=InitConfig)
    """Pretrained weights to start from (behaviour cloning)."""
    distill: DistillConfig = field(default_factory=DistillConfig)
    """Teacher models whose action distribution the student matches (behaviour cloning)."""


def build_sections(cls: type[_C], data: dict[str, Any], where: str = "config") -> _C:
    """The config of class ``cls`` (a dataclass whose fields are section dataclasses, as
    :class:`TrainConfig`) of a nested dict; missing sections and fields take defaults.

    Raises:
        TrainError: an unknown section or field, or a value of the wrong type; the
            message starts with ``where``.
    """
    if not isinstance(data, dict):
        raise TrainError(f"{where}: expected a mapping of sections, got "
                         f"{type(data).__name__}")
    hints = typing.get_type_hints(cls)
    sections = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise TrainError(f"{where}: unknown section(s) {unknown}; expected some of "
                         f"{sorted(sections)}")
    built = {}
    for name, section_cls in sections.items():
        values = data.get(name, {})
        if not isinstance(values, dict):
            raise TrainError(f"{where}: section {name!r} must be a table/object, got "
                             f"{type(values).__name__}")
        built[name] = _build_section(section_cls, values, f"{where}: {name}")
    return cls(**built)


def _build_section(section_cls: type, values: dict[str, Any], where: str) -> Any:
    if section_cls is ModelConfig:
        values = _model_values(values, where)
    if section_cls is OptimConfig:
        values = _without_deleted(values, DELETED_OPTIM, where)
    kwargs = field_values(section_cls, values, where)
    try:
        return section_cls(**kwargs)
    except ModelError as err:
        raise TrainError(f"{where}: {err}") from None
    except TrainError as err:
        raise TrainError(f"{where.split(': ')[0]}: {err}") from None


#: ``optim`` fields deleted for want of a measured gain (last in commit ``a7041fd``), with the
#: value at which an old config still means the same run (any other is refused).
DELETED_OPTIM: dict[str, Any] = {"stop_weight": 1.0, "match_weight": 0.0,
                                 "match_labels": ["base", "kind", "colour"]}


def _without_deleted(values: dict[str, Any], deleted: dict[str, Any],
                     where: str) -> dict[str, Any]:
    """``values`` (a section of an old config) without its ``deleted`` fields, each of which
    must hold its neutral value.

    Raises:
        TrainError: a deleted field set to anything else.
    """
    for key, neutral in deleted.items():
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str):  # from the command line
            value = value.split(",") if key == "match_labels" else float(value)
        if list(value) != neutral if isinstance(neutral, list) else value != neutral:
            raise TrainError(f"{where}.{key}: deleted (last in commit a7041fd); expected "
                             f"{neutral!r} or no {key}, got {values[key]!r}")
    return {k: v for k, v in values.items() if k not in deleted}


def _model_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """The ``model`` section's fields: the old flat layout converted
    (:func:`agents.models.legacy.upgrade_model_dict`), and a named ``preset`` expanded under
    the fields set beside it."""
    try:
        values = upgrade_model_dict(values)
        if "preset" in values:
            rest = {k: v for k, v in values.items() if k != "preset"}
            values = over_preset(ModelConfig.preset(str(values["preset"])).to_dict(), rest)
    except ModelError as err:
        raise TrainError(f"{where}: {err}") from None
    return values


def shipped_config(name: str) -> Path:
    """The path of a config shipped with the package (``agents/configs/NAME``; ``.toml``
    added when ``name`` has no suffix), e.g. ``shipped_config("quickstart")``.

    Raises:
        TrainError: no such shipped config.
    """
    folder = resources.files("agents").joinpath("configs")
    file = name if Path(name).suffix else f"{name}.toml"
    path = Path(str(folder)) / file
    if not path.is_file():
        shipped = sorted(p.stem for p in Path(str(folder)).glob("*.toml"))
        raise TrainError(f"no shipped config {name!r}; expected one of {shipped}")
    return path


def config_path(spec: str | Path) -> Path:
    """A config file given as a path, or by the name of a shipped config
    (``quickstart``, ``gpu_large.toml``, ``configs/quickstart.toml``) when no such file
    exists here: the shipped configs are found from any folder, also without a checkout.

    Raises:
        TrainError: neither a file nor a shipped config.
    """
    path = Path(spec)
    if path.is_file():
        return path
    if path.parent in (Path("."), Path("configs")):
        try:
            return shipped_config(path.name)
        except TrainError:
            pass
    raise TrainError(f"{path}: no such config file, and not the name of a shipped config "
                     f"(agents/configs/)")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The nested dict of a TOML (``.toml``) or JSON (anything else) config file: tables
    (objects) ``model``, ``data``, ``optim``, ``eval``, ``run``, ``dagger``, ``init``. A
    JSON file written by a run (``config.json``: ``{"format": ..., "config": {...}}``)
    works too.

    A file may start from another: ``base = "quickstart.toml"`` (a path relative to the
    file, or the name of a shipped config, ``quickstart``) then only the keys it changes;
    the base's dict is read first (bases may chain) and the file's keys merged over it
    (:func:`_merge`). The dict returned holds the keys the whole chain names, no more.

    Raises:
        TrainError: the file or a base is missing, not valid TOML/JSON, or the bases
            make a cycle; the message names the file.
    """
    return _read_chain(config_path(path), ())


def _read_chain(path: Path, below: tuple[Path, ...]) -> dict[str, Any]:
    """The dict of ``path`` merged over its bases'; ``below`` holds the files that named
    ``path`` (directly or through bases), to refuse a cycle."""
    data = _read_one(path)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str) or not base:
        raise TrainError(f"{path}: base: expected the name or path of a config file, got "
                         f"{base!r}")
    base_path = _base_path(path, base)
    chain = (*below, path)
    if any(base_path.resolve() == p.resolve() for p in chain):
        names = " -> ".join(str(p) for p in (*chain, base_path))
        raise TrainError(f"{path}: base {base!r} makes a cycle ({names}); expected a chain "
                         "of bases that ends")
    return _merge(_read_chain(base_path, chain), data)


def _base_path(path: Path, base: str) -> Path:
    """The file ``base`` names from the config file ``path``: a path relative to the
    file's folder, else a shipped config's name."""
    near = path.parent / base
    if near.is_file():
        return near
    if Path(base).parent == Path("."):
        try:
            return shipped_config(base)
        except TrainError:
            pass
    raise TrainError(f"{path}: base {base!r}: no such file ({near}) and not the name of a "
                     f"shipped config (agents/configs/)")


def _read_one(path: Path) -> dict[str, Any]:
    """The nested dict of one config file as written (its ``base`` key kept)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TrainError(f"{path}: cannot read the config file ({err.strerror})") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TrainError(f"{path}: not valid TOML ({err})") from None
    except json.JSONDecodeError as err:
        raise TrainError(f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg})") from None
    if isinstance(data, dict) and "config" in data and "format" in data:
        data = data["config"]
    if not isinstance(data, dict):
        raise TrainError(f"{path}: expected a table of sections, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str],
                    where: str = "--set") -> dict[str, Any]:
    """A copy of the nested dict ``data`` with ``section.field=value`` (or
    ``section.field.key=value`` for a dict field) overrides applied, in order. Values stay
    strings here; :meth:`TrainConfig.from_dict` parses them by the field's type.

    Raises:
        TrainError: an override without ``=`` or with fewer than two dotted parts.
    """
    out = json.loads(json.dumps(data))
    for item in overrides:
        key, sep, value = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise TrainError(f"{where} {item!r}: expected section.field=value "
                             "(e.g. optim.lr=3e-4)")
        node = out
        for part in parts[:-1]:
            if node.get(part) is None:  # a part that is off: on, from its defaults
                node[part] = {}
            child = node[part]
            if not isinstance(child, dict):
                raise TrainError(f"{where} {item!r}: {part!r} is not a section or dict field")
            node = child
        node[parts[-1]] = value
    return out


@typing.overload
def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None,
                   base: None = None) -> TrainConfig: ...


@typing.overload
def resolve_config(file: str | Path | None, overrides: list[str] | None,
                   base: _C) -> _C: ...


@typing.overload
def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None, *,
                   base: _C) -> _C: ...


def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None,
                   base: Any = None) -> Any:
    """``base`` (a :class:`TrainConfig`, or another config of sections with ``to_dict``
    and ``from_dict``, as ``agents.rl.config.RLConfig``; the default ``TrainConfig`` when
    ``None``), then the config file, then the overrides; a config of ``base``'s class.

    Raises:
        TrainError: see :func:`read_config_file`, :func:`apply_overrides` and
            :meth:`TrainConfig.from_dict`.
    """
    base = TrainConfig() if base is None else base
    data = base.to_dict()
    asked = set(data["run"]["asked"])
    where = "config"
    if file is not None:
        read = read_config_file(file)  # read once: merged, and its keys count as asked
        if "preset" in read.get("model", {}):  # the preset, not the defaults, under its keys
            data["model"] = {}
        data = _merge(data, read)
        asked |= set(_keys(read))
        where = str(file)
    asked |= {".".join(item.partition("=")[0].strip().split(".")[:2])
              for item in overrides or []}
    if any(item.partition("=")[0].strip() == "model.preset" for item in overrides or []):
        data["model"] = {k: v for k, v in (read if file is not None else {}).get(
            "model", {}).items() if k != "preset"}  # the preset under the file's keys
    data = apply_overrides(data, list(overrides or []))
    data["run"]["asked"] = sorted(asked - {"run.asked"})
    return type(base).from_dict(data, where if not overrides else f"{where} + overrides")


def _keys(data: dict[str, Any]) -> list[str]:
    """``section.field`` of every field a nested config dict sets."""
    return [f"{section}.{field}" for section, values in data.items()
            if isinstance(values, dict) for field in values]


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, section by section (``data.teacher`` merged key by key)."""
    out = json.loads(json.dumps(base))
    for name, values in top.items():
        if isinstance(values, dict) and isinstance(out.get(name), dict):
            for key, value in values.items():
                if isinstance(value, dict) and isinstance(out[name].get(key), dict):
                    out[name][key] = {**out[name][key], **value}
                else:
                    out[name][key] = value
        else:
            out[name] = values
    return out
