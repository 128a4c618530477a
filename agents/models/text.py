"""The text encoder: token and position embeddings, pre-norm Transformer layers, and the
output at ``<cls>`` (position 0) as the summary of the instruction."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.layers import Block
from vlnenv.language.vocab import PAD, SPECIAL_TOKENS

#: Id of ``<pad>`` in every vocabulary (the special tokens come first, in a fixed order).
PAD_ID = SPECIAL_TOKENS.index(PAD)


class TextOutput(NamedTuple):
    """What the text encoder gives the fusion."""

    tokens: Tensor
    """``(B, L, C)`` encoded tokens, ``<cls>`` first."""
    padding: Tensor
    """``(B, L)`` bool, True at padding (never at position 0)."""
    attention: list[Tensor]
    """``(B, H, L, L)`` weights per layer when asked for, else empty."""

    @property
    def summary(self) -> Tensor:
        """``(B, C)`` the instruction summary: the encoded ``<cls>`` token."""
        return self.tokens[:, 0]


def padding_mask(ids: Tensor) -> Tensor:
    """``(B, L)`` bool, True where ``ids`` is ``<pad>``, except position 0 (the ``<cls>``
    summary), which always takes part so that no attention row is empty, even for an
    all-pad (masked) instruction."""
    pad = ids == PAD_ID  # (B, L)
    pad[:, 0] = False
    return pad


def trim_padding(ids: Tensor) -> Tensor:
    """Drop the trailing columns of ``ids`` (B, L) that are padding in every row; the
    outputs do not change (padding is never attended to), only the work does."""
    used = (ids != PAD_ID).any(dim=0)  # (L,)
    length = int(used.nonzero().max()) + 1 if bool(used.any()) else 1
    return ids[:, :length]  # (B, L')


class TextEncoder(nn.Module):
    """Token + position embeddings, then ``config.n_text_layer`` pre-norm Transformer
    layers with a key padding mask, then a final layer norm."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.max_len = config.max_text_len
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Embedding(config.max_text_len, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_text_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(self, ids: Tensor, return_attention: bool = False) -> TextOutput:
        """Encode instruction ids.

        Args:
            ids: ``(B, L)`` int token ids, ``<cls>`` first, padded with ``<pad>``; columns
                of padding only are dropped first (see :func:`trim_padding`).
            return_attention: also return each layer's attention weights.

        Returns:
            The encoded tokens, their padding mask and the attention weights.

        Raises:
            ModelError: ``ids`` is not 2-D or is longer than ``config.max_text_len``.
        """
        if ids.dim() != 2:
            raise ModelError(f"instruction ids must be (B, L), got shape {tuple(ids.shape)}")
        ids = trim_padding(ids)  # (B, L)
        L = ids.shape[1]
        if L > self.max_len:
            raise ModelError(f"instruction of {L} tokens is longer than "
                             f"config.max_text_len={self.max_len}")
        pad = padding_mask(ids)  # (B, L)
        pos = torch.arange(L, device=ids.device)  # (L,)
        x = self.drop(self.tok_emb(ids) + self.pos_emb(pos))  # (B, L, C)
        maps = []
        for block in self.blocks:
            x, w = block(x, pad, return_attention)  # (B, L, C)
            if w is not None:
                maps.append(w)
        return TextOutput(self.ln_f(x), pad, maps)  # (B, L, C)
