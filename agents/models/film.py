"""``film``: image layers conditioned on the instruction by feature-wise linear modulation
(Perez et al., 2018, "FiLM: Visual Reasoning with a General Conditioning Layer"; the
BabyAI baselines of Chevalier-Boisvert et al., 2019, condition their image layers the
same way), read by the recurrent state token through cross-attention."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.fusion import ContextFusion, FusionOutput, register_fusion
from agents.models.layers import MLP, Attention, Block
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


@register_fusion("film")
class FiLM(ContextFusion):
    """Instruction-conditioned image layers, then one read by the state token.

    Context (no dependence on the state, so a sequence computes it for all ``B * T``
    steps at once): for each of the ``config.n_fusion_layer`` layers ``i`` the image tokens
    are modulated, ``x <- x * (1 + gamma_i) + beta_i`` with ``(gamma_i, beta_i) = W_i ·
    text_summary + b_i``, then go through a pre-norm Transformer layer; the context is
    ``[text_summary; x]`` (``(B, 1 + N, C)``).

    Read (every step): the state token ``s`` attends to the context and goes through a
    feed-forward layer, ``s <- s + attn(ln(s), ln(ctx))``, ``s <- s + mlp(ln(s))``; the
    fused state is ``ln_f(s)``. Attention maps: ``fusion.<i>`` ``(B, H, N, N)`` for the
    image layers and ``fusion.<n_fusion_layer>`` ``(B, H, 1, 1 + N)`` for the read.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_fusion_layer))
        self.film = nn.Linear(config.n_embd, 2 * config.n_embd * config.n_fusion_layer,
                              bias=config.bias)
        self.ln_ctx = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.ln_q = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.read_attn = Attention(config, cross=True)
        self.ln_m = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def context(
        self, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """See :meth:`ContextFusion.context`: ``(B, 1 + N, C)`` ``[text_summary; image]``."""
        x = image.tokens  # (B, N, C)
        summary = text.summary  # (B, C)
        mods = self.film(summary).unsqueeze(1)  # (B, 1, 2*layers*C)
        mods = mods.chunk(2 * len(self.blocks), dim=-1)  # 2*layers x (B, 1, C)
        maps = {}
        for i, block in enumerate(self.blocks):
            x = x * (1.0 + mods[2 * i]) + mods[2 * i + 1]  # (B, N, C)
            x, w = block(x, None, return_attention)  # (B, N, C)
            if w is not None:
                maps[f"fusion.{i}"] = w
        ctx = torch.cat([summary[:, None], x], dim=1)  # (B, 1+N, C)
        return self.ln_ctx(ctx), maps

    def read(
        self, state: Tensor, context: Tensor, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`ContextFusion.read`."""
        a, w = self.read_attn(self.ln_q(state), context, None, return_attention)
        s = state + a  # (B, 1, C)
        s = s + self.mlp(self.ln_m(s))  # (B, 1, C)
        h = self.ln_f(s[:, 0])  # (B, C)
        maps = {} if w is None else {f"fusion.{len(self.blocks)}": w}
        return FusionOutput(h, h, None, maps)
