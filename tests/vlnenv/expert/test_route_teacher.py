"""The route teacher: the oracle's own actions on the route, and off it the way back to
where the route was left, not the shortest way to its end."""

from __future__ import annotations

import pytest

from vlnenv.actions import Action
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.expert.route_teacher import route_action, route_progress
from vlnenv.suites.load import load_suite
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import oracle_actions

ROUTE = [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize(("path", "k"), [
    ([(1, 1)], 0),
    ([(1, 1), (1, 2), (1, 3)], 2),
    ([(1, 1), (2, 1), (2, 2)], 0),  # off the route from the start
    ([(1, 1), (1, 2), (2, 2), (2, 3)], 3),  # a shortcut onto a later route cell counts
    ([(1, 1), (1, 2), (1, 3), (2, 3), (1, 3), (1, 2)], 3),  # walking back keeps the furthest
])
def test_progress_is_the_furthest_route_cell_stood_on(path, k):
    assert route_progress(ROUTE, path) == k


def route_runs(count: int):
    suite = load_suite("small")
    for episode in [e for e in suite.episodes("train") if e.family == "follow_route"][:count]:
        house = suite.houses[episode.house]
        yield episode, house, Oracle(house)


def test_on_the_route_it_acts_as_the_oracle_and_stops_at_the_end():
    for episode, house, oracle in route_runs(40):
        run = EpisodeRun(episode, house)
        actions = oracle_actions(EpisodeRun(episode, house), oracle)
        for action in actions:
            assert route_action(run.instruction.route, run.state, oracle) == action
            run.step(action)
        assert actions[-1] == Action.STOP and run.state.pos == run.instruction.route[-1]


def test_off_the_route_it_leads_back_to_where_the_route_was_left():
    differs = 0
    for episode, house, oracle in route_runs(40):
        run = EpisodeRun(episode, house)
        route = run.instruction.route
        for action in oracle_actions(EpisodeRun(episode, house), oracle)[:3]:
            run.step(action)
        for wrong in (Action.TURN_LEFT, Action.FORWARD, Action.FORWARD):  # off, mostly
            run.step(wrong)
        k = route_progress(route, run.state.path)
        label = route_action(route, run.state, oracle)
        back = oracle.action(run.state.pose, Goal.stand([route[k + 1]]), run.state.structure)
        assert label == back
        end = oracle.action(run.state.pose, Goal.stand([route[-1]]), run.state.structure)
        differs += label != end
    assert differs > 0  # somewhere the shortest way to the end is another way
