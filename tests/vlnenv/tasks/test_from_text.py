"""Reading an episode's words: the same task as its record, knowing what the words tell
each room apart by; words that read otherwise are refused. The reader expert solves every
room and sequence episode of the shipped suites."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import TWO_BEDROOMS

from vlnenv.actions import Action
from vlnenv.errors import TaskError
from vlnenv.language.instructions import GoToRoom, instruction_from_task
from vlnenv.suites.load import load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.from_text import read_episode
from vlnenv.tasks.run import EpisodeRun, in_sight
from vlnenv.tasks.solver import play_expert

#: Bedroom A holds the desk (3, 2); bedroom B opens onto the bathroom C by the door (2, 8);
#: a hallway H joins them all.
HOUSE = TWO_BEDROOMS


def episode(words: str, room: str) -> Episode:
    task = GoToRoom(HOUSE, HOUSE.room_index(room))
    return Episode("e0", "house", (5, 6, 0), words, task.to_task(), ((5, 6),),
                   tuple(sorted(task.goal_cells)), 60)


def test_the_words_read_as_the_records_task_with_their_cue():
    ep = episode("Walk into the bedroom next to the bathroom.", "B")
    read = read_episode(ep, HOUSE)
    assert read == instruction_from_task(ep.task, HOUSE)
    assert isinstance(read, GoToRoom) and read.cue is not None
    assert read.cue.neighbour is not None and read.cue.neighbour.word == "bathroom"


def test_words_that_name_another_room_are_refused_naming_both_tasks():
    ep = episode("Walk into the bedroom next to the bathroom.", "A")
    with pytest.raises(TaskError, match="e0: .* reads as .*'room': 'B'.* not the record's "
                                        ".*'room': 'A'"):
        read_episode(ep, HOUSE)


def test_words_the_parser_refuses_are_refused_naming_the_episode():
    with pytest.raises(TaskError, match="e0: its words cannot be read"):
        read_episode(episode("Go to the bedroom.", "A"), HOUSE)


def test_a_run_refuses_an_instruction_that_is_another_task():
    ep = episode("Go to the bedroom with the desk.", "A")
    with pytest.raises(TaskError, match="is not the episode's task"):
        EpisodeRun(ep, HOUSE, instruction=GoToRoom(HOUSE, HOUSE.room_index("B")))


def test_standing_in_the_room_the_reader_turns_to_see_its_door_before_it_stops():
    # in bedroom B facing west: the explorer, told the room, stops at once; the reader
    # turns left (south), which shows the door (2, 8) to the bathroom, then stops
    ep = dataclasses.replace(episode("Walk into the bedroom next to the bathroom.", "B"),
                             start=(2, 5, 2))
    told = EpisodeRun(ep, HOUSE, trace=True)
    read = EpisodeRun(ep, HOUSE, trace=True, instruction=read_episode(ep, HOUSE))
    assert play_expert(told, "explorer", max_steps=ep.max_steps) == [Action.STOP]
    assert play_expert(read, "reader", max_steps=ep.max_steps) == [Action.TURN_LEFT,
                                                                     Action.STOP]
    assert told.success and read.success
    b_floor = frozenset(HOUSE.room_cells(HOUSE.room_index("B")))
    assert told.trace.cells == [b_floor]
    # the floor is the target only in the view that shows the door: before the turn the
    # view cannot tell B from bedroom A
    assert read.trace.cells == [frozenset(), b_floor] and read.trace.stages == [0, 1]


def test_in_sight_sees_past_open_doors_but_not_through_walls():
    assert in_sight(frozenset({(2, 8)}), HOUSE.structure, (2, 5, 1), 7)
    assert not in_sight(frozenset({(2, 8)}), HOUSE.structure, (2, 5, 2), 7)
    assert not in_sight(frozenset({(3, 2)}), HOUSE.structure, (2, 5, 2), 7)  # behind a wall


@pytest.mark.parametrize(("name", "split"), [
    ("tiny", "train"), ("handmade", "val_unseen"),
    pytest.param("small", "val_unseen", marks=pytest.mark.slow),
    pytest.param("large", "val_unseen", marks=pytest.mark.slow)])
def test_the_reader_solves_every_room_and_sequence_episode(name, split):
    suite = load_suite(name)
    episodes = [e for e in suite.episodes(split) if e.family in ("go_to_room", "sequence")]
    assert episodes
    for ep in episodes:
        house = suite.houses[ep.house]
        run = EpisodeRun(ep, house, instruction=read_episode(ep, house))
        play_expert(run, "reader", max_steps=ep.max_steps)
        assert run.success, ep.episode_id


def test_a_route_is_read_as_its_record_whose_end_the_words_may_leave_open():
    suite = load_suite("handmade")
    routes = [e for e in suite.episodes("val_unseen") if e.family == "follow_route"]
    for ep in routes:
        house = suite.houses[ep.house]
        assert read_episode(ep, house).to_task() == ep.task
