"""The speaker: teacher-forced likelihood, and greedy and beam decoding that give back ten
memorised texts exactly."""

from __future__ import annotations

import pytest
import torch

from agents.models.config import ModelConfig
from agents.pretrain.speaker import SEP_ID, Speaker, with_end
from vlnenv.language.vocab import Tokenizer

TEXTS = [
    "a bedroom , a blue bed ahead .",
    "in the kitchen , a fridge on the left .",
    "a bathroom , a white towel on the right .",
    "this is the office , a desk ahead and a door on the left .",
    "you are in the garage , a red wrench on the workbench .",
    "a hallway , a door ahead .",
    "in the gym , a treadmill on your right .",
    "a nursery , a crib on the left and a pink toy ahead .",
    "this is the pantry , a cabinet straight ahead .",
    "in the dining room , a table ahead and a green plate on the table .",
]


def test_end_token_follows_the_last_word():
    ids = torch.tensor([[2, 10, 11, 0, 0], [2, 12, 13, 14, 15]])
    assert with_end(ids).tolist() == [[2, 10, 11, SEP_ID, 0, 0], [2, 12, 13, 14, 15, SEP_ID]]


@pytest.mark.slow
def test_speaker_memorises_ten_pairs_and_decodes_them_exactly():
    tok = Tokenizer()
    config = ModelConfig(n_embd=32, n_head=2, max_text_len=24)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        speaker = Speaker(config, layers=1)
    gen = torch.Generator().manual_seed(0)
    memory = 3 * torch.randn(10, 3, 32, generator=gen)  # (B, S, C): one memory per text
    ids = torch.as_tensor(tok.encode_batch(TEXTS, 24))  # (B, L)
    opt = torch.optim.Adam(speaker.parameters(), lr=1e-2)
    for _ in range(300):
        loss = speaker(ids, memory)
        opt.zero_grad()
        loss.backward()
        opt.step()
    speaker.eval()
    want = [tok.encode(t, add_cls=False).tolist() for t in TEXTS]
    assert speaker.greedy(memory) == want
    assert speaker.beam(memory, width=3) == want
