"""The (B, T) sequence loader: lanes, episode starts, shards and resumable state."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.train.data.batches import SequenceLoader, prepare_episodes
from agents.train.data.demos import generate_demos
from agents.train.data.word_targets import word_targets
from agents.train.losses import seen_cells
from vlnenv.render.decode import symbolic_cells
from vlnenv.suites.load import load_suite


def loader(rank: int = 0, world: int = 1, seed: int = 0, workers: int = 0,
           goal_targets: bool = False, cell_targets: bool = False,
           goal_families: frozenset[str] | None = None, leg_len: int = 0,
           leg_families: frozenset[str] = frozenset({"follow_route"}),
           word_targets: bool = False) -> SequenceLoader:
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    return SequenceLoader(demos, dict(suite.split_houses("train")), lanes=3, chunk=7,
                          seed=seed, rank=rank, world=world, render_batch=4,
                          goal_targets=goal_targets, workers=workers,
                          cell_targets=cell_targets, goal_families=goal_families,
                          leg_len=leg_len, leg_families=leg_families,
                          word_targets=word_targets)


POINTED = frozenset({"follow_route", "sequence"})


def assert_same_batches(x, y):
    for name in ("image", "direction", "carrying", "labels", "done", "progress",
                 "progress_mask", "goal", "goal_mask", "cells", "leg", "leg_mask", "words"):
        np.testing.assert_array_equal(getattr(x, name), getattr(y, name), err_msg=name)
    assert x.instruction == y.instruction


def test_lanes_play_whole_demonstrations_back_to_back():
    data = loader()
    batches = [data.next_batch()]
    assert batches[0].instruction[0][0] == data.demos.episodes[data.order[0]].instruction
    batches += [data.next_batch() for _ in range(11)]
    labels = np.concatenate([b.labels for b in batches], axis=1)  # (B, 84)
    done = np.concatenate([b.done for b in batches], axis=1)
    progress = np.concatenate([b.progress for b in batches], axis=1)
    for b in range(3):
        starts = np.flatnonzero(done[b]).tolist()
        assert starts[0] == 0
        for s, e in zip(starts, starts[1:], strict=False):
            assert labels[b, e - 1] == 6  # each demonstration ends with stop ...
            assert progress[b, e - 1] == 1.0  # ... where progress reaches 1
            assert labels[b, s:e].tolist() in [a.tolist() for a in data.demos.actions]
    assert batches[0].image.shape == (3, 7, 56, 56, 3)


def test_state_dict_resumes_the_same_batches():
    a = loader(seed=4)
    for _ in range(5):
        a.next_batch()
    state = a.state_dict()
    b = loader(seed=4)
    b.load_state_dict(state)
    for _ in range(6):  # across an epoch boundary too
        assert_same_batches(a.next_batch(), b.next_batch())


def test_rendering_processes_give_the_same_batches_as_rendering_in_process():
    # 10 demonstrations in groups of 4: three groups an epoch; 30 batches cross epochs.
    plain = loader(seed=2, goal_targets=True, cell_targets=True, leg_len=64,
                   leg_families=POINTED, word_targets=True)
    pooled = loader(seed=2, goal_targets=True, cell_targets=True, workers=2, leg_len=64,
                    leg_families=POINTED, word_targets=True)
    try:
        for step in range(30):
            assert_same_batches(plain.next_batch(), pooled.next_batch())
            if step == 12:  # and after a resume, which drops what was rendered ahead
                resumed = loader(seed=2, goal_targets=True, cell_targets=True, workers=2,
                                 leg_len=64, leg_families=POINTED, word_targets=True)
                resumed.load_state_dict(pooled.state_dict())
                pooled.close()
                pooled = resumed
        assert pooled.epoch == plain.epoch >= 2
    finally:
        pooled.close()


def test_ranks_take_disjoint_shards():
    shards = [set(loader(rank=r, world=2).shard.tolist()) for r in range(2)]
    assert not shards[0] & shards[1]
    assert shards[0] | shards[1] == set(range(10))


def test_cell_targets_name_what_each_view_cell_shows():
    batch = loader(seed=1, cell_targets=True).next_batch()
    assert batch.cells.shape == (3, 7, 49, 3)
    np.testing.assert_array_equal(batch.cells, symbolic_cells(batch.image))
    assert batch.cells[..., 0].max() > 3  # floors and furniture, not only walls and doors
    seen = seen_cells(torch.from_numpy(batch.image), 8).numpy()  # (B, T, V*V)
    np.testing.assert_array_equal(batch.cells[..., 0] != 0, seen)  # void base = unseen
    assert not loader(seed=1).next_batch().cells.any()  # off: zeros


def test_word_targets_are_each_played_episodes_and_made_only_when_asked():
    on = loader(seed=1, word_targets=True)
    batch = on.next_batch()
    for b in range(3):  # the episode each lane plays now holds the chunk's last step
        ep = on.demos.episodes[on.lane_index[b]]
        want = word_targets(ep, on.replayer.houses[ep.house])
        np.testing.assert_array_equal(batch.words[b, -1], want)
    assert (batch.words >= 0).any()
    assert (loader(seed=1).next_batch().words == -1).all()  # off: no labels


def test_goal_targets_are_made_only_for_the_families_asked_for():
    every, some = loader(goal_targets=True), loader(goal_targets=True,
                                                    goal_families=frozenset({"go_to_room"}))
    families = [e.family for e in every.demos.episodes]
    assert "go_to_room" in families and len(set(families)) > 1
    for _ in range(8):
        x, y = every.next_batch(), some.next_batch()
        assert x.goal_mask.all()
        room = np.array([[every.demos.episodes[i].family == "go_to_room" for i in row]
                         for row in _episode_of_each_step(x, every)])  # (B, T)
        np.testing.assert_array_equal(y.goal_mask, room)
        np.testing.assert_array_equal(y.goal, x.goal & room[..., None])
        np.testing.assert_array_equal(y.labels, x.labels)


def _episode_of_each_step(batch, data) -> list[list[int]]:
    """The demonstration index each lane step of ``batch`` comes from (read back from the
    instruction text, unique in the tiny suite's train split)."""
    by_text = {e.instruction: i for i, e in enumerate(data.demos.episodes)}
    return [[by_text[text] for text in row] for row in batch.instruction]


@pytest.mark.parametrize("pointed", [("follow_route",), ("follow_route", "sequence")])
def test_leg_targets_cover_the_pointed_families_steps_only_and_move_forward(pointed):
    data = loader(seed=3, leg_len=64, leg_families=frozenset(pointed))
    batches = [data.next_batch() for _ in range(12)]
    assert batches[0].leg.shape == (3, 7, 64) and loader().next_batch().leg.shape == (3, 7, 0)
    leg = np.concatenate([b.leg for b in batches], axis=1)  # (B, 84, 64)
    mask = np.concatenate([b.leg_mask for b in batches], axis=1)  # (B, 84)
    done = np.concatenate([b.done for b in batches], axis=1)
    families = {e.instruction: e.family for e in data.demos.episodes}
    texts = [sum((b.instruction[lane] for b in batches), []) for lane in range(3)]
    routes = 0
    for lane in range(3):
        for t in range(84):
            is_route = families[texts[lane][t]] in pointed
            assert mask[lane, t] == is_route
            assert leg[lane, t].any() == is_route
            if is_route:
                on = np.flatnonzero(leg[lane, t])
                assert on[0] >= 1 and (np.diff(on) == 1).all()  # one run, after <cls>
                forward = families[texts[lane][t]] == "follow_route"  # "B after you A"
                if forward and not done[lane, t] and mask[lane, t - 1]:  # never goes back
                    assert on[0] >= np.flatnonzero(leg[lane, t - 1])[0]
                routes += 1
    assert routes > 0


def test_pointer_targets_are_made_once_per_demonstration_and_kept():
    data = loader(leg_len=64, leg_families=POINTED)
    indices = list(range(len(data.demos)))
    cache: dict = {}
    first = prepare_episodes(data.demos, data.replayer, False, indices, leg_len=64,
                             leg_families=POINTED, leg_cache=cache)
    assert sorted(cache) == indices
    cache[0] = marker = np.ones((1, 64), bool)  # a kept entry is used as it is
    again = prepare_episodes(data.demos, data.replayer, False, indices, leg_len=64,
                             leg_families=POINTED, leg_cache=cache)
    fresh = prepare_episodes(data.demos, data.replayer, False, indices, leg_len=64,
                             leg_families=POINTED)
    assert again[0].leg is marker
    pointed = 0
    for a, b, c in zip(first[1:], again[1:], fresh[1:], strict=True):
        assert (a.leg is None) == (b.leg is None) == (c.leg is None)
        if c.leg is not None:
            pointed += 1
            np.testing.assert_array_equal(a.leg, c.leg)
            np.testing.assert_array_equal(b.leg, c.leg)
    assert pointed >= 3  # the tiny suite's routes and sequences
