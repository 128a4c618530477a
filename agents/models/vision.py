"""The vision encoder: every cell of the egocentric view is a token (a linear map of its
tile's pixels) with learned row and column embeddings, plus one ego token that embeds the
heading, the carried object and (``config.gps``) the way back to the start."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.far_offsets import offset_index
from agents.models.layers import Block
from vlnenv.world.house import DIRECTIONS


class VisionOutput(NamedTuple):
    """What the vision encoder gives the fusion."""

    tokens: Tensor
    """``(B, N, C)``: the ego token first when heading or carrying was given, then the
    ``V * V`` cell tokens in row-major order (row 0 is the far edge of the view)."""
    n_ego: int
    """Number of leading ego tokens (0 or 1)."""
    attention: list[Tensor]
    """``(B, H, N, N)`` weights per layer when asked for, else empty."""

    @property
    def cells(self) -> Tensor:
        """``(B, V*V, C)`` the cell tokens."""
        return self.tokens[:, self.n_ego:]

    @property
    def summary(self) -> Tensor:
        """``(B, C)`` the mean of the cell tokens."""
        return self.cells.mean(dim=1)


@lru_cache(maxsize=1)
def unit_steps() -> Tensor:
    """``(4, 2)`` int64 ``(row, col)`` unit step of each heading, clockwise from east
    (``vlnenv.world.house.DIRECTIONS``)."""
    return torch.tensor(DIRECTIONS, dtype=torch.long)


def egocentric_offsets(offset: Tensor, direction: Tensor) -> tuple[Tensor, Tensor]:
    """``(...)``, ``(...)`` world ``(row, col)`` offsets ``(..., 2)`` in the agent's frame:
    ``f = offset · fwd(d)`` (cells ahead), ``r = offset · right(d)`` (cells to the right;
    headings turn clockwise, so ``right(d) = fwd(d + 1)``)."""
    steps = unit_steps().to(offset.device)  # (4, 2)
    d = direction.long() % 4  # (...)
    f = (offset.long() * steps[d]).sum(-1)  # (...)
    r = (offset.long() * steps[(d + 1) % 4]).sum(-1)  # (...)
    return f, r


def egocentric_indices(offset: Tensor, direction: Tensor, limit: int,
                       extra: int = 0) -> tuple[Tensor, Tensor]:
    """``(...)``, ``(...)`` embedding indices of :func:`egocentric_offsets`: each clipped to
    ``[-limit, limit]`` and shifted by ``limit``, or with ``extra > 0`` buckets beyond
    ``limit`` (:func:`agents.models.far_offsets.offset_index`)."""
    f, r = egocentric_offsets(offset, direction)  # (...) each
    return offset_index(f, limit, extra), offset_index(r, limit, extra)


def home_vector(gps: Tensor, direction: Tensor, limit: int,
                extra: int = 0) -> tuple[Tensor, Tensor]:
    """``(B,)``, ``(B,)`` embedding indices of the way back to the start in the agent's
    frame: :func:`egocentric_indices` of ``-gps``."""
    return egocentric_indices(-gps.long(), direction, limit, extra)


class VisionEncoder(nn.Module):
    """Patch tokens with 2-D positions and an ego token, then ``config.n_vision_layer``
    pre-norm Transformer layers and a final layer norm. Works for any view of
    ``V * tile`` pixels a side with ``V <= config.max_view``."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.tile = config.tile
        self.max_view = config.max_view
        self.patch = nn.Linear(3 * config.tile * config.tile, config.n_embd, bias=config.bias)
        self.row_emb = nn.Embedding(config.max_view, config.n_embd)
        self.col_emb = nn.Embedding(config.max_view, config.n_embd)
        self.dir_emb = nn.Embedding(config.n_directions, config.n_embd)
        self.carry_emb = nn.Embedding(config.n_carrying, config.n_embd)
        self.home_limit = config.home_limit
        self.far = config.home_buckets
        self.home_emb = (None if config.gps is None else nn.ModuleList(
            nn.Embedding(2 * (self.home_limit + self.far) + 1, config.n_embd)
            for _ in range(2)))
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_vision_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def view_cells(self, image: Tensor) -> int:
        """``V``, the cells per side of ``image``'s views.

        Raises:
            ModelError: ``image`` is not ``(B, H, W, 3)`` with square sides that are a
                multiple of ``config.tile`` and at most ``max_view`` cells.
        """
        if image.dim() != 4 or image.shape[-1] != 3 or image.shape[1] != image.shape[2]:
            raise ModelError(f"image must be (B, S, S, 3), got shape {tuple(image.shape)}")
        S, t = image.shape[1], self.tile
        if S % t or not 1 <= S // t <= self.max_view:
            raise ModelError(f"image side {S} px must be V * tile with tile={t} and "
                             f"1 <= V <= max_view={self.max_view}")
        return S // t

    def patches(self, image: Tensor) -> Tensor:
        """``(B, V*V, 3*tile*tile)`` pixel values in [0, 1] of each view cell.

        Raises:
            ModelError: the shape is wrong (:meth:`view_cells`).
        """
        B, V, t = image.shape[0], self.view_cells(image), self.tile
        x = image.float().div(255.0)  # (B, S, S, 3)
        x = x.view(B, V, t, V, t, 3).permute(0, 1, 3, 2, 4, 5)  # (B, V, V, t, t, 3)
        return x.reshape(B, V * V, t * t * 3)  # (B, P, t*t*3)

    def embed_cells(self, image: Tensor) -> Tensor:
        """``(B, V*V, C)`` one token per view cell: ``W · pixels + b``."""
        return self.patch(self.patches(image))  # (B, P, C)

    def forward(
        self,
        image: Tensor,
        direction: Tensor | None = None,
        carrying: Tensor | None = None,
        return_attention: bool = False,
        *,
        gps: Tensor | None = None,
    ) -> VisionOutput:
        """Encode views.

        Args:
            image: ``(B, S, S, 3)`` pixels 0..255 (uint8 or float).
            direction: ``(B,)`` headings, or ``None``.
            carrying: ``(B,)`` carried object ids (0 none), or ``None``.
            return_attention: also return each layer's attention weights.
            gps: ``(B, 2)`` cells minus start cells, or ``None``; embedded (with
                ``direction``) by a model with ``config.gps``.

        Returns:
            The encoded tokens and attention weights.
        """
        x = self.embed_cells(image)  # (B, P, C)
        V = int(round(x.shape[1] ** 0.5))
        idx = torch.arange(V, device=x.device)  # (V,)
        pos = self.row_emb(idx)[:, None] + self.col_emb(idx)[None, :]  # (V, V, C)
        x = x + pos.reshape(V * V, -1)  # (B, P, C)
        ego = None
        if direction is not None:
            ego = self.dir_emb(direction)  # (B, C)
        if carrying is not None:
            carry = self.carry_emb(carrying)  # (B, C)
            ego = carry if ego is None else ego + carry  # (B, C)
        if self.home_emb is not None:
            if gps is None or direction is None:
                raise ModelError("a model with config.gps needs the 'gps' and 'direction' "
                                 "observations")
            f, r = home_vector(gps, direction, self.home_limit, self.far)  # (B,), (B,)
            home = self.home_emb[0](f) + self.home_emb[1](r)  # (B, C)
            ego = home if ego is None else ego + home
        n_ego = 0
        if ego is not None:
            x = torch.cat([ego[:, None], x], dim=1)  # (B, 1+P, C)
            n_ego = 1
        x = self.drop(x)  # (B, N, C)
        maps = []
        for block in self.blocks:
            x, w = block(x, None, return_attention)  # (B, N, C)
            if w is not None:
                maps.append(w)
        return VisionOutput(self.ln_f(x), n_ego, maps)  # (B, N, C)
