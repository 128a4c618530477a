"""``upgrade_model_dict``: a model config written before the policy was built from parts
(issue 22; the last commit of that layout is ``a7041fd``), converted to the parts layout.

The old layout was flat: on/off switches (``gps``, ``goal_head``, ``cell_head``,
``goal_match``, ``goal_memory``, ``explore_memory``) beside the options they enabled
(``gps_range``, ``match_reader``, ``memory_distance``, ``goal_path``), plus options since
deleted for want of a measured gain (``vision_stem = "tiles"``, ``match_reader =
"tokens"``, ``match_room``). The state-dict keys did not change, so old weights load as
they are.
"""

from __future__ import annotations

from typing import Any

from agents.models.errors import ModelError

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
