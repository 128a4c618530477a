"""Trajectory–instruction contrastive learning (the video–text case, as VideoCLIP): the
views along a path, each summarised by the vision encoder, get a frame embedding and one
Transformer layer over time; their mean is paired with the instruction summary by the
symmetric InfoNCE of :func:`agents.pretrain.contrastive.clip_loss`."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.layers import Block
from agents.pretrain.contrastive import LOGIT_SCALE_INIT, LOGIT_SCALE_MAX, clip_loss


class TrajectoryHead(nn.Module):
    """Frame embeddings, a temporal layer, projections and a learnable logit scale."""

    def __init__(self, config: ModelConfig, dim: int, max_frames: int = 16) -> None:
        super().__init__()
        self.frame_emb = nn.Embedding(max_frames, config.n_embd)
        self.temporal = Block(config)
        self.ln = nn.LayerNorm(config.n_embd)
        self.path_proj = nn.Linear(config.n_embd, dim, bias=False)
        self.text_proj = nn.Linear(config.n_embd, dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(LOGIT_SCALE_INIT))

    def frames(self, summaries: Tensor) -> Tensor:
        """``(B, K, C)`` frame tokens from ``(B, K, C)`` per-view summaries (the speaker's
        memory for instructions)."""
        K = summaries.shape[1]
        x = summaries + self.frame_emb(torch.arange(K, device=summaries.device))  # (B, K, C)
        return self.ln(self.temporal(x)[0])  # (B, K, C)

    def embed_path(self, summaries: Tensor) -> Tensor:
        """``(B, D)`` path embeddings of ``(B, K, C)`` per-view summaries."""
        return self.path_proj(self.frames(summaries).mean(1))  # (B, D)

    def embed_text(self, text: Tensor) -> Tensor:
        """``(B, D)`` instruction embeddings of ``(B, C)`` summaries."""
        return self.text_proj(text)  # (B, D)

    def forward(self, summaries: Tensor, text: Tensor) -> Tensor:
        """The loss of paired ``(B, K, C)`` paths and ``(B, C)`` instruction summaries."""
        return clip_loss(self.embed_path(summaries), self.embed_text(text),
                         self.logit_scale.clamp(max=LOGIT_SCALE_MAX))
