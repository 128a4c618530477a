"""``EnvConfig``: how an environment shows and scores episodes, whatever their source.

Where episodes come from is the other argument of both environments, an
:class:`~vlnenv.env.sources.EpisodeSource`; ``render_mode`` stays a constructor argument
of its own, as Gymnasium's ``make`` passes it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
