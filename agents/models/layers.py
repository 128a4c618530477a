"""Transformer building blocks shared by the encoders and the fusions: multi-head
attention that honours a key padding mask (and can return its weights), a feed-forward
layer, pre-norm self- and cross-attention blocks, and a query's read of a context."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError


class Attention(nn.Module):
    """Multi-head attention: of ``x`` over itself (one fused query-key-value projection),
    or, with ``cross=True``, of ``x`` over a ``context``. Keys where ``key_padding_mask``
    is True get exactly zero weight; callers keep at least one key unmasked in every row."""

    def __init__(self, config: ModelConfig, cross: bool = False) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.cross = cross
        if cross:
            self.query = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.key_value = nn.Linear(config.n_embd, 2 * config.n_embd, bias=config.bias)
        else:
            self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.proj.residual_out = True  # scaled init, see MultimodalTransformer._init_weights
        self.resid_drop = nn.Dropout(config.dropout)

    def forward(
        self,
        x: Tensor,
        context: Tensor | None = None,
        key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend.

        Args:
            x: ``(B, T, C)`` queries.
            context: ``(B, S, C)`` keys and values for cross-attention; ``None`` for
                self-attention (S = T).
            key_padding_mask: ``(B, S)`` bool, True where the key is padding.
            return_attention: also return the attention weights.

        Returns:
            ``(B, T, C)`` output and, if asked, ``(B, H, T, S)`` weights (else ``None``).
        """
        C = x.shape[-1]
        if (context is not None) != self.cross:
            raise ModelError("cross-attention needs a context; self-attention takes none")
        if context is not None:
            q = self.query(x)  # (B, T, C)
            k, v = self.key_value(context).split(C, dim=2)  # (B, S, C) each
        else:
            q, k, v = self.qkv(x).split(C, dim=2)  # (B, T, C) each
        return self.attend(q, k, v, key_padding_mask, return_attention)

    def attend(self, q: Tensor, k: Tensor, v: Tensor, key_padding_mask: Tensor | None = None,
               return_attention: bool = False) -> tuple[Tensor, Tensor | None]:
        """The attention itself, of projected ``(B, T, C)`` queries over projected
        ``(B, S, C)`` keys and values (so a caller can project keys once for many
        queries); the output projected, and the weights if asked (see :meth:`forward`)."""
        B, T, C = q.shape
        S = k.shape[1]
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, H, T, hs)
        k = k.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, H, S, hs)
        v = v.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, H, S, hs)
        p_drop = self.dropout if self.training else 0.0
        weights = None
        if return_attention:
            att = (q @ k.transpose(-2, -1)) * hs**-0.5  # (B, H, T, S)
            if key_padding_mask is not None:
                att = att.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
            weights = F.softmax(att.float(), dim=-1).to(q.dtype)  # (B, H, T, S)
            y = F.dropout(weights, p_drop, self.training) @ v  # (B, H, T, hs)
        else:
            mask = None if key_padding_mask is None else ~key_padding_mask[:, None, None, :]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                               dropout_p=p_drop)  # (B, H, T, hs)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.resid_drop(self.proj(y)), weights  # (B, T, C)


class MLP(nn.Module):
    """Position-wise feed-forward layer: Linear, GELU, Linear."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        hidden = config.mlp_ratio * config.n_embd
        self.fc = nn.Linear(config.n_embd, hidden, bias=config.bias)
        self.proj = nn.Linear(hidden, config.n_embd, bias=config.bias)
        self.proj.residual_out = True
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, C)`` -> ``(B, T, C)``."""
        return self.drop(self.proj(F.gelu(self.fc(x))))  # (B, T, C)


class Block(nn.Module):
    """Pre-norm Transformer layer: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = Attention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(
        self, x: Tensor, key_padding_mask: Tensor | None = None, return_attention: bool = False
    ) -> tuple[Tensor, Tensor | None]:
        """``(B, T, C)`` -> ``(B, T, C)`` and the ``(B, H, T, T)`` weights if asked."""
        a, weights = self.attn(self.ln_1(x), None, key_padding_mask, return_attention)
        x = x + a  # (B, T, C)
        x = x + self.mlp(self.ln_2(x))  # (B, T, C)
        return x, weights


class CrossBlock(nn.Module):
    """Pre-norm co-attention layer (LXMERT style) of one stream: attend to the other
    stream, then to itself, then feed-forward; each a residual branch."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_x = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.ln_ctx = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.cross = Attention(config, cross=True)
        self.block = Block(config)

    def forward(
        self,
        x: Tensor,
        context: Tensor,
        key_padding_mask: Tensor | None = None,
        context_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """Update ``x`` from ``context``.

        Args:
            x: ``(B, T, C)`` this stream.
            context: ``(B, S, C)`` the other stream (read before either is updated).
            key_padding_mask: ``(B, T)`` padding of this stream (for its self-attention).
            context_padding_mask: ``(B, S)`` padding of the other stream.
            return_attention: also return the weights.

        Returns:
            ``(B, T, C)``, then ``(B, H, T, S)`` cross and ``(B, H, T, T)`` self weights
            (``None`` unless asked).
        """
        a, cross_w = self.cross(self.ln_x(x), self.ln_ctx(context), context_padding_mask,
                                return_attention)
        x = x + a  # (B, T, C)
        x, self_w = self.block(x, key_padding_mask, return_attention)  # (B, T, C)
        return x, cross_w, self_w


class ReadBlock(nn.Module):
    """Pre-norm read of a context by a few query tokens (the recurrent state token): attend
    to the context, then feed-forward, each a residual branch,
    ``s <- s + attn(ln_q(s), ctx)``, ``s <- s + mlp(ln_m(s))``. Unlike :class:`CrossBlock`
    it has no self-attention, which over a single query token would be a fixed linear map
    whose query and key weights never learn. (``film``'s read is the same computation,
    inline in its module for the names of its saved weights.)"""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_q = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = Attention(config, cross=True)
        self.ln_m = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(
        self, x: Tensor, context: Tensor, context_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """``(B, T, C)`` queries read the ``(B, S, C)`` context (already normalised):
        ``(B, T, C)`` and the ``(B, H, T, S)`` weights if asked."""
        a, weights = self.attn(self.ln_q(x), context, context_padding_mask, return_attention)
        x = x + a  # (B, T, C)
        x = x + self.mlp(self.ln_m(x))  # (B, T, C)
        return x, weights
