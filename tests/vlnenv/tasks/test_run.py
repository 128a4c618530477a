"""EpisodeRun: one episode played from its record, on a house small enough that every
answer is known by hand."""

from __future__ import annotations

import pytest
from helpers import make_house

from vlnenv.errors import TaskError
from vlnenv.language.instructions import GoToRoom
from vlnenv.language.verdict import Verdict
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import solve

# Bedroom B on the left, kitchen K on the right, joined by the open door at (1, 3).
HOUSE = make_house(["#######", "#BB/KK#", "#BB#KK#", "#######"],
                   {"B": "bedroom", "K": "kitchen"})
KITCHEN = frozenset({(1, 4), (1, 5), (2, 4), (2, 5)})
TASK = GoToRoom(HOUSE, HOUSE.room_index("K"))
EAST = 0
FORWARD, STOP = 2, 6


def episode(max_steps: int = 20) -> Episode:
    return Episode("e0", "test house", (1, 1, EAST), "Go to the kitchen.", TASK.to_task(),
                   ((1, 1), (1, 2), (1, 3), (1, 4)), tuple(sorted(KITCHEN)), max_steps)


def test_the_oracle_walks_east_through_the_door_and_stops():
    actions, _ = solve(TASK, (1, 1, EAST), "oracle")
    assert actions == [FORWARD, FORWARD, FORWARD, STOP]


def test_replaying_the_oracles_actions_succeeds():
    run = EpisodeRun(episode(), HOUSE)
    assert run.replay([FORWARD, FORWARD, FORWARD, STOP]) is Verdict.SUCCESS
    assert run.success and run.stopped and run.over
    assert run.state.path == [(1, 1), (1, 2), (1, 3), (1, 4)]
    assert run.state.step == 4


def test_the_verdict_continues_before_stop_and_is_judged_at_stop():
    run = EpisodeRun(episode(), HOUSE)
    assert run.verdict is Verdict.CONTINUE
    assert run.replay([FORWARD, FORWARD, FORWARD]) is Verdict.CONTINUE  # in the kitchen
    assert not run.success and not run.over
    run.step(STOP)
    assert run.verdict is Verdict.SUCCESS


def test_stopping_in_the_bedroom_fails():
    run = EpisodeRun(episode(), HOUSE)
    assert run.replay([FORWARD, STOP]) is Verdict.FAILURE
    assert not run.success and run.over


def test_an_action_after_stop_is_refused():
    run = EpisodeRun(episode(), HOUSE)
    run.step(STOP)
    with pytest.raises(TaskError, match="after stop of episode e0"):
        run.step(FORWARD)


def test_the_run_is_over_when_the_budget_is_used():
    run = EpisodeRun(episode(max_steps=2), HOUSE)
    run.replay([FORWARD, FORWARD])
    assert run.over and not run.stopped and run.max_steps == 2


def test_a_task_that_does_not_fit_the_house_is_refused():
    bad = Episode("e1", "test house", (1, 1, EAST), "Go to the office.",
                  {"family": "go_to_room", "room": 7}, ((1, 1),), ((1, 1),), 20)
    with pytest.raises(TaskError, match="e1.task"):
        EpisodeRun(bad, HOUSE)


def test_a_trace_records_the_pose_and_stage_cells_before_each_action():
    run = EpisodeRun(episode(), HOUSE, trace=True)
    run.replay([FORWARD, FORWARD, FORWARD, STOP])
    assert run.trace.poses == [(1, 1, EAST), (1, 2, EAST), (1, 3, EAST), (1, 4, EAST)]
    assert run.trace.stages == [0, 0, 0, 0]
    assert run.trace.cells == [KITCHEN]


def test_a_run_of_an_instruction_object_has_no_budget():
    run = EpisodeRun.of_instruction(TASK, (1, 1, EAST))
    assert run.episode is None and run.max_steps is None
    assert run.replay([FORWARD, FORWARD, FORWARD, STOP]) is Verdict.SUCCESS
