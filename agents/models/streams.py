"""Transformer fusions over token streams: ``single_stream`` (one stack over all tokens,
as VisualBERT / VLN-BERT) and ``dual_stream`` (one stack per modality joined by
cross-attention, as LXMERT / ViLBERT)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.fusion import Fusion, FusionOutput, register_fusion
from agents.models.layers import Block, CrossBlock
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


@register_fusion("single_stream")
class SingleStream(Fusion):
    """One Transformer of ``config.n_fusion_layer`` pre-norm layers over the concatenated
    ``[state; text; image]`` tokens, each marked with a learned modality embedding; text
    padding is masked out as keys. The output at the state token is the fused state."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.type_emb = nn.Embedding(3, config.n_embd)  # state, text, image
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_fusion_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, state: Tensor, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`Fusion.forward`; weights are ``fusion.<i>`` ``(B, H, T, T)`` over
        ``T = 1 + L + N`` tokens."""
        t_s, t_t, t_i = self.type_emb.weight  # (C,) each
        x = torch.cat([state + t_s, text.tokens + t_t, image.tokens + t_i], dim=1)  # (B, T, C)
        keep = torch.zeros_like(text.padding[:, :1])  # (B, 1)
        image_pad = keep.expand(-1, image.tokens.shape[1])  # (B, N)
        pad = torch.cat([keep, text.padding, image_pad], dim=1)  # (B, T)
        maps = {}
        for i, block in enumerate(self.blocks):
            x, w = block(x, pad, return_attention)  # (B, T, C)
            if w is not None:
                maps[f"fusion.{i}"] = w
        h = self.ln_f(x[:, 0])  # (B, C)
        return FusionOutput(h, h, None, maps)


@register_fusion("dual_stream")
class DualStream(Fusion):
    """A text stream and an image stream (``[state; image]``), each with its own
    parameters; in every one of the ``config.n_fusion_layer`` layers the text attends to
    the image, then the image (with the state token) attends to the updated text, each
    followed by its own self-attention and feed-forward layer. The output of the image
    stream at the state token is the fused state."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.text_layers = nn.ModuleList(CrossBlock(config) for _ in range(config.n_fusion_layer))
        self.image_layers = nn.ModuleList(
            CrossBlock(config) for _ in range(config.n_fusion_layer)
        )
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, state: Tensor, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`Fusion.forward`; weights are ``fusion.<i>.text_to_image``,
        ``fusion.<i>.text_self``, ``fusion.<i>.image_to_text`` and ``fusion.<i>.image_self``."""
        t = text.tokens  # (B, L, C)
        v = torch.cat([state, image.tokens], dim=1)  # (B, 1+N, C)
        maps = {}
        for i, (t_layer, v_layer) in enumerate(zip(self.text_layers, self.image_layers,
                                                   strict=True)):
            t, tv, tt = t_layer(t, v, text.padding, None, return_attention)  # (B, L, C)
            v, vt, vv = v_layer(v, t, None, text.padding, return_attention)  # (B, 1+N, C)
            if return_attention:
                maps.update({f"fusion.{i}.text_to_image": tv, f"fusion.{i}.text_self": tt,
                             f"fusion.{i}.image_to_text": vt, f"fusion.{i}.image_self": vv})
        h = self.ln_f(v[:, 0])  # (B, C)
        return FusionOutput(h, h, None, maps)
