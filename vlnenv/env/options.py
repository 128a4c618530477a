"""``reset(options=...)`` keys that make an episode of the user's choosing.

* ``"episode"`` (an :class:`Episode` or its dict) with an optional ``"house"``: play
  that record;
* ``"instruction"`` (typed English), ``"house"`` (a :class:`House`, a map file path, or
  an id of the env's ``house_map``) and ``"start"`` (``(row, col, heading)``), each
  alone or together: the instruction is read with :func:`vlnenv.language.parse` in the
  house from the start; a missing house is drawn from the env's episode source (redrawn
  until the instruction reads as one task there), a missing start is drawn uniformly, a
  missing instruction is sampled as usual.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vlnenv.env.sources import EpisodeSource
from vlnenv.errors import ParseError, TaskError, UnknownWordError, VLNError
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.from_text import check_start, typed_episode
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.house import House
from vlnenv.world.mapfile import load_house

#: Option keys ``reset`` understands.
#: Houses drawn from the source before giving up on an instruction with no house given.
HOUSE_TRIES = 50


def resolve_house(value: Any, house_map: Mapping[str, House]) -> tuple[House, str]:
    """A house and its id from a :class:`House`, a ``house_map`` id or a map file path."""
    if isinstance(value, House):
        return value, value.name
    if isinstance(value, str) and value in house_map:
        return house_map[value], value
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        if not path.is_file():
            known = f" or one of {sorted(house_map)[:5]}" if house_map else ""
            raise TaskError(f"reset option 'house': no map file {str(path)!r}; expected a "
                            f"House, a .toml map file{known}")
        return load_house(path), path.stem
    raise TaskError(f"reset option 'house' must be a House or a map file path, "
                    f"got {type(value).__name__}")


def fixed_episode(options: Mapping[str, Any],
                  house_map: Mapping[str, House]) -> tuple[House, Episode]:
    """The house and record the ``episode`` option (with its optional ``house``) asks for.

    Raises:
        TaskError: the record is neither an Episode nor its dict, or names a house that is
            neither given nor in ``house_map``.
    """
    episode = options["episode"]
    if isinstance(episode, dict):
        episode = Episode.from_json(episode, "options['episode']")
    if not isinstance(episode, Episode):
        raise TaskError(f"options['episode'] must be an Episode or a dict, "
                        f"got {type(episode).__name__}")
    house = options.get("house") or house_map.get(episode.house)
    if house is None:
        raise TaskError(f"episode {episode.episode_id!r} names house {episode.house!r}; "
                        "pass options['house'] or give the source a house_map")
    return house, episode


def custom_episode(options: Mapping[str, Any], source: EpisodeSource,
                   rng: np.random.Generator) -> tuple[House, Episode]:
    """The house and episode the ``instruction``/``house``/``start`` options ask for (houses
    by id and task families are the source's)."""
    house_map, families = source.house_map, source.families
    text = options.get("instruction")
    start = options.get("start")

    def build(house: House, house_id: str) -> Episode:
        pose = None if start is None else check_start(house, start)
        if text is None:
            return sample_episode(house, rng, families, house_id=house_id, start=pose)
        return typed_episode(house, text, rng, pose, house_id)

    if "house" in options:
        house, house_id = resolve_house(options["house"], house_map)
        return house, build(house, house_id)
    last: VLNError | None = None
    for _ in range(HOUSE_TRIES):
        house, drawn = source.draw(rng)
        try:
            return house, build(house, drawn.house)
        except UnknownWordError:
            raise
        except (ParseError, TaskError) as err:
            last = err
    raise TaskError(f"no house of {HOUSE_TRIES} drawn fits the reset options; last: {last}")
