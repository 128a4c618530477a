"""Room cues: where a room the words tell apart from its look-alikes can be checked, on
houses whose answers are known by hand (conftest's ``two_bedrooms``: bedroom A has the
desk at (3, 2), bedroom B the door (2, 8) to the bathroom C)."""

from __future__ import annotations

import pytest
from helpers import make_house

from vlnenv.errors import TaskError
from vlnenv.language.instructions import GoToRoom, SequenceInstr
from vlnenv.language.parse import parse
from vlnenv.language.refer import RoomDesc
from vlnenv.language.room_cues import cue_cells, meeting_cells
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.furniture import Furniture
from vlnenv.world.rooms import RoomType

#: A living room L open to a kitchen K (their floors touch along columns 2 and 3), and a
#: bathroom W behind the door (2, 6).
OPEN_PLAN = make_house(["#########", "#LLKK#WW#", "#LLKK/WW#", "#########"],
                       {"L": "living_room", "K": "kitchen", "W": "bathroom"})


def test_the_bedroom_with_the_desk_is_checked_at_the_desk(two_bedrooms):
    desc = RoomDesc(RoomType.BEDROOM, furniture=Furniture.DESK)
    assert cue_cells(two_bedrooms, two_bedrooms.room_index("A"), desc) == {(3, 2)}


def test_the_bedroom_next_to_the_bathroom_is_checked_at_their_door(two_bedrooms):
    desc = RoomDesc(RoomType.BEDROOM, neighbour=RoomType.BATHROOM)
    assert cue_cells(two_bedrooms, two_bedrooms.room_index("B"), desc) == {(2, 8)}


def test_a_plain_description_or_none_has_no_cue(two_bedrooms):
    c = two_bedrooms.room_index("C")
    assert cue_cells(two_bedrooms, c, RoomDesc(RoomType.BATHROOM)) is None
    assert cue_cells(two_bedrooms, c, None) is None


def test_a_description_of_another_room_is_refused(two_bedrooms):
    with pytest.raises(TaskError, match="room A .* is not 'the bedroom next to a bathroom'"):
        cue_cells(two_bedrooms, two_bedrooms.room_index("A"),
                  RoomDesc(RoomType.BEDROOM, neighbour=RoomType.BATHROOM))


def test_open_plan_rooms_meet_along_their_touching_floor_and_doors_where_they_join():
    living, kitchen, bath = (OPEN_PLAN.room_index(x) for x in "LKW")
    assert meeting_cells(OPEN_PLAN, living, kitchen) == {(1, 2), (2, 2), (1, 3), (2, 3)}
    assert meeting_cells(OPEN_PLAN, kitchen, bath) == {(2, 5)}
    assert meeting_cells(OPEN_PLAN, living, bath) == frozenset()


def test_a_cued_room_task_points_its_explorer_at_the_cue_and_equals_the_plain_task(
        two_bedrooms):
    a = two_bedrooms.room_index("A")
    cued = GoToRoom(two_bedrooms, a, RoomDesc(RoomType.BEDROOM, furniture=Furniture.DESK))
    plain = GoToRoom(two_bedrooms, a)
    state = EpisodeState.initial(two_bedrooms, (5, 1, 0))
    assert cued.stage(state).found_by == {(3, 2)}
    assert plain.stage(state).found_by is None
    assert cued.stage(state).evidence is plain.stage(state).evidence is None  # floor: target
    assert cued.stage(state).cells == plain.stage(state).cells
    assert cued == plain and cued.to_task() == plain.to_task()


@pytest.mark.parametrize(("text", "room", "cue"), [
    ("Go to the bedroom with the desk.", "A", {(3, 2)}),
    ("Walk into the bedroom next to the bathroom.", "B", {(2, 8)}),
    ("Go to the bathroom.", "C", None),
])
def test_the_parser_keeps_what_the_words_tell_the_room_apart_by(two_bedrooms, text, room, cue):
    read = parse(text, two_bedrooms)
    assert isinstance(read, GoToRoom) and read.room == two_bedrooms.room_index(room)
    assert read.stage(EpisodeState.initial(two_bedrooms, (5, 1, 0))).found_by == cue


def test_a_sequence_part_keeps_its_cue_until_it_is_done(two_bedrooms):
    read = parse("Go to the bedroom with the desk, then go to the bathroom.", two_bedrooms)
    assert isinstance(read, SequenceInstr)
    state = EpisodeState.initial(two_bedrooms, (5, 1, 0))
    read.reset(state)
    assert read.stage(state).found_by == {(3, 2)}
