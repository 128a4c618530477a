"""Gymnasium ids.

* ``vlnenv/GridHouse-v0``: generated small houses (3-6 rooms), all task families.
* ``vlnenv/GridHouse-Large-v0``: generated large houses (8-14 rooms), all families.
* ``vlnenv/<Family>-v0`` and ``vlnenv/<Family>-Large-v0`` for each family:
  ``GoToRoom``, ``GoToObject``, ``Fetch``, ``FollowRoute``, ``Sequence``.

Each id's only keyword is its ``source`` (``EpisodeSource.generated(size, families)``);
``gym.make(id, config=EnvConfig(...))`` sets the rest, ``gym.make(id, source=...)`` plays
other episodes.
"""

from __future__ import annotations

import gymnasium as gym

from vlnenv.env.sources import EpisodeSource

ENTRY_POINT = "vlnenv.env.grid_house:GridHouseEnv"
VECTOR_ENTRY_POINT = "vlnenv.vector:BatchedGridHouseEnv"

#: Id stem -> task families.
FAMILY_IDS: dict[str, tuple[str, ...]] = {
    "GridHouse": ("go_to_room", "go_to_object", "fetch", "follow_route", "sequence"),
    "GoToRoom": ("go_to_room",),
    "GoToObject": ("go_to_object",),
    "Fetch": ("fetch",),
    "FollowRoute": ("follow_route",),
    "Sequence": ("sequence",),
}

#: Id suffix -> house size preset.
SIZE_IDS: dict[str, str] = {"": "small", "-Large": "large"}


def env_ids() -> list[str]:
    """Every id this package registers."""
    return [f"vlnenv/{stem}{suffix}-v0" for stem in FAMILY_IDS for suffix in SIZE_IDS]


def register_envs() -> None:
    """Register every id (idempotent)."""
    for stem, families in FAMILY_IDS.items():
        for suffix, size in SIZE_IDS.items():
            env_id = f"vlnenv/{stem}{suffix}-v0"
            if env_id in gym.registry:
                continue
            gym.register(
                id=env_id,
                entry_point=ENTRY_POINT,
                vector_entry_point=VECTOR_ENTRY_POINT,
                kwargs={"source": EpisodeSource.generated(size, families)},
            )
