"""``EnvConfig``: how an environment shows and scores episodes, whatever their source.

Where episodes come from is the other argument of both environments, an
:class:`~vlnenv.env.sources.EpisodeSource`; ``render_mode`` stays a constructor argument
of its own, as Gymnasium's ``make`` passes it. The config's fields may also be given as
keywords (``GridHouseEnv(expert="oracle")``, ``gym.make(id, dense_reward=0.1)``): they
are the same settings, put into the config by :func:`config_with`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vlnenv.env.checks import check_settings
from vlnenv.errors import EnvError
from vlnenv.expert.kinds import EnvExpert

#: Values of ``EnvConfig.render_view``.
RENDER_VIEWS: tuple[str, ...] = ("topdown", "egocentric")


@dataclass(frozen=True)
class EnvConfig:
    """Settings of :class:`~vlnenv.env.grid_house.GridHouseEnv` and
    :class:`~vlnenv.vector.batched.BatchedGridHouseEnv`, checked when made.

    Raises:
        EnvError: a setting out of range (the message names it and what is expected).
    """

    view: int = 7
    """View size in cells (odd, 3..9)."""
    tile: int = 8
    """Tile size in pixels (1..``MAX_TILE``)."""
    dense_reward: float = 0.0
    """Shaping weight λ (0 = sparse reward only; see the env's Rewards section)."""
    expert: EnvExpert | None = None
    """Expert actions to put in ``info`` (an :class:`EnvExpert` or its name: ``"oracle"``,
    ``"explorer"``, ``"both"``, ``"rules"``); ``None`` for none."""
    render_view: str = "topdown"
    """What ``render()`` draws for ``rgb_array``: ``"topdown"`` (map with agent, path and
    instruction) or ``"egocentric"``."""

    def __post_init__(self) -> None:
        check_settings(self.dense_reward, self.view, self.tile)
        if self.expert is not None:
            try:
                object.__setattr__(self, "expert", EnvExpert(self.expert))
            except ValueError:
                raise EnvError(f"expert must be None or one of "
                               f"{[k.value for k in EnvExpert]}, got {self.expert!r}") from None
        if self.render_view not in RENDER_VIEWS:
            raise EnvError(f"render_view must be one of {RENDER_VIEWS}, got "
                           f"{self.render_view!r}")


#: Constructor arguments of earlier versions that said where episodes come from.
SOURCE_ARGUMENTS: tuple[str, ...] = ("generator", "size", "houses", "episodes", "house_map",
                                     "families", "prefetch")


def config_with(config: object, settings: Mapping[str, Any]) -> EnvConfig:
    """``config`` (the default :class:`EnvConfig` for ``None``) with the fields named in
    ``settings`` replaced.

    Raises:
        EnvError: ``config`` is not an :class:`EnvConfig`, or a setting is not one of its
            fields (the message says when it names where episodes come from, which is the
            ``source``'s to say).
    """
    if config is None:
        config = EnvConfig()
    if not isinstance(config, EnvConfig):
        raise EnvError(f"config must be an EnvConfig, got {type(config).__name__}")
    names = [f.name for f in dataclasses.fields(EnvConfig)]
    unknown = sorted(k for k in settings if k not in names)
    if unknown:
        hint = ""
        if any(k in SOURCE_ARGUMENTS for k in unknown):
            hint = ("; where episodes come from is the source's to say: source=EpisodeSource"
                    ".generated(size, families, prefetch), .houses(houses, families), "
                    ".episodes(episodes, houses) or .suite(name, split)")
        raise EnvError(f"unknown setting(s) {unknown}; expected EnvConfig fields {names}"
                       f"{hint}")
    return dataclasses.replace(config, **settings) if settings else config
