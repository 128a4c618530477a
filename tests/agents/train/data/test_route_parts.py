"""Route demonstrations cut into one per part of the description: the parts' words are
the policy's parts, each part walks the route to where its words are done and stops,
each starts where the one before ended, and everything else is kept as it is."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import oracle_demo_set

from agents.train.config import resolve_config
from agents.train.data.demo_set import DemoSet
from agents.train.data.route_parts import (
    repeat_long_walks,
    split_route_demos,
    turns,
    walk_part,
    walk_steps,
)
from agents.train.errors import TrainError
from vlnenv.actions import Action
from vlnenv.language.route_parts import route_part_ends, route_part_texts
from vlnenv.suites.load import load_suite
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import DIRECTIONS


@pytest.fixture(scope="module")
def small_demos():
    """The oracle's demonstrations of the small suite's first six val_unseen routes and
    its first two other episodes."""
    suite = load_suite("small")
    episodes = suite.episodes("val_unseen")
    routes = [e for e in episodes if e.family == "follow_route"][:6]
    others = [e for e in episodes if e.family != "follow_route"][:2]
    return suite, oracle_demo_set(suite, routes + others, {"suite": "small"})


def test_a_part_is_walked_along_the_route_then_turned_to_its_heading(small_demos):
    suite, demos = small_demos
    ep = demos.episodes[0]
    house, route = suite.houses[ep.house], [tuple(c) for c in ep.task["route"]]
    start = (*route[0], 1)  # facing south
    d = DIRECTIONS.index((route[1][0] - route[0][0], route[1][1] - route[0][1]))
    actions, poses = walk_part(house, start, route, (1, (d + 1) % 4))
    moves = turns(1, d)
    assert actions[:len(moves)] == moves
    assert actions[len(moves):] in ([Action.FORWARD, Action.TURN_RIGHT, Action.STOP],
                                    [Action.TOGGLE, Action.FORWARD, Action.TURN_RIGHT,
                                     Action.STOP])
    assert poses[0] == start and poses[-1] == (*route[1], (d + 1) % 4)
    assert len(poses) == len(actions)
    assert walk_part(house, start, route, (0, 1)) is None  # nothing to do
    assert walk_part(house, (*route[2], 0), route, (1, None)) is None  # the end is behind


def test_turns_take_the_short_way_and_turn_around_to_the_left():
    assert [turns(0, h) for h in range(4)] == [
        [], [Action.TURN_RIGHT], [Action.TURN_LEFT, Action.TURN_LEFT], [Action.TURN_LEFT]]


def test_each_route_becomes_its_parts_in_order_and_the_rest_is_kept(small_demos):
    suite, demos = small_demos
    out, dropped = split_route_demos(demos, suite.houses)
    assert out.meta["route_parts"] is True
    by_source: dict[str, list[int]] = {}
    for i, ep in enumerate(out.episodes):
        by_source.setdefault(ep.episode_id.split("/part")[0], []).append(i)
    kept_routes = 0
    for j, ep in enumerate(demos.episodes):
        rows = by_source.get(ep.episode_id, [])
        if ep.family != "follow_route":
            assert len(rows) == 1 and out.episodes[rows[0]] == ep
            assert np.array_equal(out.actions[rows[0]], demos.actions[j])
            continue
        if not rows:
            continue
        kept_routes += 1
        parts = [out.episodes[i] for i in rows]
        assert [p.instruction for p in parts] == route_part_texts(ep.instruction)
        assert [p.episode_id for p in parts] == [f"{ep.episode_id}/part{u}"
                                                 for u in range(len(parts))]
        acts = [out.actions[i] for i in rows]
        assert all(a[-1] == Action.STOP and len(a) >= 2 for a in acts)
        # the parts' moves put back together walk the route from the episode's start
        state = EpisodeState.initial(suite.houses[ep.house], ep.start)
        for a in np.concatenate([a[:-1] for a in acts]):
            state.step_action(int(a))
        assert state.path == [tuple(c) for c in ep.task["route"]]
        assert parts[0].start == ep.start
        for before, after, a in zip(parts, parts[1:], acts, strict=False):
            assert after.start != before.start and a[-1] == Action.STOP
    assert kept_routes == 6 and dropped == 0


def test_a_part_played_from_its_start_ends_where_its_words_are_done(small_demos):
    suite, demos = small_demos
    out, _ = split_route_demos(demos, suite.houses)
    placed = {}
    for ep in demos.episodes:
        if ep.family == "follow_route":
            placed[ep.episode_id] = (ep, route_part_ends(suite.houses[ep.house], ep.task["route"],
                                                         ep.task["heading"], ep.instruction))
    checked = 0
    for part, acts in zip(out.episodes, out.actions, strict=True):
        if "/part" not in part.episode_id:
            continue
        source, u = part.episode_id.split("/part")
        ep, ends = placed[source]
        house = suite.houses[ep.house]
        state = EpisodeState.initial(house, part.start)
        for action in acts[:-1]:
            state.step_action(int(action))
        pose = state.pose
        index, heading = ends[int(u)][1]
        assert tuple(pose[:2]) == tuple(ep.task["route"][index])
        assert heading is None or pose[2] == heading
        checked += 1
    assert checked >= 10


def test_dagger_labels_are_not_cut(small_demos):
    suite, demos = small_demos
    learner = DemoSet(demos.episodes, demos.actions, demos.labels, demos.success,
                      np.zeros(len(demos), bool), demos.traces, {})
    out, dropped = split_route_demos(learner, suite.houses)
    assert dropped == 0 and [e.episode_id for e in out.episodes] == \
        [e.episode_id for e in demos.episodes]


@pytest.mark.parametrize(("text", "steps"), [
    ("go forward fourteen steps", 14), ("walk two steps and stop there", 2),
    ("take eleven steps forward and come to a stop", 11), ("move ahead one step", 1),
    ("turn left", None), ("walk up to the sofa", None),
    ("walk three steps, turn right", None),  # two parts
    ("bring me a cup", None), ("walk zorp steps", None),  # not a route; a word unknown
])
def test_a_walk_of_n_steps_is_told_from_its_words(text, steps):
    assert walk_steps(text) == steps


def test_route_parts_that_walk_far_are_played_again_next_to_their_original(small_demos):
    suite, demos = small_demos
    parts, _ = split_route_demos(demos, suite.houses)
    walks = [walk_steps(ep.instruction) if ep.family == "follow_route" else None
             for ep in parts.episodes]
    far = [n is not None and n >= 2 for n in walks]
    assert any(far) and not all(far)
    out, copies = repeat_long_walks(parts, 2, 3)
    assert copies == 2 * sum(far) and len(out) == len(parts) + copies
    expected = [i for i, f in enumerate(far) for _ in range(3 if f else 1)]
    assert [ep.episode_id for ep in out.episodes] == [parts.episodes[i].episode_id
                                                      for i in expected]
    assert all(np.array_equal(a, parts.actions[i])
               for a, i in zip(out.actions, expected, strict=True))
    same, none = repeat_long_walks(parts, 2, 1)
    assert none == 0 and len(same) == len(parts)


@pytest.mark.parametrize(("overrides", "field"), [
    (["data.long_walk_repeat=0"], "data.long_walk_repeat"),
    (["data.long_walk_from=0"], "data.long_walk_from"),
    (["data.long_walk_repeat=3", "data.route_parts=false"], "data.long_walk_repeat"),
    (["data.walk_synth=-1"], "data.walk_synth"),  # agents/train/data/walk_synth.py
    (["data.walk_synth_from=0"], "data.walk_synth_from"),
    (["data.walk_synth=2", "data.route_parts=false"], "data.walk_synth"),
])
def test_bad_long_walk_and_drawn_walk_settings_name_the_field(overrides, field):
    with pytest.raises(TrainError, match=field):
        resolve_config("quickstart", overrides)
