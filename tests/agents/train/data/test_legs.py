"""The pointer targets: a route description's words cut leg by leg (a sequence's part by
part), and each step of the teacher's walk put in its leg (its part)."""

from __future__ import annotations

import numpy as np

from agents.train.data.demos import generate_demos
from agents.train.data.legs import (
    clause_start,
    leg_spans,
    leg_targets,
    part_spans,
    part_targets,
    pointer_targets,
    step_legs,
    step_parts,
)
from vlnenv.language.legs import route_legs
from vlnenv.language.vocab import tokenize
from vlnenv.suites.load import load_suite
from vlnenv.world.rooms import RoomType

ROUTE = ("Turn to your left and walk out of the bathroom. Walk straight into the hallway, "
         "take one step forward, turn right and walk all the way down the hallway. Turn "
         "right into the bedroom, go right, walk two steps and halt.")


def test_a_description_is_cut_where_the_clause_naming_the_next_room_starts():
    tokens = tokenize(ROUTE)
    spans = leg_spans(tokens, [RoomType.BATHROOM, RoomType.HALLWAY, RoomType.BEDROOM])
    assert spans == [(0, 11), (11, 33), (33, 48)] and len(tokens) == 48
    assert tokens[11:13] == ["walk", "straight"] and tokens[33:36] == ["turn", "right", "into"]


def test_names_of_several_words_and_synonyms_are_found():
    tokens = tokenize("Make a right and walk out of the lounge, enter the dining room "
                      "and halt.")
    assert leg_spans(tokens, [RoomType.LIVING_ROOM, RoomType.DINING_ROOM]) == [(0, 10),
                                                                                (10, 17)]
    assert tokens[10:14] == ["enter", "the", "dining", "room"]


def test_a_room_the_words_never_name_leaves_no_alignment():
    tokens = tokenize(ROUTE)
    assert leg_spans(tokens, [RoomType.BATHROOM, RoomType.KITCHEN, RoomType.BEDROOM]) is None
    assert leg_spans(tokens, []) is None
    assert leg_spans(tokens, [RoomType.BATHROOM]) == [(0, 48)]  # one leg: every word


def test_a_clause_starts_after_the_last_comma_or_full_stop():
    tokens = "turn left , walk into the hall . stop".split()
    assert [clause_start(tokens, i) for i in (0, 1, 4, 6, 8)] == [0, 0, 3, 3, 8]


def test_each_step_is_in_the_leg_of_its_route_cell():
    route = [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3)]
    firsts = [0, 2, 4]  # legs: cells 0-1, 2-3, 4
    cells = [(1, 1), (1, 1), (1, 2), (1, 3), (1, 3), (2, 3), (3, 3)]  # turns stay on a cell
    assert step_legs(cells, route, firsts).tolist() == [0, 0, 0, 1, 1, 1, 2]
    assert step_legs([(1, 1), (5, 5)], route, firsts) is None  # off the route
    assert step_legs([(1, 3), (1, 2)], route, firsts) is None  # back along it


def test_every_teacher_route_of_the_tiny_suite_gets_targets_that_follow_its_legs():
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    routes = 0
    for ep, trace in zip(demos.episodes, demos.traces, strict=True):
        house = suite.houses[ep.house]
        targets = leg_targets(ep, house, trace.poses, 128)
        if ep.family != "follow_route":
            assert targets is None
            continue
        routes += 1
        legs = route_legs(house, [tuple(c) for c in ep.reference_path])
        spans = leg_spans(tokenize(ep.instruction), [house.rooms[g.room].type for g in legs])
        assert targets is not None and spans is not None
        assert targets.shape == (len(trace), 128)
        assert not targets[:, 0].any()  # <cls>
        starts = [int(np.flatnonzero(row)[0]) - 1 for row in targets]
        assert starts[0] == 0 and starts == sorted(starts)  # from the first word, forward
        assert {s for s, _ in spans} >= set(starts)
        assert starts[-1] == spans[-1][0]  # the stop is in the last leg
        cut = spans[-1][0] + 1  # the last leg's first word is token spans[-1][0] + 1
        assert leg_targets(ep, house, trace.poses, cut) is None
        assert leg_targets(ep, house, trace.poses, cut + 1) is not None
    assert routes == 2


def test_a_sequence_is_cut_where_the_parser_cuts_its_parts_in_the_order_they_are_done():
    text = "Go to the bedroom with a desk, then walk over to the candle."
    assert part_spans(text, 2) == [(0, 9), (9, 15)]  # "..., then" | "walk over ... ."
    told_last_first = ("Enter the office next to the corridor, but first walk over to the "
                       "cushion in the lounge.")
    spans = part_spans(told_last_first, 2)
    assert spans == [(10, 19), (0, 10)]  # done first: the cushion, said second
    assert tokenize(told_last_first)[10:12] == ["walk", "over"]


def test_a_sequence_the_parser_cuts_into_another_number_of_parts_gets_no_spans():
    text = "Go to the kitchen and the bathroom, then go to the bedroom."  # three places
    assert part_spans(text, 2) == [(0, 9), (9, 14)] and part_spans(text, 3) is None
    assert part_spans("Go to the kitchen.", 1) is None  # one part is not a sequence
    assert part_spans("Go to the zorblax, then halt.", 2) is None  # unknown word


def test_every_teacher_sequence_of_the_tiny_suite_moves_through_its_parts_in_order():
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    sequences = 0
    for ep, trace, actions in zip(demos.episodes, demos.traces, demos.actions, strict=True):
        house = suite.houses[ep.house]
        parts = step_parts(ep, house, actions)
        targets = part_targets(ep, house, actions, 128)
        if ep.family != "sequence":
            assert parts is None and targets is None
            assert pointer_targets(ep, house, trace.poses, actions, 128,
                                   frozenset({"sequence"})) is None
            continue
        sequences += 1
        n_parts = len(ep.task["parts"])
        assert parts is not None and parts[0] == 0 and parts[-1] == n_parts - 1
        assert (np.diff(parts) >= 0).all()  # parts are done in order
        spans = part_spans(ep.instruction, n_parts)
        assert targets is not None and spans is not None and targets.shape == (len(actions), 128)
        for t, k in enumerate(parts):
            start, end = spans[k]
            assert np.flatnonzero(targets[t]).tolist() == list(range(start + 1, end + 1))
        assert pointer_targets(ep, house, trace.poses, actions, 128) is None  # routes only
        both = pointer_targets(ep, house, trace.poses, actions, 128,
                               frozenset({"follow_route", "sequence"}))
        assert both is not None and (both == targets).all()
    assert sequences == 2


def test_every_sequence_of_the_shipped_suites_is_cut_into_its_parts():
    for name, splits in (("small", ("train", "val_unseen", "test")),
                         ("handmade", ("val_unseen", "test"))):
        suite = load_suite(name)
        for split in splits:
            episodes = [e for e in suite.episodes(split) if e.family == "sequence"]
            assert episodes
            assert all(part_spans(e.instruction, len(e.task["parts"])) is not None
                       for e in episodes), (name, split)
