"""vlnenv.eval.failures: the cause of each failed episode, from hand-written actions in a
house small enough that every answer is known by hand."""

from __future__ import annotations

import pytest
from helpers import make_house

from vlnenv.errors import TaskError
from vlnenv.eval.failures import failure_cause, names_colour, replay, room_cause, route_progress
from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
)
from vlnenv.tasks.episode import Episode
from vlnenv.world.colors import Color
from vlnenv.world.objects import ObjectKind

# Bedroom A joined to kitchen K by the open door (1, 3); office C and a second kitchen G;
# all four open onto hallway H through the doors of row 3. Red cup in K, blue cup in G,
# red cup in C, book in A.
HOUSE = make_house(
    ["#############",
     "#AA/KK#CC#GG#",
     "#AA#KK#CC#GG#",
     "##/##/##/##/#",
     "#HHHHHHHHHHH#",
     "#############"],
    {"A": "bedroom", "K": "kitchen", "C": "office", "G": "kitchen", "H": "hallway"},
    objects=[("cup", "red", (1, 5)), ("cup", "blue", (1, 11)), ("cup", "red", (1, 8)),
             ("book", "green", (1, 1))])
E, S, W, N = 0, 1, 2, 3
LEFT, RIGHT, FORWARD, PICKUP, DROP, STOP = 0, 1, 2, 3, 4, 6
AROUND = [LEFT, LEFT]
KITCHEN, BEDROOM, OFFICE = (HOUSE.room_index(x) for x in "KAC")
RED_CUP = HOUSE.object_at((1, 5))
#: Bedroom -> hallway -> kitchen: legs A (cells 0-2, door 3), H (4-7, door 8), K (9).
ROUTE = [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (4, 3), (4, 4), (4, 5), (3, 5), (2, 5)]


def cause(task: Instruction, start: tuple[int, int, int], actions: list[int],
          text: str = "Go.") -> str | None:
    episode = Episode("e0", "test house", start, text, task.to_task(), (start[:2],),
                      tuple(sorted(task.goal_cells)), 100)
    return failure_cause(episode, HOUSE, actions)


def test_the_house_is_laid_out_as_the_tests_assume():
    assert [HOUSE.rooms[i].type.word for i in (KITCHEN, BEDROOM, OFFICE)] == [
        "kitchen", "bedroom", "office"]
    assert HOUSE.room_links[KITCHEN] == {BEDROOM, HOUSE.room_index("H")}


@pytest.mark.parametrize(("start", "actions", "expected"), [
    ((1, 4, E), [STOP], None),  # in the kitchen: a success has no cause
    ((1, 2, E), [FORWARD, STOP], "stopped in a doorway"),
    ((4, 11, N), [FORWARD, FORWARD, STOP], "stopped in another room of the same type"),
    ((1, 1, E), [STOP], "stopped in a room next to the target"),  # the bedroom's door
    ((1, 7, E), [STOP], "stopped in a room away from the target"),  # the office
    ((1, 4, E), [LEFT], "timeout in the room, never stopped"),
    ((1, 2, E), [FORWARD, FORWARD, *AROUND, FORWARD], "timeout, entered the room and left"),
    ((1, 1, E), [FORWARD], "timeout, never entered the room"),
])
def test_go_to_room_causes(start, actions, expected):
    assert cause(GoToRoom(HOUSE, KITCHEN), start, actions) == expected


RED = "Go to the red cup."
PLACE = "Go to the cup in the kitchen next to the bedroom."


@pytest.mark.parametrize(("start", "actions", "text", "expected"), [
    ((4, 11, N), [FORWARD, FORWARD, STOP], RED, "stopped beside a look-alike, colour named"),
    ((4, 11, N), [FORWARD, FORWARD, STOP], PLACE,
     "stopped beside a look-alike, told apart by place"),  # blue, but blue was not said
    ((4, 8, N), [FORWARD, FORWARD, STOP], RED,
     "stopped beside a look-alike, told apart by place"),  # the other red cup
    ((1, 2, E), [STOP], RED, "stopped beside another object"),  # the book
    ((2, 4, E), [STOP], RED, "stopped in the target's room, beside no object"),
    ((4, 5, N), [STOP], RED, "stopped elsewhere, target seen"),  # through the door
    ((4, 1, W), [STOP], RED, "stopped elsewhere, target never seen"),
    ((2, 4, N), [FORWARD], RED, "timeout, was beside it but never stopped"),
    ((4, 5, N), [LEFT], RED, "timeout, target seen"),
    ((4, 1, W), [LEFT], RED, "timeout, target never seen"),
])
def test_go_to_object_causes(start, actions, text, expected):
    assert cause(GoToObject(HOUSE, RED_CUP), start, actions, text) == expected


def test_a_closed_door_hides_the_target():
    house = make_house(["#####", "#KKK#", "##+##", "#HHH#", "#####"],
                       {"K": "kitchen", "H": "hallway"}, objects=[("cup", "red", (1, 2))])
    task = GoToObject(house, house.object_at((1, 2)))
    episode = Episode("e0", "h", (3, 2, N), RED, task.to_task(), ((3, 2),),
                      tuple(sorted(task.goal_cells)), 9)
    assert failure_cause(episode, house, [STOP]) == "stopped elsewhere, target never seen"
    assert failure_cause(episode, house, [5, LEFT]) == "timeout, target seen"  # toggled open


@pytest.mark.parametrize(("start", "actions", "expected"), [
    ((1, 4, E), [PICKUP, *AROUND, FORWARD, STOP], None),  # back beside the requester
    ((4, 5, N), [STOP], "never picked anything up, a match seen"),
    ((4, 1, W), [STOP], "never picked anything up, no match seen"),
    ((3, 11, N), [FORWARD, PICKUP, STOP], "picked up only look-alikes of another colour"),
    ((4, 8, N), [FORWARD, FORWARD, PICKUP, STOP],
     "picked up only look-alikes from another room"),  # red, but in the office
    ((1, 2, W), [PICKUP, STOP], "picked up only other objects"),
    ((1, 4, E), [PICKUP, DROP, STOP], "picked a match, then let it go"),
    ((1, 4, E), [PICKUP, *AROUND, FORWARD, FORWARD, STOP],
     "brought a match, stopped away from the requester"),
    ((1, 4, E), [PICKUP, LEFT], "timeout holding a match, was back but never stopped"),
    ((1, 2, E), [FORWARD, FORWARD, PICKUP], "timeout holding a match, never got back"),
])
def test_fetch_causes(start, actions, expected):
    task = Fetch(HOUSE, ObjectKind.CUP, start[:2], Color.RED, KITCHEN)
    assert cause(task, start, actions) == expected


#: The route walked from (1, 1) facing south, up to (4, 4) and to its end (2, 5).
TO_44 = [FORWARD, LEFT, FORWARD, RIGHT, FORWARD, FORWARD, LEFT, FORWARD, FORWARD]
TO_END = [*TO_44, FORWARD, LEFT, FORWARD, FORWARD]


@pytest.mark.parametrize(("actions", "expected"), [
    ([*TO_END, STOP], None),
    ([*TO_END, FORWARD, LEFT, FORWARD, STOP], "passed the end, stopped elsewhere"),  # (1, 4)
    (TO_END, "reached the end, never stopped"),
    ([*TO_44, STOP], "stopped early on the route"),
    (TO_44, "timeout on the route"),
    ([LEFT, FORWARD, STOP], "left the route at its start"),  # east to (1, 2)
    ([FORWARD, LEFT, FORWARD, LEFT, FORWARD, STOP], "left the route in leg 1"),  # (2,2)->(1,2)
    ([*TO_44, FORWARD, FORWARD, FORWARD, STOP], "left the route in leg 2"),  # past the turn
])
def test_follow_route_causes(actions, expected):
    assert cause(FollowRoute(HOUSE, ROUTE, S), (1, 1, S), actions) == expected


def test_route_progress_follows_the_route_in_order_and_forgives_a_cut_corner():
    route = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3)]  # a staircase
    assert route_progress([(0, 0), (1, 0), (1, 1), (1, 2), (2, 2)], route) == 4  # cut corner
    assert route_progress([(0, 0), (0, 1), (0, 2), (0, 3)], route) == 1  # walked past a turn
    # wandered off and onto the route's far end: not reached by following it
    assert route_progress([(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (2, 3)], route) == 0


SEQUENCE = SequenceInstr(HOUSE, [GoToRoom(HOUSE, BEDROOM), GoToRoom(HOUSE, OFFICE)])
THEN = "Go to the bedroom, then go to the office."
AFTER = "Go to the office after you go to the bedroom."  # the same task, said last-first


@pytest.mark.parametrize(("start", "actions", "text", "expected"), [
    ((4, 2, N), [FORWARD, FORWARD, *AROUND, FORWARD, FORWARD, RIGHT, RIGHT, RIGHT, RIGHT],
     THEN, "reached part 1, then timeout"),
    ((4, 8, N), [FORWARD, FORWARD, STOP], THEN,
     "stopped at the last part's goal (said later), skipped part 1"),
    ((4, 8, N), [FORWARD, FORWARD, STOP], AFTER,
     "stopped at the last part's goal (said first), skipped part 1"),
    ((4, 8, N), [FORWARD, FORWARD, STOP], "Go.",
     "stopped at the last part's goal (order unknown), skipped part 1"),
    ((4, 2, N), [FORWARD, FORWARD, STOP], THEN,
     "stopped at part 1's goal (said first), never went on"),
    ((4, 2, N), [FORWARD, FORWARD, STOP], AFTER,
     "stopped at part 1's goal (said later), never went on"),
    ((1, 1, E), [STOP], THEN,
     "stopped at part 1's goal (said first), never went on"),  # done at the start
    ((4, 4, W), [STOP], THEN, "never reached part 1, stopped"),
    ((4, 4, W), [LEFT], THEN, "never reached part 1, timeout"),
    ((4, 2, N), [FORWARD, FORWARD, *AROUND, FORWARD, FORWARD, STOP], THEN,
     "reached part 1, stopped elsewhere"),
])
def test_sequence_causes(start, actions, text, expected):
    assert cause(SEQUENCE, start, actions, text) == expected


def test_doing_the_parts_in_order_succeeds_and_has_no_cause():
    # bedroom, out to the hallway, east along it and up into the office
    actions = [FORWARD, FORWARD, *AROUND, FORWARD, FORWARD, LEFT, *[FORWARD] * 6, LEFT,
               FORWARD, FORWARD, STOP]
    assert cause(SEQUENCE, (4, 2, N), actions, THEN) is None


def test_replay_keeps_the_cells_and_what_was_held_at_each_step():
    task = Fetch(HOUSE, ObjectKind.CUP, (1, 4), Color.RED, KITCHEN)
    episode = Episode("e0", "h", (1, 4, E), "Bring me a cup.", task.to_task(), ((1, 4),),
                      tuple(sorted(task.goal_cells)), 100)
    played = replay(episode, HOUSE, [PICKUP, *AROUND, FORWARD])
    assert played.cells == ((1, 4), (1, 4), (1, 4), (1, 4), (1, 3))
    assert played.carried == (None, RED_CUP, RED_CUP, RED_CUP, RED_CUP)
    assert played.held == (RED_CUP,) and not played.stopped
    with pytest.raises(TaskError, match="max_steps"):
        replay(episode, HOUSE, [LEFT] * 101)


def test_a_classifier_refuses_another_family():
    task = GoToObject(HOUSE, RED_CUP)
    episode = Episode("e0", "h", (1, 2, E), RED, task.to_task(), ((1, 2),),
                      tuple(sorted(task.goal_cells)), 100)
    with pytest.raises(TaskError, match="go_to_room"):
        room_cause(replay(episode, HOUSE, [STOP]))


def test_a_colour_is_named_only_as_a_whole_word():
    assert names_colour("Go to the Red ball.", "red")
    assert not names_colour("Go to the ball in the bedroom.", "red")
    assert not names_colour("Go and stand next to the cup.", "tan")
