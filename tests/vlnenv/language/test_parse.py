"""parse: free wording read as the right task in a hand-made house, and refusals (unknown
words, ambiguous or missing referents, impossible routes) as distinct one-line errors."""

from pathlib import Path

import pytest

from vlnenv.errors import (
    AmbiguousReferenceError,
    MissingReferentError,
    ParseError,
    RouteError,
    UnknownWordError,
)
from vlnenv.language import Fetch, FollowRoute, GoToObject, GoToRoom, SequenceInstr, parse
from vlnenv.language.normalise import normalise_text
from vlnenv.language.parse import part_positions, part_texts, spoken_order
from vlnenv.world.colors import Color
from vlnenv.world.mapfile import load_house
from vlnenv.world.objects import ObjectKind

HOUSE = load_house(Path(__file__).parents[3] / "maps" / "houses" / "family_house.toml")
START = (9, 10, 0)


def room(letter):
    return HOUSE.room_index(letter)


def test_issue_example_reads_as_fetching_a_pillow_from_the_bedroom_that_has_one():
    got = parse("Go to the bedroom and bring me a pillow", HOUSE, START)
    assert got == Fetch(HOUSE, ObjectKind.PILLOW, (9, 10), None, room("A"))


@pytest.mark.parametrize("text", [
    "Could you please go to the kitchen?",
    "go to the KITCHEN please",
    "I'd like you to head into the kitchen, thanks!",
    "Can you make your way to the kitchen and stop there.",
    "kitchen",
])
def test_politeness_capitals_and_punctuation_do_not_change_the_task(text):
    assert parse(text, HOUSE, START) == GoToRoom(HOUSE, room("K"))


def test_wanting_a_thing_means_bring_it():
    want = Fetch(HOUSE, ObjectKind.TOWEL, (9, 10), Color.BLUE)
    assert parse("I'd like a blue towel.", HOUSE, START) == want
    assert parse("I want a blue towel", HOUSE, START) == want


def test_synonyms_and_a_definite_fetch_pick_the_one_object():
    got = parse("Head into the lounge and grab the blue cushion for me", HOUSE, START)
    assert got == Fetch(HOUSE, ObjectKind.PILLOW, (9, 10), Color.BLUE)
    assert parse("walk to the white pillow", HOUSE) == GoToObject(HOUSE, HOUSE.object_at((1, 3)))


@pytest.mark.parametrize("text", [
    "Go to the kitchen, then go to the nursery.",
    "go to the kitchen and then the nursery",
    "Go to the kitchen. Then the nursery!",
    "go to the kitchen and go to the nursery",
])
def test_sequences_in_free_wording(text):
    want = SequenceInstr(HOUSE, [GoToRoom(HOUSE, room("K")), GoToRoom(HOUSE, room("N"))])
    assert parse(text, HOUSE) == want


def test_after_reads_the_parts_last_first():
    want = SequenceInstr(HOUSE, [GoToRoom(HOUSE, room("K")), GoToRoom(HOUSE, room("N"))],
                         "after")
    assert parse("Go to the nursery after you go to the kitchen.", HOUSE) == want
    assert parse("Before you go to the nursery, go to the kitchen.", HOUSE) == want


@pytest.mark.parametrize(("text", "order"), [
    ("Go to the kitchen, then go to the nursery.", [0, 1]),
    ("First go to the kitchen, and then go to the nursery.", [0, 1]),
    ("After going to the kitchen, go to the nursery.", [0, 1]),
    ("Once you have gone to the kitchen, go to the nursery.", [0, 1]),
    ("Go to the nursery after you go to the kitchen.", [1, 0]),
    ("Could you go to the nursery, but first go to the kitchen?", [1, 0]),
    ("Before you go to the nursery, go to the kitchen.", [1, 0]),
    ("Go to the kitchen.", [0]),
])
def test_spoken_order_says_which_part_the_text_names_first(text, order):
    assert spoken_order(text) == order


@pytest.mark.parametrize(("text", "positions"), [
    ("Go to the kitchen, then go to the nursery.", [1, 6]),
    ("First go to the kitchen, and then go to the nursery.", [2, 8]),
    ("Go to the nursery after you go to the kitchen.", [7, 1]),
    ("Before you go to the nursery, go to the kitchen.", [7, 3]),
    ("Go to the kitchen.", [1]),
])
def test_part_positions_give_each_parts_first_typed_word_in_the_order_done(text, positions):
    assert part_positions(text) == positions


@pytest.mark.parametrize(("text", "parts"), [
    ("Go to the kitchen, then the nursery.", ["Go to the kitchen.", "Go to the nursery."]),
    ("Go to the nursery after you go to the kitchen.",
     ["Go to the kitchen.", "Go to the nursery."]),
    ("After finding the pink bottle, make your way over to the shoe sitting on the bed.",
     ["Find the pink bottle.", "Make your way over to the shoe sitting on the bed."]),
    ("Could you go to the nursery, but first go to the kitchen? Thanks!",
     ["Go to the kitchen.", "Go to the nursery."]),
    ("Start by walking up to the towel in the bathroom, then make your way to the kitchen.",
     ["Walk up to the towel in the bathroom.", "Make your way to the kitchen."]),
    ("Walk to the kitchen where the sink is. After that, find the white candle.",
     ["Walk to the kitchen where the sink is.", "Find the white candle."]),
    ("Go to the kitchen, then to the nursery.", ["Go to the kitchen.", "Go to the nursery."]),
    ("Go over to the nursery after you go into the kitchen.",
     ["Go into the kitchen.", "Go over to the nursery."]),
    ("Go to the kitchen.", ["Go to the kitchen."]),
    ("Turn left and leave the bathroom. Walk into the hallway and halt.",
     ["Turn left and leave the bathroom. Walk into the hallway and halt."]),  # a route
])
def test_part_texts_write_each_part_as_an_instruction_of_its_own_in_the_order_done(text,
                                                                                   parts):
    assert part_texts(text) == parts


def test_each_part_text_reads_back_as_its_part_of_the_sequence():
    text = "Could you bring me a pillow from the bedroom after you go to the nursery?"
    whole = parse(text, HOUSE, START)
    assert isinstance(whole, SequenceInstr)
    assert [parse(t, HOUSE, START) for t in part_texts(text)] == list(whole.parts)


def test_part_texts_refuse_what_the_parser_refuses():
    with pytest.raises(UnknownWordError):
        part_texts("go to the bedrom, then the kitchen")
    with pytest.raises(ParseError, match="expected a comma"):
        part_texts("Before you go to the nursery go to the kitchen")


def test_unknown_words_are_named_with_position_and_nearest_known_words():
    with pytest.raises(UnknownWordError) as err:
        parse("go to the bedrom and fecth the pilow", HOUSE, START)
    assert str(err.value) == (
        "unknown words 'bedrom' at word 4 (did you mean 'bedroom'?); 'fecth' at word 6 "
        "(did you mean 'fetch'?); 'pilow' at word 8 (did you mean 'pillow'?)")
    assert [(p, w) for p, w, _ in err.value.unknown] == [(4, "bedrom"), (6, "fecth"),
                                                          (8, "pilow")]


def test_an_ambiguous_object_is_refused_naming_each_candidate():
    with pytest.raises(AmbiguousReferenceError) as err:
        parse("go to the pillow", HOUSE)
    assert str(err.value) == (
        "2 objects fit 'the pillow': a white pillow on the bed in the bedroom, a blue pillow "
        "on the sofa in the living room - say which")


def test_an_ambiguous_room_is_refused():
    with pytest.raises(AmbiguousReferenceError, match=r"2 rooms fit 'the bedroom' \(rooms A, B\)"):
        parse("go to the bedroom", HOUSE)


def test_things_the_house_lacks_are_refused():
    with pytest.raises(MissingReferentError, match="this house has no red pillow"):
        parse("bring me a red pillow", HOUSE, START)
    with pytest.raises(MissingReferentError, match="this house has no 'garage'; its rooms"):
        parse("go to the garage", HOUSE)


def test_a_route_the_house_cannot_follow_is_refused():
    with pytest.raises(RouteError, match=r"no way from \[9, 10, 0\] in this house fits"):
        parse("Turn left, walk forward 40 steps and stop.", HOUSE, START)
    with pytest.raises(RouteError, match="needs the start pose"):
        parse("Turn left and walk 3 steps.", HOUSE)
    with pytest.raises(RouteError, match=r"walking 40 steps from \[2, 10\] heading 3 runs into"):
        parse("Turn left, walk forward 40 steps and stop.", HOUSE, START)


def test_a_route_in_plain_clauses_is_walked_literally():
    got = parse("Turn left and walk 3 steps.", HOUSE, START)
    assert got == FollowRoute(HOUSE, [(9, 10), (8, 10), (7, 10), (6, 10)], 0)


def test_furniture_and_nonsense_are_refused_as_parse_errors():
    with pytest.raises(ParseError, match="'bed' \\(word 4\\) is furniture"):
        parse("go to the bed", HOUSE)
    with pytest.raises(ParseError, match="no instruction"):
        parse("please!", HOUSE)
    with pytest.raises(ParseError, match="needs the requester's place"):
        parse("bring me a blue towel", HOUSE)


def test_every_refusal_is_one_line():
    for text in ("go to the pillow", "go to the bedrom", "go to the garage", "go to the bed"):
        with pytest.raises(ParseError) as err:
            parse(text, HOUSE, START)
        assert "\n" not in str(err.value)


def test_normaliser_spells_out_typing():
    assert normalise_text("I'd like the Living-Room's T.V. remote; don't walk 3 steps!") == (
        "i would like the living room tv remote , do not walk three steps .")


@pytest.mark.parametrize("text", [
    "bring the cup to the kitchen",  # not "bring me a cup from the kitchen"
    "take the white cup into the living room",
    "don't go to the kitchen",
    "Don't bring me a cup",
    "go to the kitchen, not the bathroom",
    "Bring me a cup and a plate",
])
def test_what_it_cannot_mean_exactly_is_refused_not_guessed(text):
    with pytest.raises(ParseError):
        parse(text, HOUSE, START)


def test_take_me_to_a_room_is_going_there():
    assert parse("Take me to the kitchen.", HOUSE, START) == GoToRoom(HOUSE, room("K"))
