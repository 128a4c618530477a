"""``film``: image layers conditioned on the instruction by feature-wise linear modulation
(Perez et al., 2018, "FiLM: Visual Reasoning with a General Conditioning Layer")."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.fusion import Fusion, FusionOutput, register_fusion
from agents.models.layers import Block
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


@register_fusion("film")
class FiLM(Fusion):
    """``config.n_fusion_layer`` pre-norm layers over the ``[state; image]`` tokens; after
    layer ``i`` every token is modulated as ``x * (1 + gamma_i) + beta_i``, where
    ``(gamma_i, beta_i) = W_i · text_summary + b_i``. The output at the state token is the
    fused state."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_fusion_layer))
        self.film = nn.Linear(config.n_embd, 2 * config.n_embd * config.n_fusion_layer,
                              bias=config.bias)
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, state: Tensor, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`Fusion.forward`; weights are ``fusion.<i>`` ``(B, H, T, T)`` over the
        ``T = 1 + N`` state and image tokens."""
        x = torch.cat([state, image.tokens], dim=1)  # (B, T, C)
        mods = self.film(text.summary).unsqueeze(1)  # (B, 1, 2*layers*C)
        mods = mods.chunk(2 * len(self.blocks), dim=-1)  # 2*layers x (B, 1, C)
        maps = {}
        for i, block in enumerate(self.blocks):
            x, w = block(x, None, return_attention)  # (B, T, C)
            x = x * (1.0 + mods[2 * i]) + mods[2 * i + 1]  # (B, T, C)
            if w is not None:
                maps[f"fusion.{i}"] = w
        h = self.ln_f(x[:, 0])  # (B, C)
        return FusionOutput(h, h, None, maps)
