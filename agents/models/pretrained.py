"""Loading pretrained weights into a model, whole or by named parts.

``load_pretrained_weights(model, source, parts=None, strict=True)`` copies weights from

* a model folder written by ``save_pretrained`` (its ``model.pt``),
* a training checkpoint (``.pt`` written by the trainer: the state dict under
  ``"model"``) or any ``.pt`` file holding a plain state dict,
* a module or a state dict in memory ("any module with matching names"),

into ``model``: every weight (``parts=None``, or the part :data:`ALL`: continuing a
trained policy on other data), or only those of the named parts. A part is
a name of :data:`PARTS` (``"text"``, ``"vision"``, ``"fusion"``, ``"heads"``,
``"memory"``), mapped to module prefixes of :class:`MultimodalTransformer`, or any other
top-level module name of ``model`` (``"value_head"``). Nothing outside the parts is
touched.

With ``strict``, the weights of the parts that ``model`` has and the source lacks
(missing), those the source has and ``model`` does not (unexpected), and those of another
shape (mismatched) raise one :class:`ModelError` listing them, and nothing is loaded.
Without it, the weights present in both with the same shape are loaded and the others
reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from agents.models import model_folder
from agents.models.errors import ModelError

#: Part name -> state-dict key prefixes of :class:`MultimodalTransformer`.
PARTS: dict[str, tuple[str, ...]] = {
    "text": ("text.",),
    "vision": ("vision.",),
    "fusion": ("fusion.", "state_emb"),
    "heads": ("action_head.", "value_head.", "progress_head.", "goal_head.", "cell_head.",
              "match_head."),
    "memory": ("memory.", "explore."),
}
#: The part that names every weight of the model (alone: with it, other names add nothing).
ALL = "all"
#: Names listed in an error before "and N more".
SHOWN = 8

Source = str | os.PathLike[str] | nn.Module | Mapping[str, torch.Tensor]


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_pretrained_weights` did.

    Attributes:
        loaded: keys copied into the model.
        missing: keys of the chosen parts the source lacks.
        unexpected: keys of the chosen parts the model lacks.
        mismatched: keys present in both with different shapes.
    """

    loaded: tuple[str, ...]
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    mismatched: tuple[str, ...]


def source_state(source: Source) -> dict[str, torch.Tensor]:
    """The state dict held by ``source`` (see the module docstring).

    Raises:
        ModelError: a path that is neither a model folder nor a readable ``.pt`` file of
            a state dict (or a training checkpoint).
    """
    if isinstance(source, nn.Module):
        return dict(source.state_dict())
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if path.is_dir():
        return model_folder.read_weights(path)
    data = model_folder.load_torch(path)
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]  # a training checkpoint
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        raise ModelError(f"{path}: expected a model folder, a training checkpoint or a state "
                         f"dict, got {type(data).__name__}")
    return data


def part_prefixes(model: nn.Module, parts: Iterable[str]) -> tuple[str, ...] | None:
    """Key prefixes of ``parts``; ``None`` for ``[ALL]`` (every weight).

    Raises:
        ModelError: a part that is neither in :data:`PARTS` nor a module of ``model``, or
            :data:`ALL` beside other parts.
    """
    parts = list(parts)
    if parts == [ALL]:
        return None
    if ALL in parts:
        raise ModelError(f"parts {parts}: {ALL!r} names every weight; expected it alone")
    modules = {name for name, _ in model.named_children()} | {
        name for name, _ in model.named_parameters(recurse=False)}
    out: list[str] = []
    for part in parts:
        if part in PARTS:
            out += PARTS[part]
        elif part in modules:
            out.append(part if part in dict(model.named_parameters(recurse=False))
                       else part + ".")
        else:
            raise ModelError(f"unknown part {part!r}; expected {ALL!r}, one of {sorted(PARTS)} "
                             f"or a module of the model ({', '.join(sorted(modules))})")
    return tuple(out)


def _chosen(keys: Iterable[str], prefixes: tuple[str, ...] | None) -> set[str]:
    if prefixes is None:
        return set(keys)
    return {k for k in keys if any(k == p or k.startswith(p) for p in prefixes)}


def _listing(label: str, keys: list[str]) -> str:
    more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return f"{len(keys)} {label} ({', '.join(keys[:SHOWN])}{more})"


def load_pretrained_weights(model: nn.Module, source: Source,
                            parts: Iterable[str] | None = None,
                            strict: bool = True, name: str | None = None) -> LoadReport:
    """Copy weights from ``source`` into ``model`` (see the module docstring).

    Args:
        model: the model to load into (a :class:`MultimodalTransformer` or any module).
        source: a model folder, a ``.pt`` file, a module or a state dict.
        parts: names of the parts to load; ``None`` or ``[ALL]`` loads every weight.
        strict: refuse missing, unexpected and mismatched weights.
        name: what the messages call ``source`` (default: its path, or its type).

    Returns:
        What was loaded and what was left out.

    Raises:
        ModelError: an unknown part, an unreadable source, or (with ``strict``) missing,
            unexpected or mismatched weights, listed in one message.
    """
    parts = None if parts is None else list(parts)
    prefixes = None if parts is None else part_prefixes(model, parts)
    state = source_state(source)
    own = model.state_dict()
    wanted = _chosen(own, prefixes)
    given = _chosen(state, prefixes)
    missing = sorted(wanted - given)
    unexpected = sorted(given - wanted)
    mismatched = sorted(k for k in wanted & given if own[k].shape != state[k].shape)
    where = name or (source if isinstance(source, str | os.PathLike) else type(source).__name__)
    if not wanted:
        raise ModelError(f"loading {where}: the model has no weights in parts {list(parts or [])}")
    if strict and (missing or unexpected or mismatched):
        problems = [_listing(label, keys) for label, keys in
                    (("missing", missing), ("unexpected", unexpected),
                     ("mismatched", [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
                                     for k in mismatched]))
                    if keys]
        raise ModelError(f"loading {where}: " + "; ".join(problems))
    loaded = sorted((wanted & given) - set(mismatched))
    model.load_state_dict({k: state[k] for k in loaded}, strict=False)
    return LoadReport(tuple(loaded), tuple(missing), tuple(unexpected), tuple(mismatched))
