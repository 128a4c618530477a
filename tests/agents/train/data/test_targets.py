"""The goal-in-view targets: view geometry by hand, and what a demonstration's last step
shows."""

from __future__ import annotations

import numpy as np

from agents.train.data.demos import generate_demos
from agents.train.data.targets import goal_view_targets, stage_cells_in_view, trace_view_targets
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.language.verdict import Verdict
from vlnenv.suites import load_suite
from vlnenv.tasks.run import EpisodeRun

NORTH, EAST = 3, 0


def test_cells_ahead_and_beside_the_agent_land_where_the_view_shows_them():
    # A 3 x 3 view: the agent at view (2, 1); facing north, the cell ahead of (5, 5) is
    # (4, 5) -> view (1, 1) = index 4; its right neighbour (4, 6) -> view (1, 2) = index 5.
    hit = stage_cells_in_view(frozenset({(4, 5), (4, 6), (9, 9)}), (5, 5), NORTH, 3, (10, 10))
    assert np.flatnonzero(hit).tolist() == [4, 5]
    # Facing east the cell ahead is (5, 6): view index 4 again; the agent's own cell is 7.
    hit = stage_cells_in_view(frozenset({(5, 6), (5, 5)}), (5, 5), EAST, 3, (10, 10))
    assert np.flatnonzero(hit).tolist() == [4, 7]


def test_a_go_to_room_demonstration_ends_standing_on_a_target_cell():
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    checked = 0
    for ep, actions in zip(demos.episodes, demos.actions, strict=True):
        targets = goal_view_targets(ep, suite.houses[ep.house], actions)
        assert targets.shape == (len(actions), 49)
        if ep.family == "go_to_room":
            assert targets[-1, 6 * 7 + 3]  # the agent's own cell: inside the room at stop
            checked += 1
    assert checked > 0


def _targets_through_the_env(env, ep, house, actions):
    """The reference: the stage read off a real environment stepped through the actions."""
    env.reset(options={"episode": ep, "house": house})
    out = np.zeros((len(actions), 49), bool)
    for t, action in enumerate(actions):
        stage = env.instruction.stage(env.state)
        cells = stage.evidence if stage.evidence is not None else stage.cells
        out[t] = stage_cells_in_view(cells, env.state.pos, env.state.heading, 7,
                                     (house.height, house.width))
        if t + 1 < len(actions):
            env.step(int(action))
    return out


def test_targets_without_an_env_equal_those_read_off_a_stepped_env():
    suite = load_suite("tiny")
    env = GridHouseEnv(EpisodeSource.suite(suite, "train"))
    for teacher in ("oracle", "explorer"):
        demos = generate_demos(suite, "train", teacher)
        for ep, actions in zip(demos.episodes, demos.actions, strict=True):
            house = suite.houses[ep.house]
            np.testing.assert_array_equal(goal_view_targets(ep, house, actions),
                                          _targets_through_the_env(env, ep, house, actions))


def test_targets_recorded_while_demonstrating_equal_those_of_a_replay():
    suite = load_suite("tiny")
    for teacher in ("oracle", "explorer"):
        demos = generate_demos(suite, "train", teacher)
        for i, (ep, actions) in enumerate(zip(demos.episodes, demos.actions, strict=True)):
            house = suite.houses[ep.house]
            recorded = trace_view_targets(demos.traces[i], (house.height, house.width))
            np.testing.assert_array_equal(recorded, goal_view_targets(ep, house, actions))
            replayed = EpisodeRun(ep, house).replay(actions) is Verdict.SUCCESS
            assert bool(demos.success[i]) == replayed
