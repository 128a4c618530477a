"""Roll-outs: the recurrent state is reset exactly where episodes start, so the update's
sequence replay gives the step-by-step logits; the lanes are put back exactly on resume."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models import ModelConfig, MultimodalTransformer
from agents.rl.config import RLEnvConfig
from agents.rl.rollout import Lanes, make_env
from agents.train.config import read_config_file, shipped_config
from vlnenv.suites.load import load_suite

from .conftest import corridor_env


def _model(kind: str = "tiny") -> MultimodalTransformer:
    """A tiny single-stream model, or the quickstart's (FiLM, goal and explore memories)."""
    if kind == "quickstart":
        config = ModelConfig.from_dict(read_config_file(shipped_config("quickstart"))["model"])
    else:
        config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                             n_fusion_layer=1)
    return MultimodalTransformer(config, seed=1)


def _lanes(model: MultimodalTransformer, lanes: int = 4) -> Lanes:
    env = make_env(RLEnvConfig(suite="tiny", lanes=lanes), load_suite("tiny"), lanes)
    return Lanes(env, model, seed=3)


@pytest.mark.parametrize("kind", ["tiny", "quickstart"])
def test_sequence_replay_gives_the_step_by_step_logits_and_values(kind: str):
    model = _model(kind)
    lanes = _lanes(model)
    gen = torch.Generator().manual_seed(0)
    lanes.collect(model, 6, gen)  # the second roll-out carries a state in
    b, ended = lanes.collect(model, 12, gen)
    assert ended.returns and b.starts[1:].any()  # episodes ended inside the roll-out
    assert b.state0.hidden.abs().sum() > 0
    with torch.no_grad():
        out = model.forward_sequence(b.lanes(torch.arange(4)), b.state0, b.resets.T)
    logp = torch.log_softmax(out.logits, -1).gather(-1, b.actions.T[..., None])[..., 0]
    torch.testing.assert_close(logp, b.logp.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.value, b.values.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.state, lanes.state, atol=1e-5, rtol=1e-5)


def test_replay_without_the_resets_gives_other_logits():
    model = _model()
    lanes = _lanes(model)
    gen = torch.Generator().manual_seed(0)
    lanes.collect(model, 6, gen)
    b, _ = lanes.collect(model, 12, gen)
    with torch.no_grad():
        out = model.forward_sequence(b.lanes(torch.arange(4)), b.state0,
                                     torch.zeros_like(b.starts.T))
    logp = torch.log_softmax(out.logits, -1).gather(-1, b.actions.T[..., None])[..., 0]
    assert not torch.allclose(logp, b.logp.T, atol=1e-5)


def test_starts_mark_exactly_the_steps_after_an_episode_ends():
    model = _model()
    lanes = _lanes(model)
    b, ended = lanes.collect(model, 16, torch.Generator().manual_seed(0))
    assert b.starts[0].all()  # the first observation of every lane begins an episode
    assert int(b.starts[1:].sum() + b.last_start.sum()) == len(ended.returns)


def test_a_part_reader_plays_each_part_and_its_replay_gives_the_step_by_step_logits():
    model = _model("quickstart")  # reads sequences and routes part by part
    assert model.config.read_parts and model.config.read_route_parts
    lanes = _lanes(model, 8)
    b, _ = lanes.collect(model, 40, torch.Generator().manual_seed(0))
    moved = b.resets & ~b.starts  # (T, N): a new part of the same episode's instruction
    assert moved.any()
    for t, i in moved.nonzero().tolist():
        if t > 0:  # the words read change there
            assert not torch.equal(b.ids[t, i], b.ids[t - 1, i])
    with torch.no_grad():
        out = model.forward_sequence(b.lanes(torch.arange(8)), b.state0, b.resets.T)
    logp = torch.log_softmax(out.logits, -1).gather(-1, b.actions.T[..., None])[..., 0]
    torch.testing.assert_close(logp, b.logp.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.value, b.values.T, atol=1e-5, rtol=1e-5)


def test_a_part_readers_part_ending_stops_are_kept_with_what_they_read():
    model = _model("quickstart")
    lanes = _lanes(model, 8)
    b, _ = lanes.collect(model, 40, torch.Generator().manual_seed(0))
    stops = b.stops
    assert stops is not None and stops.count > 0
    kept = set(zip(stops.step.tolist(), stops.lane.tolist(), strict=True))
    assert {tuple(x) for x in (b.resets & ~b.starts).nonzero().tolist()} <= kept
    assert all(b.resets[t, i] for t, i in kept)  # the row after a stop reads afresh
    with torch.no_grad():
        out = model(stops.obs, stops.state)
    logp = torch.log_softmax(out.logits, -1)[:, 6]  # the stop's, from the view, words, state
    torch.testing.assert_close(logp, stops.logp, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.value, stops.values, atol=1e-5, rtol=1e-5)
    checked, seen = 0, set()
    for j, (t, i) in enumerate(zip(stops.step.tolist(), stops.lane.tolist(), strict=True)):
        if (t, i) in seen:  # a second stop in the step: read from the initial state
            assert not stops.state.select(j).hidden.any()
            continue
        seen.add((t, i))
        if t == 0 or b.starts[t, i]:
            continue  # a stop on a state the step reset
        assert not torch.equal(stops.obs["instruction"][j], b.ids[t, i])  # the part it ended
        lane = torch.tensor([i])
        with torch.no_grad():  # the lane's rows before the stop, from the state it carried in
            seq = model.forward_sequence({k: v[:, :t] for k, v in b.lanes(lane).items()},
                                         b.state0.select(lane), b.resets[:t, i][None])
        torch.testing.assert_close(seq.state, stops.state.select(j), atol=1e-5, rtol=1e-5)
        checked += 1
    assert checked


def test_a_whole_readers_roll_out_has_no_stop_rows():
    model = _model()
    b, _ = _lanes(model).collect(model, 12, torch.Generator().manual_seed(0))
    assert b.stops is None


def test_a_part_reader_is_given_its_current_part_and_the_gps_from_where_it_began():
    model = _model("quickstart")
    lanes = _lanes(model, 8)
    lanes.collect(model, 40, torch.Generator().manual_seed(0))
    given = lanes._read(lanes.obs)
    ids = lanes._tensors(model, given)["instruction"]  # (N, L)
    later = 0
    for i, reading in enumerate(lanes.readings):
        assert reading.text == lanes.obs["instruction"][i]
        assert given["instruction"][i] == reading.now
        assert torch.equal(ids[i], torch.from_numpy(model.instructions.encode([reading.now]))[0])
        np.testing.assert_array_equal(np.asarray(given["gps"])[i],
                                      np.asarray(lanes.obs["gps"])[i] - reading.origin)
        later += reading.current > 0
    assert later  # some lane reads a part after its first


def test_a_whole_reader_is_given_the_whole_instruction():
    model = _model()
    assert not (model.config.read_parts or model.config.read_route_parts)
    lanes = _lanes(model)
    b, _ = lanes.collect(model, 12, torch.Generator().manual_seed(0))
    assert torch.equal(b.resets, b.starts)
    assert lanes._read(lanes.obs)["instruction"] == lanes.obs["instruction"]


@pytest.mark.parametrize("kind", ["tiny", "quickstart"])
def test_restore_puts_the_lanes_back_exactly(kind: str):
    model = _model(kind)
    lanes = _lanes(model)
    gen = torch.Generator().manual_seed(0)
    lanes.collect(model, 11, gen)
    saved, gen_state = lanes.state_dict(), gen.get_state()
    if kind == "quickstart":  # some lane is past the first part of its instruction
        assert any(r is not None and r[0] > 0 for r in saved["readings"])
    b1, e1 = lanes.collect(model, 9, gen)

    other = _lanes(model)
    other.load_state_dict(saved)
    gen.set_state(gen_state)
    b2, e2 = other.collect(model, 9, gen)
    assert other.readings == lanes.readings
    for name in b1._fields:
        one, two = getattr(b1, name), getattr(b2, name)
        if name == "state0":  # a RecurrentState: every field that is on
            one, two = torch.cat(list(one.to_dict().values()), 1), torch.cat(
                list(two.to_dict().values()), 1)
        if name == "stops":  # a part reader's part-ending stops
            assert (one is None) == (two is None)
            if one is None:
                continue
            one, two = (torch.cat([x.step, x.lane, x.logp, x.values, x.state.hidden.flatten(),
                                   *(v.flatten().float() for v in x.obs.values())])
                        for x in (one, two))
        assert torch.equal(one, two), name
    assert (e1.returns, e1.successes, e1.lengths) == (e2.returns, e2.successes, e2.lengths)
    np.testing.assert_array_equal(lanes.env.world.poses(None), other.env.world.poses(None))


def test_corridor_lanes_play_the_one_episode():
    env = corridor_env(2)
    obs, _ = env.reset(seed=0)
    assert obs["instruction"] == ("Go into the bedroom.",) * 2
    for _ in range(3):
        obs, reward, *_ = env.step(np.array([2, 2]))
    obs, reward, terminated, _, info = env.step(np.array([6, 6]))
    assert terminated.all() and info["final_info"]["success"].all()
    # the success reward 1 - 0.9 * steps / max_steps (stopping earns no shaping)
    assert reward.tolist() == pytest.approx([1 - 0.9 * 4 / 33] * 2)


def test_trained_phrasing_plays_the_split_episodes_said_in_trained_words():
    from agents.train.errors import TrainError
    from vlnenv.tasks.rephrase import said_in

    suite = load_suite("tiny")
    env = make_env(RLEnvConfig(suite="tiny", lanes=2, phrasing="trained"), suite, 2)
    want = [said_in(ep, suite.houses[ep.house], "trained", 0, j)
            for j, ep in enumerate(suite.episodes("train"))]
    assert env.source.episodes == want
    assert [e.instruction for e in want] != [e.instruction for e in suite.episodes("train")]
    with pytest.raises(TrainError, match="env.phrasing"):
        RLEnvConfig(phrasing="unseen")
