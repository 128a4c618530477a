"""MultimodalTransformer: shapes, inputs, padding, attention, gradients, determinism,
ablation masks and the recurrent state over sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models import (
    CELL_CLASSES,
    FUSIONS,
    CellConfig,
    GoalConfig,
    ModelError,
    MultimodalTransformer,
    RecurrentState,
)
from agents.models.late_fusion import product_of_experts
from agents.models.text import PAD_ID

ALL = sorted(FUSIONS)


def ids_of(model, obs, max_len=None):
    ids = model.instructions.encode(obs["instruction"])
    return torch.from_numpy(ids if max_len is None else ids[:, :max_len])


@pytest.mark.parametrize("fusion", ALL)
def test_act_shapes(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion))
    logits, value, state = model.act(make_obs(5))
    assert logits.shape == (5, 7) and value.shape == (5,) and state.hidden.shape == (5, 32)
    out = model(make_obs(5))
    assert out.progress.shape == (5,) and bool(((out.progress > 0) & (out.progress < 1)).all())


@pytest.mark.parametrize("fusion", ALL)
def test_forward_sequence_shapes(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion))
    out = model.forward_sequence(make_obs(3, 4), None, np.zeros((3, 4), dtype=bool))
    assert out.logits.shape == (3, 4, 7)
    assert out.value.shape == out.progress.shape == (3, 4)
    assert out.state.hidden.shape == (3, 32) and out.state.goal_map is None


def test_encoders_give_one_vector_per_input(tiny, make_obs):
    model = MultimodalTransformer(tiny())
    assert model.encode_text("Go to the bedroom and bring me a pillow").shape == (1, 32)
    assert model.encode_text(["Stop.", "Turn left."]).shape == (2, 32)
    obs = make_obs(3)
    assert model.encode_image(obs["image"]).shape == (3, 32)
    assert model.encode_image(obs["image"], obs["direction"], obs["carrying"]).shape == (3, 32)


@pytest.mark.parametrize("view, tile", [(5, 8), (9, 4), (3, 2)])
def test_any_view_and_tile_size(view, tile, tiny, make_obs):
    model = MultimodalTransformer(tiny(tile=tile))
    logits, _, _ = model.act(make_obs(2, side=view * tile))
    assert logits.shape == (2, 7)


def test_image_not_a_multiple_of_the_tile_raises(tiny, make_obs):
    with pytest.raises(ModelError, match="tile=8"):
        MultimodalTransformer(tiny()).act(make_obs(2, side=50))


def test_missing_key_raises(tiny, make_obs):
    obs = make_obs(2)
    del obs["carrying"]
    with pytest.raises(ModelError, match="carrying"):
        MultimodalTransformer(tiny()).act(obs)


def test_numpy_tensor_string_and_id_inputs_agree(tiny, make_obs):
    model = MultimodalTransformer(tiny()).eval()
    obs = make_obs(4)
    as_tensors = {k: torch.as_tensor(v) for k, v in obs.items() if k != "instruction"}
    as_tensors["instruction"] = ids_of(model, obs)
    a, b = model.act(obs)[0], model.act(as_tensors)[0]
    torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("fusion", ALL)
def test_adding_padding_changes_no_output(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    obs = make_obs(4)
    alone = [model(dict(obs, **{k: obs[k][i:i + 1] for k in obs})) for i in range(4)]
    batched = model(obs)  # shorter instructions padded to the longest
    for i, out in enumerate(alone):
        torch.testing.assert_close(batched.logits[i:i + 1], out.logits, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(batched.state.select(i), out.state, atol=1e-5, rtol=1e-5)
    longer = dict(obs, instruction=torch.nn.functional.pad(ids_of(model, obs), (0, 40)))
    torch.testing.assert_close(model(longer).logits, batched.logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fusion", ALL)
def test_attention_to_padding_is_zero(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    obs = make_obs(4)
    ids = model.instructions.encode(obs["instruction"])
    with torch.no_grad():
        out = model(obs, return_attention=True)
    L = int((ids != PAD_ID).sum(1).max())
    pad = torch.from_numpy(ids[:, :L] == PAD_ID)  # (B, L)
    assert pad.any()
    checked = 0
    for name, w in out.attention.items():
        if name.startswith("text."):
            keys = pad
        elif name.startswith("fusion.") and fusion == "single_stream":
            keys = torch.cat([torch.zeros(4, 1, dtype=torch.bool), pad,
                              torch.zeros(4, w.shape[-1] - 1 - L, dtype=torch.bool)], 1)
        elif name.endswith("image_to_text"):
            keys = pad
        else:
            continue
        assert w.shape[-1] == keys.shape[1]
        assert float(w.masked_select(keys[:, None, None, :].expand_as(w)).abs().max()) == 0.0
        torch.testing.assert_close(w.sum(-1), torch.ones_like(w.sum(-1)))
        checked += 1
    assert checked == sum(n.startswith("text.") for n in out.attention) + {
        "single_stream": 2, "dual_stream": 2}.get(fusion, 0)


@pytest.mark.parametrize("fusion", ALL)
def test_attention_maps_do_not_change_outputs(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    obs = make_obs(3)
    torch.testing.assert_close(model(obs, return_attention=True).logits, model(obs).logits,
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fusion", ALL)
def test_gradients_reach_every_parameter(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion))
    done = np.zeros((3, 2), dtype=bool)
    out = model.forward_sequence(make_obs(3, 2), None, done)
    (out.logits.sum() + out.value.sum() + out.progress.sum()).backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert dead == []


def test_same_seed_same_outputs_other_seed_other_outputs(tiny, make_obs):
    obs = make_obs(3)
    a = MultimodalTransformer(tiny(), seed=7).act(obs)[0]
    torch.manual_seed(123)  # the global generator plays no part
    b = MultimodalTransformer(tiny(), seed=7).act(obs)[0]
    c = MultimodalTransformer(tiny(), seed=8).act(obs)[0]
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("fusion", ALL)
def test_masked_instruction_ignores_the_text(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    obs = make_obs(4)
    other = dict(obs, instruction=list(reversed(obs["instruction"])))
    assert not torch.allclose(model.act(obs)[0], model.act(other)[0])
    torch.testing.assert_close(model.act(obs, mask_instruction=True)[0],
                               model.act(other, mask_instruction=True)[0])
    masked = MultimodalTransformer(model.config.replace(mask_instruction=True)).eval()
    torch.testing.assert_close(masked.act(obs)[0], model.act(other, mask_instruction=True)[0])


@pytest.mark.parametrize("fusion", ALL)
def test_blank_image_ignores_the_view(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    obs, other = make_obs(3, seed=0), make_obs(3, seed=1)
    other = dict(other, direction=obs["direction"], carrying=obs["carrying"])
    assert not torch.allclose(model.act(obs)[0], model.act(other)[0])
    torch.testing.assert_close(model.act(obs, blank_image=True)[0],
                               model.act(other, blank_image=True)[0])


@pytest.mark.parametrize("fusion", [n for n in ALL if FUSIONS[n].makes_logits])
def test_own_logits_of_a_fusion_are_normalised(fusion, tiny, make_obs):
    logits = MultimodalTransformer(tiny(fusion=fusion)).act(make_obs(3))[0]
    torch.testing.assert_close(logits.exp().sum(-1), torch.ones(3))


def test_product_of_experts_by_hand():
    prior = torch.log(torch.tensor([0.5, 0.25, 0.25]))
    expert = torch.log(torch.tensor([[0.2, 0.4, 0.4]]))
    # 0.5*0.2 = 0.1, 0.25*0.4 = 0.1, 0.1: uniform after normalising
    torch.testing.assert_close(product_of_experts(prior, expert).exp(),
                               torch.full((1, 3), 1 / 3))


@pytest.mark.parametrize("fusion", ALL)
def test_sequence_matches_step_by_step(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion)).eval()
    seq = make_obs(2, 3)
    done = np.array([[True, False, False], [True, False, True]])
    out = model.forward_sequence(seq, None, done)
    state = model.initial_state(2)
    for t in range(3):
        state = state.reset(done[:, t])
        step = {k: v[:, t] for k, v in seq.items() if k != "instruction"}
        logits, value, state = model.act(dict(step, instruction=seq["instruction"]), state)
        torch.testing.assert_close(out.logits[:, t], logits, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(out.value[:, t], value, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.state, state, atol=1e-5, rtol=1e-5)


def test_per_step_instructions_match_per_episode_ones(tiny, make_obs):
    model = MultimodalTransformer(tiny()).eval()
    seq = make_obs(2, 3)
    done = np.zeros((2, 3), dtype=bool)
    per_step = dict(seq, instruction=[[text] * 3 for text in seq["instruction"]])
    torch.testing.assert_close(model.forward_sequence(seq, None, done).logits,
                               model.forward_sequence(per_step, None, done).logits)


def test_done_mask_resets_the_state(tiny, make_obs):
    model = MultimodalTransformer(tiny()).eval()
    seq = make_obs(1, 4)
    done = np.array([[True, False, True, False]])
    joined = model.forward_sequence(seq, None, done)
    second = {k: v[:, 2:] for k, v in seq.items() if k != "instruction"}
    second["instruction"] = seq["instruction"]
    alone = model.forward_sequence(second, RecurrentState(torch.randn(1, 32)), done[:, 2:])
    torch.testing.assert_close(joined.logits[:, 2:], alone.logits, atol=1e-5, rtol=1e-5)


def test_state_changes_the_output_only_when_recurrent(tiny, make_obs):
    obs = make_obs(2)
    state = RecurrentState(torch.randn(2, 32))
    model = MultimodalTransformer(tiny()).eval()
    assert not torch.allclose(model.act(obs, state)[0], model.act(obs)[0])
    flat = MultimodalTransformer(tiny(recurrent=False)).eval()
    logits, _, new_state = flat.act(obs, state)
    torch.testing.assert_close(logits, flat.act(obs)[0])
    assert not new_state.hidden.any()


def test_weight_decay_only_on_matrices(tiny):
    model = MultimodalTransformer(tiny())
    decay, no_decay = model.optim_groups(0.1)
    assert all(p.dim() >= 2 for p in decay["params"])
    assert all(p.dim() < 2 for p in no_decay["params"]) and no_decay["weight_decay"] == 0.0
    n = sum(p.numel() for g in (decay, no_decay) for p in g["params"])
    assert n == model.num_parameters()


@pytest.mark.parametrize("fusion", ALL)
def test_runs_under_bf16_autocast(fusion, tiny, make_obs):
    # The cuda path runs under bf16 autocast; CPU autocast exercises the same dtype mixing.
    model = MultimodalTransformer(tiny(fusion=fusion))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.forward_sequence(make_obs(2, 2), None, np.zeros((2, 2), dtype=bool))
        attn = model(make_obs(2), return_attention=True)
    assert out.logits.dtype == out.value.dtype == out.state.hidden.dtype == torch.float32
    assert torch.isfinite(out.logits).all() and attn.attention
    (out.logits.sum() + out.value.sum()).backward()


@pytest.mark.parametrize("fusion", [n for n in ALL if FUSIONS[n].has_context])
def test_goal_head_scores_every_view_cell_of_every_step(fusion, tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion=fusion, goal=GoalConfig()))
    out = model.forward_sequence(make_obs(2, 3), None, np.zeros((2, 3), bool))
    assert out.goal is not None and tuple(out.goal.shape) == (2, 3, 49)
    plain = MultimodalTransformer(tiny(fusion=fusion))
    assert plain.forward_sequence(make_obs(2, 3), None, np.zeros((2, 3), bool)).goal is None


def test_goal_head_needs_a_fusion_with_a_context(tiny):
    with pytest.raises(ModelError, match="goal needs a fusion with a per-step context"):
        MultimodalTransformer(tiny(fusion="single_stream", goal=GoalConfig()))


@pytest.mark.parametrize("fusion", ["film", "single_stream", "energy"])
def test_cell_head_classifies_every_view_cell_of_every_step(tiny, make_obs, fusion):
    model = MultimodalTransformer(tiny(fusion=fusion, cells=CellConfig()))
    out = model.forward_sequence(make_obs(2, 3), None, np.zeros((2, 3), bool))
    assert out.cells is not None and tuple(out.cells.shape) == (2, 3, 49, sum(CELL_CLASSES))
    plain = MultimodalTransformer(tiny(fusion=fusion))
    assert plain.forward_sequence(make_obs(2, 3), None, np.zeros((2, 3), bool)).cells is None
