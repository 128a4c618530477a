"""Verifier semantics on hand-built houses: what counts as success, failure or not yet."""

import pytest
from helpers import make_house

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    SequenceInstr,
    instruction_from_task,
)
from vlnenv.language.verdict import Verdict
from vlnenv.world.colors import Color
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.objects import ObjectKind

A, L, R, F, P, D, T, S = (Action.TURN_LEFT, Action.TURN_LEFT, Action.TURN_RIGHT, Action.FORWARD,
                          Action.PICKUP, Action.DROP, Action.TOGGLE, Action.STOP)

#   0123456
# 0 #######
# 1 #BB/KK#
# 2 #BB#Kt#
# 3 #######
HOUSE = make_house(
    ["#######", "#BB/KK#", "#BB#Kt#", "#######"],
    {"B": "bedroom", "K": "kitchen"},
    {"t": "table"},
    [("cup", "red", (2, 5)), ("cup", "blue", (2, 1)), ("pillow", "white", (1, 1))],
)
KITCHEN = HOUSE.room_index("K")
BEDROOM = HOUSE.room_index("B")


def run(instruction, start, actions):
    state = EpisodeState.initial(HOUSE, start)
    instruction.reset(state)
    verdicts = []
    for action in actions:
        state.step_action(action)
        verdicts.append(instruction.verify(state))
    return verdicts, state


def test_go_to_room_succeeds_only_when_stopping_inside_it():
    task = GoToRoom(HOUSE, KITCHEN)
    verdicts, _ = run(task, (1, 2, 0), [F, F, F, S])
    assert verdicts == [Verdict.CONTINUE] * 3 + [Verdict.SUCCESS]


def test_stopping_in_the_wrong_room_fails():
    verdicts, _ = run(GoToRoom(HOUSE, KITCHEN), (1, 2, 0), [S])
    assert verdicts == [Verdict.FAILURE]


def test_stopping_in_the_doorway_is_not_inside_the_room():
    verdicts, _ = run(GoToRoom(HOUSE, KITCHEN), (1, 2, 0), [F, S])
    assert verdicts[-1] is Verdict.FAILURE


def test_passing_through_the_goal_without_stopping_there_fails():
    verdicts, _ = run(GoToRoom(HOUSE, KITCHEN), (1, 2, 0), [F, F, A, A, F, F, S])
    assert verdicts[-1] is Verdict.FAILURE


def test_go_to_object_succeeds_next_to_the_object():
    red_cup = HOUSE.object_at((2, 5))
    task = GoToObject(HOUSE, red_cup)
    assert task.goal_cells == {(1, 5), (2, 4)}  # the floor cells next to the table's cup
    verdicts, _ = run(task, (1, 2, 0), [F, F, S])
    assert verdicts[-1] is Verdict.FAILURE  # (1, 4) is not next to it
    verdicts, _ = run(task, (1, 2, 0), [F, F, F, S])
    assert verdicts[-1] is Verdict.SUCCESS


def test_fetch_needs_the_right_object_carried_back_to_the_requester():
    task = Fetch(HOUSE, ObjectKind.CUP, (1, 2), Color.RED)
    # walk to (1,5), face south to the table, pick up the red cup, come back west, stop
    fetch_red = [F, F, F, R, P, R, F, F, F, S]
    verdicts, state = run(task, (1, 2, 0), fetch_red)
    assert state.carrying.color is Color.RED and state.pos == (1, 2)
    assert verdicts[-1] is Verdict.SUCCESS


def test_fetch_fails_when_not_brought_back():
    task = Fetch(HOUSE, ObjectKind.CUP, (1, 2), Color.RED)
    verdicts, state = run(task, (1, 2, 0), [F, F, F, R, P, S])
    assert state.carrying is not None and verdicts[-1] is Verdict.FAILURE


def test_fetch_fails_with_the_wrong_object():
    task = Fetch(HOUSE, ObjectKind.CUP, (1, 2), Color.RED)
    # pick up the blue cup at (2, 1) instead: from (1, 1) facing south
    verdicts, state = run(task, (1, 2, 0), [A, A, F, L, P, R, R, F, S])
    assert state.carrying.color is Color.BLUE
    assert verdicts[-1] is Verdict.FAILURE


def test_fetch_without_colour_accepts_any_matching_object():
    task = Fetch(HOUSE, ObjectKind.CUP, (1, 2))
    verdicts, _ = run(task, (1, 2, 0), [A, A, F, L, P, R, R, F, S])
    assert verdicts[-1] is Verdict.SUCCESS


def test_sequence_succeeds_in_order_and_fails_out_of_order():
    to_kitchen, to_bedroom = GoToRoom(HOUSE, KITCHEN), GoToRoom(HOUSE, BEDROOM)
    seq = SequenceInstr(HOUSE, [to_kitchen, to_bedroom], "then")
    # start at (1, 1) in the bedroom: visit the kitchen, come back, stop in the bedroom
    verdicts, _ = run(seq, (1, 1, 0), [F, F, F, A, A, F, F, S])
    assert verdicts[-1] is Verdict.SUCCESS
    # stopping in the bedroom without having been to the kitchen first
    verdicts, _ = run(seq, (1, 1, 0), [F, S])
    assert verdicts[-1] is Verdict.FAILURE
    # the other order: bedroom first, then kitchen, ending in the kitchen
    reverse = SequenceInstr(HOUSE, [to_bedroom, to_kitchen], "after")
    verdicts, _ = run(reverse, (1, 4, 2), [F, F, A, A, F, F, S])
    assert verdicts[-1] is Verdict.SUCCESS
    # doing only the first part and stopping there fails
    verdicts, _ = run(seq, (1, 1, 0), [F, F, F, S])
    assert verdicts[-1] is Verdict.FAILURE


def test_follow_route_succeeds_at_the_end_of_the_route():
    task = FollowRoute(HOUSE, [(1, 2), (1, 3), (1, 4), (1, 5)], heading=0)
    verdicts, _ = run(task, (1, 2, 0), [F, F, F, S])
    assert verdicts[-1] is Verdict.SUCCESS
    verdicts, _ = run(task, (1, 2, 0), [S])
    assert verdicts[-1] is Verdict.FAILURE


@pytest.mark.parametrize(
    "task",
    [
        GoToRoom(HOUSE, KITCHEN),
        GoToObject(HOUSE, HOUSE.object_at((2, 5))),
        Fetch(HOUSE, ObjectKind.CUP, (1, 2), None, KITCHEN),
        FollowRoute(HOUSE, [(1, 2), (1, 3), (1, 4)], 1),
        SequenceInstr(HOUSE, [GoToRoom(HOUSE, KITCHEN), GoToRoom(HOUSE, BEDROOM)], "after"),
    ],
)
def test_tasks_round_trip_through_their_structured_form(task):
    assert instruction_from_task(task.to_task(), HOUSE) == task


@pytest.mark.parametrize(
    ("task", "field"),
    [
        ({"family": "go_to_room"}, "room"),
        ({"family": "go_to_room", "room": "Z"}, "task.room"),
        ({"family": "dance"}, "task.family"),
        ({"family": "go_to_object", "object": {"kind": "cup", "color": "red",
                                                "cell": [1, 1]}}, "task.object"),
        ({"family": "fetch", "object": {"kind": "unicorn"}, "requester": [1, 2]},
         "task.object.kind"),
        ({"family": "follow_route", "route": [[1, 2], "x"]}, "task.route[1]"),
    ],
)
def test_malformed_tasks_name_the_field(task, field):
    with pytest.raises(TaskError, match=field.replace("[", r"\[").replace("]", r"\]")):
        instruction_from_task(task, HOUSE)
