"""The goal scores' attribute match (``agents.models.match``), worked out by hand, and a
model with ``config.match`` (its scores move with the words; step by step equals a
sequence)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence

from agents.models import (
    CellConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
)
from agents.models.cell_labels import CELL_CLASSES
from agents.models.match import AttributeReader, attribute_match

BIG = 50.0  # a logit gap that makes a softmax one-hot to float precision


def _one_hot_logits(index: int, k: int) -> torch.Tensor:
    logits = torch.zeros(k)
    logits[index] = BIG
    return logits


def test_flat_words_score_every_cell_zero():
    cells = torch.randn(2, 5, 3 + 4)  # (N, P, K): two label kinds of 3 and 4 classes
    match = attribute_match(torch.zeros(2, 7), cells, (3, 4))
    torch.testing.assert_close(match, torch.zeros(2, 5), atol=1e-6, rtol=0)


def test_named_labels_score_log_k_where_the_cell_shows_them_and_far_below_elsewhere():
    text = torch.cat([_one_hot_logits(1, 3), _one_hot_logits(2, 4)])[None]  # (1, 7)
    shows = torch.cat([_one_hot_logits(1, 3), _one_hot_logits(2, 4)])  # both agree
    half = torch.cat([_one_hot_logits(1, 3), _one_hot_logits(0, 4)])  # the second differs
    unsure = torch.zeros(7)  # the cell head cannot tell: chance on both
    match = attribute_match(text, torch.stack([shows, half, unsure])[None], (3, 4))[0]
    assert match[0].item() == pytest.approx(math.log(3) + math.log(4), abs=1e-5)
    assert match[1].item() < -BIG / 2  # a named label the cell does not show
    assert match[2].item() == pytest.approx(0.0, abs=1e-5)


def test_a_label_the_words_leave_open_does_not_tell_cells_apart():
    # the words name class 0 of the first kind and nothing of the second (flat logits)
    text = torch.cat([_one_hot_logits(0, 3), torch.zeros(4)])[None]
    red = torch.cat([_one_hot_logits(0, 3), _one_hot_logits(1, 4)])
    blue = torch.cat([_one_hot_logits(0, 3), _one_hot_logits(3, 4)])
    match = attribute_match(text, torch.stack([red, blue])[None], (3, 4))[0]
    assert match[0].item() == pytest.approx(match[1].item(), abs=1e-5)
    assert match[0].item() == pytest.approx(math.log(3), abs=1e-5)


def test_goal_match_needs_the_goal_and_cell_heads():
    with pytest.raises(ModelError, match=r"match needs goal, cells \(missing: cells\)"):
        ModelConfig(fusion="film", goal=GoalConfig(), match=MatchConfig())
    with pytest.raises(ModelError, match=r"match needs goal, cells \(missing: goal\)"):
        ModelConfig(fusion="film", cells=CellConfig(), match=MatchConfig())


def _model() -> MultimodalTransformer:
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1, fusion="film",
                         gps=GpsConfig(range=4), goal=GoalConfig(), cells=CellConfig(),
                         match=MatchConfig(), memory=MemoryConfig())
    return MultimodalTransformer(config, seed=1).eval()


def _obs(n: int, instruction: str = "go to the red ball") -> dict:
    rng = np.random.default_rng(0)
    return {"image": rng.integers(0, 255, (n, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, n), "carrying": np.zeros(n, np.int64),
            "gps": rng.integers(-2, 3, (n, 2)), "instruction": [instruction] * n}


def _sequence(model: MultimodalTransformer, obs: dict, done: np.ndarray):
    seq = {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}
    with torch.no_grad():
        return model.forward_sequence(seq, None, done)


def test_the_match_adds_to_the_goal_scores_and_follows_the_words():
    model = _model()
    done = np.array([[True, False, False]])
    with torch.no_grad():
        model.match_head.weight.zero_()
        model.match_head.bias.zero_()
    flat = _sequence(model, _obs(3), done).goal  # flat words: the plain goal head's scores
    with torch.no_grad():
        model.match_head.bias.copy_(torch.linspace(-3, 3, model.match_head.bias.numel()))
    named = _sequence(model, _obs(3), done)
    # the same views and words: the scores moved by the match of the cell head's labels
    expected = attribute_match(model.match_head.bias.expand(3, -1),
                               named.cells[0], CELL_CLASSES)  # (T, P)
    torch.testing.assert_close(named.goal[0], flat[0] + expected, atol=1e-4, rtol=1e-4)
    # the text head's logits come out per step (for the match loss): here its bias alone
    torch.testing.assert_close(named.match[0], model.match_head.bias.expand(3, -1))


def test_a_sequence_with_the_match_equals_the_steps_one_by_one():
    done = np.zeros((1, 4), bool)
    done[0, 0] = done[0, 2] = True
    assert_steps_match_sequence(_model(), _obs(4), done)


TOKENS = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))  # (N, L, C)
PADDING = torch.tensor([[False, False, False, True, True], [False] * 5])  # (N, L)


def test_a_token_reader_gives_each_label_kind_its_logits_and_ignores_padding():
    reader = AttributeReader(8, (3, 4))
    out = reader(TOKENS, PADDING)
    assert tuple(out.shape) == (2, 7)
    changed = TOKENS.clone()
    changed[0, 3:] = 100.0  # padded tokens are ignored: changing them changes nothing
    torch.testing.assert_close(reader(changed, PADDING)[0], out[0])


def test_the_attending_reader_reads_each_label_kind_off_the_tokens_it_attends_to():
    reader = AttributeReader(8, (3, 4))
    # one token: every query pools it, so each kind's logits are its head of that token
    one = reader(TOKENS[:, :1], PADDING[:, :1])
    torch.testing.assert_close(one[:, :3], reader.heads[0](TOKENS[:, 0]))
    torch.testing.assert_close(one[:, 3:], reader.heads[1](TOKENS[:, 0]))


@pytest.mark.parametrize(("reader", "kind"), [("attend", AttributeReader),
                                              ("summary", torch.nn.Linear)])
def test_a_model_with_a_token_reader_steps_as_its_sequence(reader, kind):
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1, fusion="film",
                         goal=GoalConfig(), cells=CellConfig(),
                         match=MatchConfig(reader=reader))
    model = MultimodalTransformer(config, seed=1).eval()
    assert isinstance(model.match_head, kind)
    T = 3
    obs = _obs(T)
    done = np.array([[True, False, False]])
    assert_steps_match_sequence(model, obs, done)
    with torch.no_grad():
        whole = _sequence(model, obs, done)
    assert tuple(whole.match.shape) == (1, T, sum(CELL_CLASSES))
    with pytest.raises(ModelError, match="MatchConfig.reader must be one of"):
        MatchConfig(reader="mean")
