"""Checks of what :class:`~vlnenv.env.grid_house.GridHouseEnv` is given: its constructor's
settings and ``reset``'s options (``step``'s action: :func:`vlnenv.actions.as_action`).
Each refuses with a one-line :class:`~vlnenv.errors.EnvError` rather than guessing."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from vlnenv.actions import brief
from vlnenv.errors import EnvError
from vlnenv.render.tile_atlas import MAX_TILE
from vlnenv.world.house import House


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_settings(dense_reward: object, view: object, tile: object) -> None:
    """The numeric settings of an :class:`~vlnenv.env.config.EnvConfig`, checked.

    Raises:
        EnvError: ``dense_reward`` not a finite number >= 0; ``view`` not an odd integer
            in 3..9; ``tile`` not an integer in 1..:data:`MAX_TILE`.
    """
    if (isinstance(dense_reward, bool) or not isinstance(dense_reward, (int, float))
            or not 0 <= dense_reward < math.inf):
        raise EnvError(f"dense_reward must be a finite number >= 0 (0: sparse reward only), "
                       f"got {brief(dense_reward)}")
    if not _is_int(view) or view % 2 != 1 or not 3 <= view <= 9:
        raise EnvError(f"view must be an odd integer in 3..9, got {brief(view)}")
    if not _is_int(tile) or not 1 <= tile <= MAX_TILE:
        raise EnvError(f"tile must be an integer number of pixels in 1..{MAX_TILE}, got "
                       f"{brief(tile)}")


def check_families(families: object) -> tuple[str, ...]:
    """An episode source's task families, checked.

    Raises:
        EnvError: ``families`` a string or empty.
    """
    if (isinstance(families, str) or not isinstance(families, (Sequence, AbstractSet))
            or len(families) == 0):
        raise EnvError(f"families must be a non-empty list of task family names, got "
                       f"{brief(families)}")
    return tuple(families)


def check_houses(houses: object) -> list[House]:
    """An episode source's houses, checked.

    Raises:
        EnvError: ``houses`` not a list of houses.
    """
    if not isinstance(houses, Sequence) or not all(isinstance(h, House) for h in houses):
        raise EnvError("houses must be a list of House objects (vlnenv.world.load_house(path) "
                       "reads a map file)")
    return list(houses)


#: Keys ``reset(options=...)`` understands: a fixed episode record and its house.
RESET_OPTIONS: tuple[str, ...] = ("episode", "house", "instruction", "start")


def check_reset_options(options: object) -> Mapping[str, Any]:
    """``options`` of ``reset``, checked: ``None`` (no options) or a dict whose keys are
    among :data:`RESET_OPTIONS`, ``episode`` (a whole record) never beside
    ``instruction`` or ``start`` (:mod:`vlnenv.env.options` reads those).

    Raises:
        EnvError: anything else (an unknown key is refused rather than ignored).
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise EnvError(f"reset(options={brief(options)}): expected None or a dict with keys among "
                       f"{list(RESET_OPTIONS)}")
    unknown = sorted(repr(k)[:40] for k in options if k not in RESET_OPTIONS)
    if unknown:
        raise EnvError(f"reset(options=...): unknown key(s) {', '.join(unknown)}; expected "
                       f"keys among {list(RESET_OPTIONS)}")
    if "episode" in options and ("instruction" in options or "start" in options):
        raise EnvError("reset(options=...): 'episode' already has an instruction and a start; "
                       "expected either 'episode' (with its 'house') or 'instruction'/'house'/"
                       "'start'")
    return options
