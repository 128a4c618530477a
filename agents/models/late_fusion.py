"""``late_fusion``: a product of experts over actions, one expert per modality and a
learned prior (Hinton, 2002, "Training Products of Experts by Minimizing Contrastive
Divergence")."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.fusion import Fusion, FusionOutput, register_fusion
from agents.models.layers import Block
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


def product_of_experts(log_prior: Tensor, *log_experts: Tensor) -> Tensor:
    """Normalised log-probabilities of the product of the prior and the experts:
    ``log p(a) = log prior(a) + sum_m log p_m(a) - log Z``, with
    ``Z = sum_a prior(a) * prod_m p_m(a)``.

    Args:
        log_prior: ``(A,)`` or ``(B, A)`` log-probabilities.
        log_experts: each ``(B, A)`` log-probabilities.

    Returns:
        ``(B, A)`` log-probabilities (each row's exponentials sum to 1).
    """
    joint = log_prior + torch.stack(log_experts).sum(dim=0)  # (B, A)
    return joint - joint.logsumexp(dim=-1, keepdim=True)  # (B, A)


@register_fusion("late_fusion")
class LateFusion(Fusion):
    """Two experts fused only at the action distribution: a text expert (linear on the
    instruction summary) and an image expert (``config.n_fusion_layer`` layers over the
    ``[state; image]`` tokens, linear on the state token), with a learned prior. The image
    expert's state token is the recurrent state; value and progress read the state plus a
    projection of the instruction summary."""

    makes_logits = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_fusion_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.text_expert = nn.Linear(config.n_embd, config.n_actions, bias=config.bias)
        self.image_expert = nn.Linear(config.n_embd, config.n_actions, bias=config.bias)
        self.prior = nn.Parameter(torch.zeros(config.n_actions))
        self.text_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.ln_features = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, state: Tensor, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`Fusion.forward`; weights are ``fusion.<i>`` ``(B, H, T, T)`` over the
        ``T = 1 + N`` state and image tokens."""
        x = torch.cat([state, image.tokens], dim=1)  # (B, T, C)
        maps = {}
        for i, block in enumerate(self.blocks):
            x, w = block(x, None, return_attention)  # (B, T, C)
            if w is not None:
                maps[f"fusion.{i}"] = w
        h = self.ln_f(x[:, 0])  # (B, C)
        cls = text.summary  # (B, C)
        log_text = F.log_softmax(self.text_expert(cls).float(), dim=-1)  # (B, A)
        log_image = F.log_softmax(self.image_expert(h).float(), dim=-1)  # (B, A)
        log_prior = F.log_softmax(self.prior.float(), dim=-1)  # (A,)
        logits = product_of_experts(log_prior, log_text, log_image)  # (B, A)
        features = self.ln_features(h + self.text_proj(cls))  # (B, C)
        return FusionOutput(h, features, logits, maps)
