"""Masked language modelling (BERT, Devlin et al. 2019): 15% of the word tokens are
chosen; of those 80% become ``<mask>``, 10% a random word, 10% stay (HF
``DataCollatorForLanguageModeling``); the loss is taken at the chosen positions only.
Text-only, or conditioned on the view/trajectory by one cross-attention layer of the
text tokens over the visual tokens (cross-modal MLM)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.layers import CrossBlock
from vlnenv.language.vocab import SPECIAL_TOKENS

#: Label of positions that add no loss (``F.cross_entropy``'s ``ignore_index``).
IGNORE = -100
MASK_ID = SPECIAL_TOKENS.index("<mask>")
#: First id of a word (the special tokens come first).
FIRST_WORD = len(SPECIAL_TOKENS)


def mask_tokens(ids: Tensor, vocab_size: int, gen: torch.Generator, p: float = 0.15
                ) -> tuple[Tensor, Tensor]:
    """BERT's corruption of ``(B, L)`` token ids.

    Every word token (id >= ``FIRST_WORD``) is chosen with probability ``p``; a chosen
    token becomes ``<mask>`` with probability 0.8, a uniformly drawn word with 0.1, and
    stays with 0.1. Special tokens (``<pad>``, ``<cls>``...) are never chosen.

    Returns:
        ``(inputs, labels)``, both ``(B, L)``: labels are the original ids at chosen
        positions and :data:`IGNORE` elsewhere.
    """
    u = torch.rand(ids.shape, generator=gen)  # (B, L)
    chosen = (u < p) & (ids >= FIRST_WORD)  # (B, L)
    how = torch.rand(ids.shape, generator=gen)  # (B, L)
    words = torch.randint(FIRST_WORD, vocab_size, ids.shape, generator=gen)  # (B, L)
    inputs = torch.where(chosen & (how < 0.8), torch.full_like(ids, MASK_ID), ids)
    inputs = torch.where(chosen & (how >= 0.8) & (how < 0.9), words, inputs)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
    return inputs, labels


def mlm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy of ``(B, L, V)`` logits at positions whose ``(B, L)`` label is
    not :data:`IGNORE`."""
    return F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE)


class MLMHead(nn.Module):
    """Word logits of text tokens; with ``context`` the tokens first cross-attend to it."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.cross = CrossBlock(config)
        self.ln = nn.LayerNorm(config.n_embd)
        self.decoder = nn.Linear(config.n_embd, config.vocab_size)

    def forward(self, tokens: Tensor, padding: Tensor, context: Tensor | None = None) -> Tensor:
        """``(B, L, V)`` logits of ``(B, L, C)`` tokens, optionally reading a ``(B, S, C)``
        context."""
        if context is not None:
            tokens, _, _ = self.cross(tokens, context, padding, None)  # (B, L, C)
        return self.decoder(self.ln(tokens))  # (B, L, V)
