"""The ``energy`` fusion: the pairwise potential and the log-probabilities by hand, the
unaries alone without pair weights, its context's layout, the quickstart parts on it,
and its weights from the seed. (Shapes, padding, ablations, attention, gradients, the
sequence against its steps and the saved folder: the tests over every fusion.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence

from agents.models import ModelConfig, ModelError, MultimodalTransformer, build_fusion
from agents.models.energy import PAIR_RANK, EnergyFusion, pairwise_energy
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput


def _inputs(text: list[list[float]], image: list[list[float]], n_ego: int = 0
            ) -> tuple[TextOutput, VisionOutput]:
    """One episode's encoded instruction (its token rows, the summary first) and view."""
    tokens = torch.tensor([text])  # (1, L, C)
    return (TextOutput(tokens, torch.zeros(1, len(text), dtype=torch.bool), []),
            VisionOutput(torch.tensor([image]), n_ego, []))


def test_pairwise_energy_by_hand():
    # t = (1, 0); v_1 = (1, 0), v_2 = (0, 1); W_0 picks t_0 v_i0, W_1 picks t_1 v_i1:
    # e_0 = (1, 0), e_1 = (0, 0); P(a) = -log (exp(-e_a1) + exp(-e_a2)) / 2
    text = torch.tensor([[1.0, 0.0]])  # (1, r=2)
    image = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # (1, N=2, r=2)
    mix = torch.eye(2)  # (A=2, r=2)
    expected = torch.tensor([[-math.log((math.exp(-1.0) + 1.0) / 2), 0.0]])
    torch.testing.assert_close(pairwise_energy(text, image, mix), expected)


def test_pairwise_energy_without_mixing_weights_is_zero():
    gen = torch.Generator().manual_seed(0)
    text, image = torch.randn(3, 4, generator=gen), torch.randn(3, 5, 4, generator=gen)
    torch.testing.assert_close(pairwise_energy(text, image, torch.zeros(7, 4)),
                               torch.zeros(3, 7), rtol=0, atol=1e-6)


def _hand_set(fusion: EnergyFusion) -> None:
    """U_text = (t_0, 1/2), U_image = (1/4, 0), U_state = (0, 1) and W_a = e_a e_a^T."""
    with torch.no_grad():
        for p in (*fusion.text_unary.parameters(), *fusion.image_unary.parameters(),
                  *fusion.state_unary.parameters(), fusion.pair_text.weight,
                  fusion.pair_image.weight, fusion.pair_mix.weight):
            p.zero_()
        fusion.text_unary.weight[0, 0] = 1.0
        fusion.text_unary.bias[1] = 0.5
        fusion.image_unary.bias[0] = 0.25
        fusion.state_unary.bias[1] = 1.0
        fusion.pair_text.weight[:2] = torch.eye(2)
        fusion.pair_image.weight[:2] = torch.eye(2)
        fusion.pair_mix.weight[:, :2] = torch.eye(2)


def test_log_probabilities_are_minus_the_energy_less_log_z_by_hand():
    config = ModelConfig(n_embd=2, n_head=1, n_fusion_layer=1, n_actions=2, fusion="energy")
    fusion = build_fusion(config).eval()
    _hand_set(fusion)
    # t = (1, 0); two view tokens (1, 0) and (0, 1): the pairwise example above
    text, image = _inputs([[1.0, 0.0], [5.0, -3.0]], [[1.0, 0.0], [0.0, 1.0]])
    out = fusion(torch.tensor([[[0.3, -0.2]]]), text, image)
    # E(0) = t_0 + 1/4 + 0 + P(0) = 1.25 - log((e^-1 + 1) / 2); E(1) = 1/2 + 0 + 1 + 0
    energy = [1.25 - math.log((math.exp(-1.0) + 1.0) / 2), 1.5]
    log_z = math.log(sum(math.exp(-e) for e in energy))
    torch.testing.assert_close(out.logits, torch.tensor([[-e - log_z for e in energy]]))
    torch.testing.assert_close(out.logits.logsumexp(-1), torch.zeros(1), rtol=0, atol=1e-6)


def test_without_pair_weights_the_energy_is_the_sum_of_the_unaries(tiny):
    fusion = MultimodalTransformer(tiny(fusion="energy"), seed=2).fusion.eval()
    gen = torch.Generator().manual_seed(1)
    text = TextOutput(torch.randn(3, 6, 32, generator=gen),
                      torch.zeros(3, 6, dtype=torch.bool), [])
    image = VisionOutput(torch.randn(3, 50, 32, generator=gen), 1, [])
    state = torch.randn(3, 1, 32, generator=gen)
    with torch.no_grad():
        paired = fusion(state, text, image)
        fusion.pair_mix.weight.zero_()
        out = fusion(state, text, image)
        unaries = (fusion.text_unary(text.summary) + fusion.image_unary(image.summary)
                   + fusion.state_unary(out.state))  # (B, A)
    torch.testing.assert_close(out.logits, torch.log_softmax(-unaries, -1), rtol=0, atol=1e-6)
    torch.testing.assert_close(out.state, paired.state, rtol=0, atol=0)  # P is in E alone
    assert not torch.allclose(out.logits, paired.logits)


def test_the_context_holds_the_energies_then_summary_and_view_tokens(tiny):
    fusion = MultimodalTransformer(tiny(fusion="energy"), seed=0).fusion.eval()
    gen = torch.Generator().manual_seed(0)
    text = TextOutput(torch.randn(2, 4, 32, generator=gen),
                      torch.zeros(2, 4, dtype=torch.bool), [])
    image = VisionOutput(torch.randn(2, 50, 32, generator=gen), 1, [])
    with torch.no_grad():
        ctx, _ = fusion.context(text, image)
        energy = fusion.context_energy(text, image)
    assert ctx.shape == (2, 2 + 50, 32)  # energy token, summary, ego token, 49 cells
    torch.testing.assert_close(ctx[:, 0, :7], energy, rtol=0, atol=0)
    assert not ctx[:, 0, 7:].any()


def test_the_logits_of_a_sequence_are_normalised(tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion="energy")).eval()
    out = model.forward_sequence(make_obs(3, 4), None, np.zeros((3, 4), dtype=bool))
    torch.testing.assert_close(out.logits.logsumexp(-1), torch.zeros(3, 4), rtol=0, atol=1e-5)


def test_the_quickstart_parts_run_on_it_step_by_step_as_in_a_sequence():
    config = ModelConfig.preset("quickstart", fusion="energy")
    model = MultimodalTransformer(config, seed=1).eval()
    rng = np.random.default_rng(0)
    obs = {"image": rng.integers(0, 255, (4, 56, 56, 3), dtype=np.uint8),
           "direction": rng.integers(0, 4, 4), "carrying": np.zeros(4, np.int64),
           "gps": rng.integers(-2, 3, (4, 2)), "instruction": ["go to the red ball"] * 4}
    done = np.array([[True, False, True, False]])  # a second episode starts at step 2
    assert_steps_match_sequence(model, obs, done)
    seq = {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}
    with torch.no_grad():
        out = model.forward_sequence(seq, None, done)
    assert out.goal is not None and tuple(out.goal.shape) == (1, 4, 49)
    assert out.state.goal_map is not None and out.state.explore_map is not None


def test_the_same_seed_gives_the_same_weights(tiny):
    a = MultimodalTransformer(tiny(fusion="energy"), seed=5).fusion.state_dict()
    torch.manual_seed(123)  # the global generator plays no part
    b = MultimodalTransformer(tiny(fusion="energy"), seed=5).fusion.state_dict()
    c = MultimodalTransformer(tiny(fusion="energy"), seed=6).fusion.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert a["pair_mix.weight"].shape == (7, PAIR_RANK)
    assert not torch.equal(a["pair_mix.weight"], c["pair_mix.weight"])


def test_more_actions_than_channels_is_an_error():
    with pytest.raises(ModelError, match="expected n_actions <= n_embd"):
        build_fusion(ModelConfig(n_embd=4, n_head=1, n_actions=7, fusion="energy"))
