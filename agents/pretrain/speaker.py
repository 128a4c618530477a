"""The speaker: a small Transformer decoder that writes text (a caption for a view, an
instruction for a trajectory) by maximum likelihood, reading a memory of visual tokens
through cross-attention (Speaker-Follower, Fried et al. 2018), with greedy and beam
decoding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.layers import MLP, Attention
from agents.models.text import PAD_ID
from vlnenv.language.vocab import SPECIAL_TOKENS

CLS_ID = SPECIAL_TOKENS.index("<cls>")
#: Ends a generated text.
SEP_ID = SPECIAL_TOKENS.index("<sep>")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position ``t`` sees positions ``<= t`` only."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, C)`` -> ``(B, T, C)``."""
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.qkv(x).split(C, dim=2))  # (B, H, T, hs) each
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, hs)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)


class DecoderLayer(nn.Module):
    """Pre-norm: causal self-attention, cross-attention to the memory, feed-forward."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_1, self.ln_2, self.ln_3 = (nn.LayerNorm(config.n_embd) for _ in range(3))
        self.self_attn = CausalSelfAttention(config)
        self.cross = Attention(config, cross=True)
        self.mlp = MLP(config)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        """``(B, T, C)`` tokens reading ``(B, S, C)`` memory -> ``(B, T, C)``."""
        x = x + self.self_attn(self.ln_1(x))  # (B, T, C)
        x = x + self.cross(self.ln_2(x), memory)[0]  # (B, T, C)
        return x + self.mlp(self.ln_3(x))  # (B, T, C)


class Speaker(nn.Module):
    """Token and position embeddings, ``layers`` decoder layers, a word head.

    Text is ``<cls> w_1 .. w_n <sep>``: ``<cls>`` starts decoding and ``<sep>`` ends it.
    """

    def __init__(self, config: ModelConfig, layers: int = 2) -> None:
        super().__init__()
        self.max_len = config.max_text_len
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Embedding(config.max_text_len, config.n_embd)
        self.mem_ln = nn.LayerNorm(config.n_embd)
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(layers))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size)

    def logits(self, ids: Tensor, memory: Tensor) -> Tensor:
        """``(B, T, V)`` next-token logits of ``(B, T)`` ids given ``(B, S, C)`` memory."""
        pos = torch.arange(ids.shape[1], device=ids.device)  # (T,)
        x = self.tok_emb(ids) + self.pos_emb(pos)  # (B, T, C)
        memory = self.mem_ln(memory)  # (B, S, C)
        for layer in self.layers:
            x = layer(x, memory)  # (B, T, C)
        return self.head(self.ln_f(x))  # (B, T, V)

    def forward(self, ids: Tensor, memory: Tensor) -> Tensor:
        """Teacher-forced negative log-likelihood per token of ``(B, L)`` texts (``<cls>``
        first, padded with ``<pad>``; ``<sep>`` is appended after the last word)."""
        target = with_end(ids)  # (B, L+1): w_1 .. w_n <sep> <pad>..
        logits = self.logits(ids, memory)  # (B, L, V)
        return F.cross_entropy(logits.flatten(0, 1).float(), target[:, 1:].flatten(),
                               ignore_index=PAD_ID)

    @torch.no_grad()
    def greedy(self, memory: Tensor, max_len: int = 40) -> list[list[int]]:
        """The most likely next word at each step, until ``<sep>`` or ``max_len`` words;
        one id list per memory row (``<cls>`` and ``<sep>`` left out)."""
        B = memory.shape[0]
        ids = torch.full((B, 1), CLS_ID, dtype=torch.long, device=memory.device)  # (B, 1)
        done = torch.zeros(B, dtype=torch.bool, device=memory.device)
        for _ in range(min(max_len, self.max_len - 1)):
            nxt = self.logits(ids, memory)[:, -1].argmax(-1)  # (B,)
            nxt = torch.where(done, torch.full_like(nxt, PAD_ID), nxt)
            ids = torch.cat([ids, nxt[:, None]], dim=1)  # (B, T+1)
            done |= nxt == SEP_ID
            if bool(done.all()):
                break
        return [_words(row) for row in ids[:, 1:].tolist()]

    @torch.no_grad()
    def beam(self, memory: Tensor, width: int = 4, max_len: int = 40) -> list[list[int]]:
        """Beam search: the ``width`` best of all one-word extensions of the live beams
        (sum of log-probabilities) stay, those ending in ``<sep>`` are finished; stops when
        no live beam scores above the best finished one. One id list per memory row."""
        out = []
        for b in range(memory.shape[0]):
            mem = memory[b:b + 1]  # (1, S, C)
            beams: list[tuple[float, list[int]]] = [(0.0, [CLS_ID])]
            finished: list[tuple[float, list[int]]] = []
            for _ in range(min(max_len, self.max_len - 1)):
                ids = torch.tensor([seq for _, seq in beams], device=memory.device)  # (K, T)
                logp = F.log_softmax(self.logits(ids, mem.expand(len(beams), -1, -1))[:, -1]
                                     .float(), -1)  # (K, V)
                cand = [(score + float(lp), seq + [int(w)])
                        for (score, seq), row in zip(beams, logp, strict=True)
                        for lp, w in zip(*row.topk(width), strict=True)]
                cand.sort(key=lambda c: -c[0])
                beams = []
                for score, seq in cand[:width]:
                    (finished if seq[-1] == SEP_ID else beams).append((score, seq))
                # log-probabilities only fall: a live beam below the best finished one
                # can never overtake it
                if not beams or (finished and max(finished)[0] >= beams[0][0]):
                    break
            best = max(finished or beams, key=lambda c: c[0])
            out.append(_words(best[1][1:]))
        return out


def with_end(ids: Tensor) -> Tensor:
    """``(B, L+1)``: ``ids`` with ``<sep>`` written after each row's last non-pad token."""
    B, L = ids.shape
    out = torch.cat([ids, torch.full((B, 1), PAD_ID, dtype=ids.dtype, device=ids.device)], 1)
    length = (ids != PAD_ID).sum(1)  # (B,)
    out[torch.arange(B, device=ids.device), length] = SEP_ID
    return out


def _words(ids: list[int]) -> list[int]:
    """The ids before the first ``<sep>``, without padding."""
    end = ids.index(SEP_ID) if SEP_ID in ids else len(ids)
    return [i for i in ids[:end] if i != PAD_ID]
