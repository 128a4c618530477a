"""The instruction tracker (``agents.models.track``): the state token's read of the
instruction tokens, worked out by hand on one head, and a model that carries it (step by
step equals a sequence; padding and the tracker's weights behave as stated)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence

from agents.models import ModelConfig, MultimodalTransformer, TrackConfig
from agents.models.track import InstructionTracker


def _one_head(n_embd: int = 2) -> InstructionTracker:
    """A one-head tracker whose norms, projections and biases are identities/zeros."""
    tracker = InstructionTracker(ModelConfig(n_embd=n_embd, n_head=1, bias=False))
    with torch.no_grad():
        for ln in (tracker.ln_q, tracker.ln_t):
            ln.weight.fill_(1.0)
        eye = torch.eye(n_embd)
        tracker.attn.query.weight.copy_(eye)
        tracker.attn.key_value.weight.copy_(torch.cat([eye, eye]))
        tracker.attn.proj.weight.copy_(eye)
    return tracker


def test_the_read_is_softmax_attention_over_the_unpadded_tokens():
    # after layer norm a 2-d vector (a, b) with a != b is (+1, -1) or (-1, +1); the query
    # (1, -1) scores the tokens (1, -1) and (-1, 1) at +2 / sqrt(2) and -2 / sqrt(2)
    tracker = _one_head().eval()
    query = torch.tensor([[[3.0, 1.0]]])  # (1, 1, 2) -> ln (1, -1)
    tokens = torch.tensor([[[5.0, 0.0], [0.0, 5.0], [9.0, 0.0]]])  # (1, 3, 2)
    padding = torch.tensor([[False, False, True]])  # the third is <pad>
    out, w = tracker(query, tracker.keys(tokens), padding, return_attention=True)
    s = 2.0 / np.sqrt(2.0)
    p = np.exp(s) / (np.exp(s) + np.exp(-s))  # weight of the first token
    assert w[0, 0, 0].tolist() == pytest.approx([p, 1 - p, 0.0], abs=1e-6)
    read = p * np.array([1.0, -1.0]) + (1 - p) * np.array([-1.0, 1.0])
    assert out[0, 0].tolist() == pytest.approx((np.array([3.0, 1.0]) + read).tolist(),
                                               abs=1e-5)


def test_padding_tokens_do_not_change_the_read():
    torch.manual_seed(0)
    tracker = InstructionTracker(ModelConfig(n_embd=8, n_head=2)).eval()
    query, tokens = torch.randn(2, 1, 8), torch.randn(2, 5, 8)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    out, _ = tracker(query, tracker.keys(tokens), padding)
    longer = torch.cat([tokens, torch.randn(2, 3, 8)], dim=1)  # three more <pad> columns
    out2, _ = tracker(query, tracker.keys(longer),
                      torch.cat([padding, torch.ones(2, 3, dtype=bool)], 1))
    torch.testing.assert_close(out, out2)


def test_a_tracker_with_zero_output_leaves_the_policy_as_without_it(tiny, make_obs):
    plain = MultimodalTransformer(tiny(fusion="film"), seed=3).eval()
    tracked = MultimodalTransformer(tiny(fusion="film", track=TrackConfig()), seed=3).eval()
    own = tracked.state_dict()
    tracked.load_state_dict({**own, **plain.state_dict()})  # all but the tracker's weights
    with torch.no_grad():
        tracked.tracker.attn.proj.weight.zero_()
        tracked.tracker.attn.proj.bias.zero_()
        obs = make_obs(3)
        torch.testing.assert_close(tracked.act(obs)[0], plain.act(obs)[0])
        tracked.tracker.attn.proj.bias.copy_(torch.linspace(-1, 1, 32))  # not a shift
        assert not torch.allclose(tracked.act(obs)[0], plain.act(obs)[0])


@pytest.mark.parametrize("fusion", ["film", "single_stream", "late_fusion"])
def test_a_sequence_with_the_tracker_equals_the_steps_one_by_one(tiny, make_obs, fusion):
    model = MultimodalTransformer(tiny(fusion=fusion, track=TrackConfig()), seed=1).eval()
    obs = make_obs(6)  # six steps of one episode: instruction per step
    obs["instruction"] = ["Exit the kitchen, turn left and stop."] * 6
    done = np.zeros((1, 6), bool)
    done[0, [0, 3]] = True  # a second episode starts at step 3
    assert_steps_match_sequence(model, obs, done)


def test_the_tracker_returns_its_attention_and_round_trips(tiny, make_obs, tmp_path):
    model = MultimodalTransformer(tiny(fusion="film", track=TrackConfig()), seed=2).eval()
    out = model(make_obs(2), return_attention=True)
    w = out.attention["track"]  # (B, H, 1, L)
    assert w.shape[:3] == (2, 2, 1)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 2, 1))
    again = MultimodalTransformer.from_pretrained(model.save_pretrained(tmp_path / "m"))
    assert again.config.track == TrackConfig()
    torch.testing.assert_close(again.act(make_obs(2))[0], model.act(make_obs(2))[0])


def test_the_track_part_reads_from_a_config_dict():
    config = ModelConfig.from_dict({"preset": "quickstart", "track": {}})
    assert config.track == TrackConfig() and config.to_dict()["track"] == {}
    assert ModelConfig.preset("quickstart").track is None


def test_a_sequence_returns_the_trackers_attention_per_step_when_asked(tiny, make_obs):
    model = MultimodalTransformer(tiny(fusion="film", track=TrackConfig()), seed=2).eval()
    obs = make_obs(1, 5)
    done = np.zeros((1, 5), bool)
    done[0, 0] = True
    first = {k: (v if k == "instruction" else v[:, 0]) for k, v in obs.items()}
    with torch.no_grad():
        out = model.forward_sequence(obs, None, done, track_weights=True)
        plain = model.forward_sequence(obs, None, done)
        one = model(first, return_attention=True).attention["track"]  # (1, H, 1, L)
    assert plain.track is None and out.track.shape[:2] == (1, 5)
    torch.testing.assert_close(out.track.sum(-1), torch.ones(1, 5))
    torch.testing.assert_close(out.logits, plain.logits)  # asking changes nothing else
    torch.testing.assert_close(out.track[0, 0], one[0, :, 0].mean(0))  # the heads' mean
    untracked = MultimodalTransformer(tiny(fusion="film"), seed=2).eval()
    assert untracked.forward_sequence(obs, None, done, track_weights=True).track is None


def test_the_leg_loss_moves_the_trackers_attention_onto_the_words_asked_for(tiny, make_obs):
    from agents.train.losses import leg_loss

    model = MultimodalTransformer(tiny(fusion="film", track=TrackConfig()), seed=4)
    obs = make_obs(2, 6)
    done = np.zeros((2, 6), bool)
    done[:, 0] = True
    targets = torch.zeros(2, 6, 64, dtype=torch.bool)
    targets[:, :3, 1:3] = True  # the first words for three steps, then the next ones
    targets[:, 3:, 3:6] = True
    mask = torch.ones(2, 6, dtype=torch.bool)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        loss = leg_loss(model.forward_sequence(obs, None, done, track_weights=True).track,
                        targets, mask)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.6 * losses[0]
