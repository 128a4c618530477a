"""``upgrade_model_dict``: a model config written before the policy was built from parts
(issue 22; the last commit of that layout is ``a7041fd``), converted to the parts layout.

The old layout was flat: on/off switches (``gps``, ``goal_head``, ``cell_head``,
``goal_match``, ``goal_memory``, ``explore_memory``) beside the options they enabled
(``gps_range``, ``match_reader``, ``memory_distance``, ``goal_path``), plus options since
deleted for want of a measured gain (``vision_stem = "tiles"``, ``match_reader =
"tokens"``, ``match_room``). The state-dict keys did not change, so old weights load as
they are; a recurrent state saved by a training or rollout checkpoint was one flat tensor
(:func:`upgrade_state` splits it).
"""

from __future__ import annotations

from typing import Any

import torch

from agents.models.errors import ModelError
from agents.models.state import RecurrentState

#: Old flat switch -> (part, {old option: part field}).
_SWITCHES: dict[str, tuple[str, dict[str, str]]] = {
    "gps": ("gps", {"gps_range": "range"}),
    "goal_head": ("goal", {}),
    "cell_head": ("cells", {}),
    "goal_match": ("match", {"match_reader": "reader"}),
    "goal_memory": ("memory", {"memory_distance": "distance"}),
    "explore_memory": ("explore", {"goal_path": "goal_path"}),
}

#: Deleted options -> the value they still convert at (any other is refused).
_DELETED: dict[str, Any] = {"vision_stem": "pixels", "match_room": False}

#: Keys only the old layout has.
LEGACY_KEYS: frozenset[str] = frozenset(
    {*(_SWITCHES.keys() - {"gps"}), *(o for _, opts in _SWITCHES.values() for o in opts),
     *_DELETED})


def _flag(value: Any) -> Any:
    """A switch's value: a bool, or a command-line string read as one."""
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
    return value


def upgrade_model_dict(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the old flat layout's keys (:data:`LEGACY_KEYS`, or ``gps`` given as a
    switch) replaced by the parts they turn on; ``data`` itself when it has none. A dict
    mixing both layouts (an old config file over new defaults) takes the old keys.

    An option that was off converts to nothing; a part's options convert only when the
    part is on (``goal_path = true`` beside ``explore_memory = false`` is dropped, as the
    old model ignored it).

    Raises:
        ModelError: a deleted option is on (``vision_stem = "tiles"``, ``match_room =
            true``, ``match_reader = "tokens"`` with ``goal_match``), or a switch is not a
            bool.
    """
    gps = data.get("gps")
    if not (LEGACY_KEYS & set(data) or isinstance(_flag(gps), bool)
            or isinstance(gps, str)):
        return data
    out = {k: v for k, v in data.items() if k not in LEGACY_KEYS}
    for key, keep in _DELETED.items():
        if key in data and _flag(data[key]) != keep:
            raise ModelError(f"{key}={data[key]!r} was deleted (last in commit a7041fd); "
                             f"expected {keep!r} or no {key}")
    for switch, (part, options) in _SWITCHES.items():
        if switch not in data or (switch == "gps" and not isinstance(_flag(gps), bool)):
            continue
        on = _flag(data[switch])
        if not isinstance(on, bool):
            raise ModelError(f"{switch} must be a bool, got {data[switch]!r}")
        if not on:
            out[part] = None
            continue
        fields = {field: _flag(data[old]) for old, field in options.items() if old in data}
        if fields.get("reader") == "tokens":
            raise ModelError("match_reader='tokens' was deleted (last in commit a7041fd); "
                             "expected 'summary' or 'attend'")
        out[part] = fields
    return out


def upgrade_state(saved: Any, fields: tuple[str, ...], n_embd: int,
                  where: str = "state") -> RecurrentState:
    """A recurrent state as a checkpoint holds it: the dict of
    :meth:`RecurrentState.to_dict`, or the flat ``(B, C + k M*M)`` tensor written before the
    parts (``hidden``, then each map of ``fields`` in order, ``M*M`` numbers each).

    Args:
        saved: the dict or the flat tensor.
        fields: the map fields of the model that reads it, in order
            (``MultimodalTransformer.initial_state(1)``'s fields that are on, after
            ``hidden``).
        n_embd: ``C``.
        where: names the checkpoint in errors.

    Raises:
        ModelError: the tensor's width is not ``C`` plus a whole map per field, or the dict
            names other fields than the model's.
    """
    if isinstance(saved, dict):
        if set(saved) != {"hidden", *fields}:
            raise ModelError(f"{where}: recurrent state fields {sorted(saved)}; the model "
                             f"has {sorted({'hidden', *fields})}")
        return RecurrentState(**saved)
    if not isinstance(saved, torch.Tensor) or saved.dim() != 2:
        raise ModelError(f"{where}: expected a recurrent state (a dict of tensors, or a "
                         f"(B, S) tensor), got {type(saved).__name__}")
    rest = saved.shape[1] - n_embd
    if rest < 0 or (rest % len(fields) if fields else rest):
        raise ModelError(f"{where}: a flat state of {saved.shape[1]} numbers does not split "
                         f"into C={n_embd} and {len(fields)} map(s)")
    size = rest // len(fields) if fields else 0
    maps = {name: saved[:, n_embd + i * size:n_embd + (i + 1) * size]
            for i, name in enumerate(fields)}
    return RecurrentState(saved[:, :n_embd], **maps)
