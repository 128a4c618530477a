"""The recurrent state (``agents.models.state.RecurrentState``): its fields reset, select,
join and convert from the flat tensor of older checkpoints; and the state token carries
information across steps: a bit shown only in the first view must be recalled steps later,
behind blank views. Learned with the recurrent state, not without it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from agents.models import ModelConfig, ModelError, MultimodalTransformer, RecurrentState
from agents.models.legacy import upgrade_state

STEPS = 4
TILE = 8
VIEW = 3  # cells a side: a small view keeps the test fast; the model takes any size


def _state() -> RecurrentState:
    hidden = torch.arange(6.0).view(3, 2) + 1  # (3, 2)
    return RecurrentState(hidden, hidden * 10, None)


def test_reset_zeros_every_field_of_the_episodes_that_start():
    state = _state().reset(np.array([False, True, False]))
    assert state.hidden.tolist() == [[1, 2], [0, 0], [5, 6]]
    assert state.goal_map.tolist() == [[10, 20], [0, 0], [50, 60]]
    assert state.explore_map is None


def test_select_and_cat_keep_the_fields_together():
    state = _state()
    one = state.select(1)
    assert one.hidden.tolist() == [[3, 4]] and one.goal_map.tolist() == [[30, 40]]
    some = state.select(torch.tensor([2, 0]))
    assert some.hidden.tolist() == [[5, 6], [1, 2]] and some.batch == 2
    joined = RecurrentState.cat([state.select(0), state.select(1), state.select(2)])
    assert all(torch.equal(a, b) for a, b in zip(joined.to_dict().values(),
                                                 state.to_dict().values(), strict=True))


def test_detach_clone_and_the_checkpoint_dict_round_trip():
    hidden = torch.ones(2, 3, requires_grad=True)
    state = RecurrentState(hidden * 2, torch.zeros(2, 4))
    assert state.hidden.requires_grad and not state.detach().hidden.requires_grad
    saved = state.detach().to("cpu").to_dict()
    assert sorted(saved) == ["goal_map", "hidden"]
    back = RecurrentState.from_dict(saved)
    assert torch.equal(back.hidden, state.hidden.detach()) and back.explore_map is None
    copy = back.clone()
    copy.hidden.zero_()
    assert back.hidden.sum() == 12


def test_a_flat_state_of_an_older_checkpoint_splits_into_its_fields():
    flat = torch.arange(2 * (4 + 2 * 9), dtype=torch.float32).view(2, 22)  # C=4, two 3x3 maps
    state = upgrade_state(flat, ("goal_map", "explore_map"), 4)
    assert torch.equal(state.hidden, flat[:, :4])
    assert torch.equal(state.goal_map, flat[:, 4:13])
    assert torch.equal(state.explore_map, flat[:, 13:])
    assert torch.equal(upgrade_state(flat[:, :4], (), 4).hidden, flat[:, :4])
    with pytest.raises(ModelError, match="a flat state of 21 numbers does not split"):
        upgrade_state(flat[:, :21], ("goal_map", "explore_map"), 4, "ckpt")
    with pytest.raises(ModelError, match="ckpt: recurrent state fields"):
        upgrade_state({"hidden": flat}, ("goal_map",), 4, "ckpt")


def test_a_models_initial_state_has_a_field_per_stateful_part():
    model = MultimodalTransformer(ModelConfig.preset("quickstart", n_embd=32, n_head=2))
    state = model.initial_state(2)
    assert [k for k, v in state._asdict().items() if v is not None] == [
        "hidden", "goal_map", "explore_map"]
    assert tuple(state.goal_map.shape) == (2, 33 * 33) and not state.hidden.any()
    assert model.load_state(torch.zeros(2, 32 + 2 * 33 * 33)).explore_map.shape == (2, 1089)


def memory_batch(rng: np.random.Generator, batch: int) -> tuple[dict, np.ndarray]:
    """Episodes of ``STEPS`` blank views, except the first, whose top-left cell is red
    (bit 1) or blue (bit 0); the target at the last step is the bit."""
    bits = rng.integers(0, 2, batch)
    image = np.zeros((batch, STEPS, VIEW * TILE, VIEW * TILE, 3), dtype=np.uint8)
    image[:, 0, :TILE, :TILE] = np.where(bits[:, None, None, None] == 1, [255, 0, 0],
                                         [0, 0, 255])
    obs = {
        "image": image,
        "direction": np.zeros((batch, STEPS), dtype=np.int64),
        "carrying": np.zeros((batch, STEPS), dtype=np.int64),
        "instruction": ["what colour was the first corner ?"] * batch,
    }
    return obs, bits


def recall_accuracy(recurrent: bool, seed: int = 0, updates: int = 60) -> float:
    torch.manual_seed(seed)  # dropout is off; this pins any other kernel randomness
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=0, n_vision_layer=1,
                         n_fusion_layer=1, recurrent=recurrent)
    model = MultimodalTransformer(config, seed=seed)
    opt = torch.optim.AdamW(model.optim_groups(0.0), lr=3e-3)
    rng = np.random.default_rng(seed)
    done = np.zeros((64, STEPS), dtype=bool)
    done[:, 0] = True
    for _ in range(updates):
        obs, bits = memory_batch(rng, 64)
        logits = model.forward_sequence(obs, None, done).logits[:, -1]  # (B, A)
        loss = F.cross_entropy(logits, torch.from_numpy(bits))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    obs, bits = memory_batch(np.random.default_rng(seed + 1), 512)
    big_done = np.zeros((512, STEPS), dtype=bool)
    big_done[:, 0] = True
    with torch.no_grad():
        guess = model.forward_sequence(obs, None, big_done).logits[:, -1].argmax(-1)
    return float((guess.numpy() == bits).mean())


@pytest.mark.slow
def test_state_token_remembers_the_first_view():
    assert recall_accuracy(recurrent=True) > 0.9


@pytest.mark.slow
def test_without_the_state_token_recall_is_chance():
    assert recall_accuracy(recurrent=False) < 0.65
