"""parse(surface(i)) == i: every form the generator writes reads back as its task, on many
generated houses (routes: the same route, or one that ends on or next to its end)."""

import numpy as np
import pytest

from vlnenv.errors import AmbiguousReferenceError
from vlnenv.expert.oracle import Oracle
from vlnenv.language import FollowRoute, Instruction, instruction_from_task, parse
from vlnenv.language.parse import part_texts
from vlnenv.suites.load import load_suite
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.generate import LARGE, SMALL, generate_house

CLAUSE_FAMILIES = ("go_to_room", "go_to_object", "fetch", "sequence")


def episodes(houses, families, seed0=0):
    for seed in houses:
        house = generate_house(SMALL if seed % 4 else LARGE, seed0 + seed)
        oracle = Oracle(house)
        for k, family in enumerate(families):
            rng = np.random.default_rng([seed0 + seed, k])
            episode = sample_episode(house, rng, [family], oracle=oracle)
            yield house, episode, instruction_from_task(episode.task, house)


def same_route(got: Instruction, want: FollowRoute) -> bool:
    return (isinstance(got, FollowRoute) and got.heading == want.heading
            and got.route[0] == want.route[0] and got.route[-1] in want.goal_cells
            and want.route[-1] in got.goal_cells)


def check_clause_families(houses, surfaces):
    count = 0
    for house, episode, want in episodes(houses, CLAUSE_FAMILIES):
        for s in range(surfaces):
            text = want.surface(np.random.default_rng(s))
            assert parse(text, house, episode.start) == want, text
            count += 1
    return count


def test_every_clause_form_reads_back_as_its_task_on_generated_houses():
    assert check_clause_families(range(30), 12) == 30 * 4 * 12


@pytest.mark.slow
def test_every_clause_form_reads_back_on_many_more_houses():
    assert check_clause_families(range(40, 400), 10) == 360 * 4 * 10


def check_routes(houses):
    exact = equivalent = refused = 0
    for house, episode, want in episodes(houses, ("follow_route",)):
        try:
            got = parse(episode.instruction, house, episode.start)
        except AmbiguousReferenceError:
            refused += 1
            continue
        assert same_route(got, want), episode.instruction
        exact += got == want
        equivalent += 1
    return exact, equivalent, refused


def test_route_descriptions_read_back_as_their_route_or_one_ending_beside_it():
    exact, equivalent, refused = check_routes(range(40))
    assert (exact, equivalent, refused) == (28, 40, 0)


@pytest.mark.slow
def test_route_descriptions_read_back_on_many_houses():
    exact, equivalent, refused = check_routes(range(40, 640))
    assert refused <= 0.03 * 600
    assert (exact, equivalent, refused) == (399, 584, 16)


@pytest.mark.parametrize("suite_name", ["small", "handmade", "large"])
def test_every_shipped_sequence_cuts_into_texts_of_its_parts_and_nothing_else_is_cut(
        suite_name):
    # text alone in, the structured parts out: what a policy with read_parts gives its
    # model (agents.evaluation.parts) is each part exactly, for every split's sequences;
    # every other instruction (routes of several sentences too) is one part, as typed
    suite = load_suite(suite_name)
    checked = 0
    for split in suite.splits:
        for episode in suite.episodes(split):
            if episode.family != "sequence":  # one part, the words as typed (routes too)
                assert part_texts(episode.instruction) == [episode.instruction]
                continue
            house = suite.houses[episode.house]
            whole = parse(episode.instruction, house, episode.start)
            texts = part_texts(episode.instruction)
            assert [parse(t, house, episode.start) for t in texts] == list(whole.parts), (
                split, episode.episode_id, texts)
            checked += 1
    assert checked >= 100
