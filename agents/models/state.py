"""``RecurrentState``: what the policy carries from one step to the next, one named field
per part that keeps something (the core's state token, the goal memory's map, the explore
memory's map); a field is ``None`` when its part is off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor

from agents.models.map_grid import embed_maps, map_radius


class RecurrentState(NamedTuple):
    """The recurrent state of ``B`` episodes (all zeros: an episode's start)."""

    hidden: Tensor
    """``(B, C)`` the fused state token of the last step (the core)."""
    goal_map: Tensor | None = None
    """``(B, M*M)`` the goal memory's map (``config.memory``), else ``None``."""
    explore_map: Tensor | None = None
    """``(B, M*M)`` the explore memory's map (``config.explore``), else ``None``."""
    cue_map: Tensor | None = None
    """``(B, M*M)`` the goal memory's cue map (``config.memory.cue``), else ``None``."""

    def map(self, fn: Callable[[Tensor], Tensor]) -> RecurrentState:
        """``fn`` applied to every field that is on."""
        return RecurrentState(*(None if x is None else fn(x) for x in self))

    def reset(self, done: Any) -> RecurrentState:
        """Zeros (an episode's start) in the rows where the ``(B,)`` bool ``done`` is True."""
        mask = torch.as_tensor(done, dtype=torch.bool, device=self.hidden.device)[:, None]
        return self.map(lambda x: x.masked_fill(mask, 0.0))

    def detach(self) -> RecurrentState:
        """Cut from the graph (truncated backpropagation through time)."""
        return self.map(Tensor.detach)

    def float(self) -> RecurrentState:
        """Every field as float32."""
        return self.map(Tensor.float)

    def clone(self) -> RecurrentState:
        """A copy of every field."""
        return self.map(Tensor.clone)

    def to(self, device: torch.device | str) -> RecurrentState:
        """Every field on ``device``."""
        return self.map(lambda x: x.to(device))

    def select(self, index: Any) -> RecurrentState:
        """The rows ``index`` (an int keeps the batch dim: ``[index:index + 1]``)."""
        if isinstance(index, int):
            index = slice(index, index + 1)
        return self.map(lambda x: x[index])

    @property
    def batch(self) -> int:
        """``B``."""
        return self.hidden.shape[0]

    @classmethod
    def cat(cls, states: list[RecurrentState]) -> RecurrentState:
        """The states of several batches, one after the other (maps of different sizes,
        grown apart with ``config.far.grow``, re-embedded in the largest grid:
        :func:`agents.models.map_grid.embed_maps`)."""
        return cls(*(None if xs[0] is None else torch.cat(_same_size(list(xs)))
                     for xs in zip(*states, strict=True)))

    @classmethod
    def zeros(cls, batch: int, n_embd: int, map_size: int, fields: tuple[str, ...],
              device: torch.device | str) -> RecurrentState:
        """The start of ``batch`` episodes: ``hidden`` ``(batch, n_embd)`` and each of the
        map ``fields`` ``(batch, map_size)``, zeros."""
        maps = {name: torch.zeros(batch, map_size, device=device) for name in fields}
        return cls(torch.zeros(batch, n_embd, device=device), **maps)

    def to_dict(self) -> dict[str, Tensor]:
        """The fields that are on, by name (for a checkpoint)."""
        return {k: v for k, v in self._asdict().items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Tensor]) -> RecurrentState:
        """The state of :meth:`to_dict`."""
        return cls(**data)


def _same_size(xs: list[Tensor]) -> list[Tensor]:
    """``xs`` as they are when they have one width, else the memory maps among them
    re-embedded in the largest one's grid."""
    widest = max(x.shape[-1] for x in xs)
    if all(x.shape[-1] == widest for x in xs):
        return xs
    radius = map_radius(widest)
    return [embed_maps(x, radius) for x in xs]
