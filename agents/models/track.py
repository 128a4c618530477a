"""``InstructionTracker``: the state token reads the instruction's tokens at every step.

With the ``film`` fusion the state token reads only the instruction's summary (the
``<cls>`` token) and the view; a route ("exit the bedroom, turn left, walk two steps and
stop") or a sequence ("find the bottle, then go to the kitchen") asks for the part of the
instruction that applies *now*, which one summary vector holds poorly. The tracker gives
the state token one cross-attention over the instruction's tokens before the fusion
reads, so its attention can move along the instruction as the episode advances: the
state-language attention of Recurrent VLN-BERT (Hong et al., 2021) and the textual
grounding of the self-monitoring agent (Ma et al., 2019), whose progress monitor the
policy's progress head already is.

    q <- q + attn(ln_q(q), ln_t(tokens), padding)

with ``q`` the ``(B, 1, C)`` state token's query (previous state, type embedding and the
parts' biases) and ``tokens`` the ``(B, L, C)`` encoded instruction; ``<pad>`` keys get
zero weight (the ``<cls>`` key is never padding, so no row is empty). The keys and values
do not depend on the state: :meth:`InstructionTracker.keys` projects them once per
instruction, and each step reads them.
"""

from __future__ import annotations

from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.layers import Attention


class InstructionTracker(nn.Module):
    """One pre-norm cross-attention of the state token over the instruction tokens
    (module docstring)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_q = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.ln_t = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = Attention(config, cross=True)

    def keys(self, tokens: Tensor) -> Tensor:
        """``(..., L, 2 C)`` the keys and values of ``(..., L, C)`` instruction tokens, side
        by side: ``key_value(ln_t(tokens))``."""
        return self.attn.key_value(self.ln_t(tokens))  # (..., L, 2C)

    def forward(self, query: Tensor, keys: Tensor, padding: Tensor,
                return_attention: bool = False) -> tuple[Tensor, Tensor | None]:
        """``(B, 1, C)`` the query after reading an instruction's ``(B, L, 2 C)``
        :meth:`keys` (``(B, L)`` ``padding`` True at ``<pad>``), and the ``(B, H, 1, L)``
        weights if asked."""
        k, v = keys.chunk(2, dim=-1)  # (B, L, C) each
        q = self.attn.query(self.ln_q(query))  # (B, 1, C)
        a, w = self.attn.attend(q, k, v, padding, return_attention)  # (B, 1, C)
        return query + a, w  # (B, 1, C)
