"""Route descriptions cut into parts from the words alone, and placed on the route they
describe: hand-made routes whose parts and ends are known, and every route of the
shipped small suite's held-out splits."""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.errors import UnknownWordError
from vlnenv.language.parse_route import read_spans, route_words
from vlnenv.language.route import describe_route, route_clauses
from vlnenv.language.route_parts import (
    part_atoms,
    part_groups,
    route_part_ends,
    route_part_texts,
)
from vlnenv.suites.load import load_suite

#: In CORRIDOR: from the bedroom (facing north, away from its door) down into the
#: corridor, east to the plant, north into the kitchen (as in test_route.py).
BEDROOM_TO_KITCHEN = [(2, 3), (3, 3), (4, 3), (4, 4), (4, 5), (4, 6), (4, 7), (4, 8), (3, 8),
                      (2, 8), (1, 8)]
SAID = ("Turn back and leave the bedroom. Enter the corridor and turn left, then keep "
        "walking until you get to the potted plant. Take a left and stop once you are in "
        "the kitchen.")


def test_a_description_is_cut_after_each_clause_whose_end_the_words_fix():
    assert route_part_texts(SAID) == [
        "turn back",
        "leave the bedroom. enter the corridor and turn left",  # leaving goes on
        "keep walking until you get to the potted plant",
        "take a left",
        "stop once you are in the kitchen"]


def test_a_bare_stop_joins_the_clause_before_it_and_a_walk_past_goes_on():
    assert route_part_texts("Turn left, walk three steps and stop.") == [
        "turn left", "walk three steps and stop"]
    assert route_part_texts("Walk past the sofa, turn right, walk two steps and halt.") == [
        "walk past the sofa, turn right", "walk two steps and halt"]


def test_each_parts_clauses_are_read_with_their_slots():
    parts = part_atoms("Turn left, walk three steps and stop.")
    assert parts == [[("turn_left",)], [("steps", ("{steps}", 3)), ("stop",)]]
    assert [[a[0] for a in atoms] for atoms in part_atoms(SAID)] == [
        ["turn_around"], ["leave", "enter_turn"], ["up_to"], ["turn_left"], ["stop_entering"]]
    assert part_atoms("Bring me a cup.") is None


def test_part_groups_follow_the_clause_kinds():
    kinds = ["turn_left", "past", "leave", "enter", "steps", "stop"]
    assert part_groups(kinds) == [[0], [1, 2, 3], [4, 5]]
    assert part_groups(["steps"]) == [[0]]


def test_the_reading_with_the_fewest_clauses_is_taken():
    spans = read_spans(route_words("Turn left into the kitchen and stop."))
    assert [atom[0] for atom, _, _ in spans] == ["enter_side", "stop"]
    assert read_spans(route_words("Go to the kitchen.")) is None


@pytest.mark.parametrize("text", ["Go to the kitchen, then go to the nursery.",
                                  "Bring me a cup.", "Turn left and go to the kitchen."])
def test_other_instructions_stay_whole(text):
    assert route_part_texts(text) == [text]


def test_an_unknown_word_is_the_parsers_error():
    with pytest.raises(UnknownWordError, match="blah"):
        route_part_texts("Turn left and then blah.")


def test_each_part_is_placed_where_its_last_clause_leaves_the_reader(corridor):
    placed = route_part_ends(corridor, BEDROOM_TO_KITCHEN, 3, SAID)
    assert placed == [
        ("turn back", (0, 1)),  # on the start cell, facing south
        ("leave the bedroom. enter the corridor and turn left", (2, 0)),
        ("keep walking until you get to the potted plant", (7, 0)),
        ("take a left", (7, 3)),
        ("stop once you are in the kitchen", (10, None))]


def test_the_clauses_are_the_descriptions_own_words_in_order(corridor):
    for seed in range(10):
        text = describe_route(corridor, BEDROOM_TO_KITCHEN, 3, np.random.default_rng(seed))
        clauses = route_clauses(corridor, BEDROOM_TO_KITCHEN, 3, np.random.default_rng(seed))
        at = 0
        for clause in clauses:
            found = text.lower().find(clause.text.lower(), at)
            assert found >= at, (clause.text, text)
            at = found + len(clause.text)


def test_a_text_that_is_not_this_routes_description_is_not_placed(corridor):
    assert route_part_ends(corridor, BEDROOM_TO_KITCHEN, 3, "Turn left and walk two steps.") \
        is None
    assert route_part_ends(corridor, BEDROOM_TO_KITCHEN, 3, "Go to the kitchen.") is None


@pytest.mark.parametrize("split", ["val_unseen", "test"])
def test_every_held_out_route_of_the_small_suite_is_placed_in_order(split):
    suite = load_suite("small")
    routes = [ep for ep in suite.episodes(split) if ep.family == "follow_route"]
    assert routes
    for ep in routes:
        route = ep.task["route"]
        placed = route_part_ends(suite.houses[ep.house], route, ep.task["heading"],
                                 ep.instruction)
        assert placed is not None, ep.instruction
        assert [t for t, _ in placed] == route_part_texts(ep.instruction)
        cells = [i for _, (i, _) in placed]
        assert cells == sorted(cells) and cells[-1] == len(route) - 1, ep.episode_id
