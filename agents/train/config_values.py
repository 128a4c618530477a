"""Reading a value as a config field's type: from TOML/JSON (already typed, checked) or
from the command line (a string, parsed)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from typing import Any

from agents.train.errors import TrainError


def coerce(value: Any, hint: Any, where: str) -> Any:
    """``value`` as the type ``hint`` (``int``, ``float``, ``bool``, ``str``, an ``Enum``
    read from its value, ``X | None``, ``tuple[str, ...]``, ``tuple[int, float]``,
    ``dict[str, str]``, a dataclass from a dict of its fields); strings (from the command
    line) are parsed.

    Raises:
        TrainError: ``value`` is not of, and cannot be read as, that type.
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        inner = [a for a in args if a is not type(None)]
        return coerce(value, inner[0], where)
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
            return value.lower() in ("true", "1", "yes")
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise TrainError(f"{where}: expected one of {[m.value for m in hint]}, got "
                             f"{value!r}") from None
    elif origin is tuple:
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:  # a JSON array, for tuples of tuples on the command line
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, list | tuple):
            if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
                return tuple(coerce(v.strip() if isinstance(v, str) else v, args[0], where)
                             for v in items)
            if len(items) == len(args):  # tuple[X, Y, Z]
                return tuple(coerce(v.strip() if isinstance(v, str) else v, a, where)
                             for v, a in zip(items, args, strict=True))
    elif dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:  # a JSON object, for a sub-config on the command line
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        if isinstance(value, hint):
            return value
        if isinstance(value, dict):
            return hint(**field_values(hint, value, where))
    elif origin is dict:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        if isinstance(value, dict):
            return {coerce(k, args[0], where): coerce(v, args[1], f"{where}.{k}")
                    for k, v in value.items()}
    raise TrainError(f"{where}: expected {_type_name(hint)}, got {value!r}")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def field_values(cls: type, values: dict[str, Any], where: str) -> dict[str, Any]:
    """``values`` (field name -> value) coerced to the field types of the dataclass ``cls``.

    Raises:
        TrainError: a name that is not a field of ``cls``, or a value not of its type.
    """
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise TrainError(f"{where}.{unknown[0]}: unknown field (of {unknown}); expected some "
                         f"of {known}")
    return {k: coerce(v, hints[k], f"{where}.{k}") for k, v in values.items()}
