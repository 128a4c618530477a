"""BERT masking: 15% chosen, 80/10/10, specials never chosen, loss only where chosen."""

from __future__ import annotations

import torch

from agents.models.text import PAD_ID
from agents.pretrain.mlm import FIRST_WORD, IGNORE, MASK_ID, mask_tokens, mlm_loss

VOCAB = 325


def _ids(gen: torch.Generator) -> torch.Tensor:
    ids = torch.randint(FIRST_WORD, VOCAB, (400, 50), generator=gen)  # (B, L)
    ids[:, 0] = 2  # <cls>
    ids[:, 40:] = PAD_ID
    return ids


def test_masking_chooses_15_percent_and_splits_them_80_10_10():
    gen = torch.Generator().manual_seed(0)
    ids = _ids(gen)
    inputs, labels = mask_tokens(ids, VOCAB, gen)
    chosen = labels != IGNORE
    words = ids >= FIRST_WORD
    assert abs(chosen.sum() / words.sum() - 0.15) < 0.006
    masked = (inputs == MASK_ID) & chosen
    kept = (inputs == ids) & chosen
    replaced = chosen & ~masked & ~kept
    n = chosen.sum()
    assert abs(masked.sum() / n - 0.8) < 0.02
    assert abs(kept.sum() / n - 0.1) < 0.015  # (a random word equal to the old: 1 in 320)
    assert abs(replaced.sum() / n - 0.1) < 0.015
    assert bool((inputs[replaced] >= FIRST_WORD).all())
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])


def test_special_tokens_are_never_chosen():
    gen = torch.Generator().manual_seed(1)
    ids = _ids(gen)
    inputs, labels = mask_tokens(ids, VOCAB, gen, p=1.0)
    assert bool((labels[:, 0] == IGNORE).all()) and bool((labels[:, 40:] == IGNORE).all())
    assert bool((labels[:, 1:40] != IGNORE).all())
    assert torch.equal(inputs[:, 40:], ids[:, 40:])


def test_unchosen_positions_add_no_loss_and_get_no_gradient():
    gen = torch.Generator().manual_seed(2)
    ids = _ids(gen)[:8]
    _, labels = mask_tokens(ids, VOCAB, gen)
    logits = torch.randn(8, 50, VOCAB, generator=gen, requires_grad=True)
    loss = mlm_loss(logits, labels)
    loss.backward()
    chosen = labels != IGNORE
    assert bool((logits.grad[~chosen] == 0).all())
    assert bool((logits.grad[chosen].abs().sum(-1) > 0).all())
    other = logits.detach().clone()
    other[~chosen] = 100.0
    assert torch.equal(mlm_loss(other, labels), loss.detach())
