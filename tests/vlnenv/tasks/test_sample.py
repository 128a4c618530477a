"""Task sampling: valid episodes of every family that both experts solve."""


import numpy as np
import pytest
from helpers import make_house

from vlnenv.errors import TaskError
from vlnenv.expert.oracle import Oracle
from vlnenv.language.instructions import FAMILIES, instruction_from_task
from vlnenv.language.verdict import Verdict
from vlnenv.shipped import houses_root
from vlnenv.tasks.sample import max_steps_for, sample_episode
from vlnenv.tasks.solver import solve
from vlnenv.world.generate import LARGE, SMALL, generate_house
from vlnenv.world.mapfile import load_house

HOUSES = sorted(houses_root().glob("*.toml"))


def assert_experts_solve(house, episode):
    instruction = instruction_from_task(episode.task, house)
    oracle_actions, state = solve(instruction, episode.start, "oracle")
    assert instruction.verify(state) is Verdict.SUCCESS, episode.instruction
    assert state.path == list(episode.reference_path)
    assert state.step <= episode.max_steps
    explorer_actions, state = solve(instruction, episode.start, "explorer",
                                    max_steps=episode.max_steps)
    assert instruction.verify(state) is Verdict.SUCCESS, episode.instruction
    if episode.family in ("go_to_room", "go_to_object", "follow_route"):
        # one stage: the oracle is optimal (multi-stage tasks are solved greedily per stage)
        assert len(explorer_actions) >= len(oracle_actions)


@pytest.mark.parametrize("family", FAMILIES)
def test_both_experts_solve_every_family_on_generated_houses(family):
    for seed in range(60):
        house = generate_house(SMALL, seed)
        episode = sample_episode(house, np.random.default_rng(seed), [family])
        assert episode.family == family
        assert_experts_solve(house, episode)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_both_experts_solve_every_family_on_many_more_houses(family):
    for seed in range(60, 300):
        house = generate_house(SMALL, seed)
        assert_experts_solve(house, sample_episode(house, np.random.default_rng(seed), [family]))
    for seed in range(20):
        house = generate_house(LARGE, seed)
        assert_experts_solve(house, sample_episode(house, np.random.default_rng(seed), [family]))


@pytest.mark.parametrize("path", HOUSES, ids=lambda p: p.stem)
def test_both_experts_solve_every_family_on_hand_made_houses(path):
    house = load_house(path)
    oracle = Oracle(house)
    rng = np.random.default_rng(0)
    for family in FAMILIES:
        for _ in range(3):
            assert_experts_solve(house, sample_episode(house, rng, [family], oracle=oracle))


def test_same_seed_gives_the_same_episode():
    house = generate_house(SMALL, 5)
    a = sample_episode(house, np.random.default_rng(9))
    b = sample_episode(house, np.random.default_rng(9))
    assert a == b
    assert a.dumps() == b.dumps()


def test_reference_path_starts_at_the_start_and_ends_in_the_goal():
    house = generate_house(SMALL, 1)
    rng = np.random.default_rng(1)
    for _ in range(30):
        ep = sample_episode(house, rng)
        assert ep.reference_path[0] == ep.start[:2]
        assert ep.reference_path[-1] in ep.goal


def test_max_steps_formula():
    house = generate_house(SMALL, 2)
    n_free = int(np.count_nonzero(house.traversable_mask()))
    assert max_steps_for(house, 10) == 2 * 10 + n_free + 20


def test_impossible_requests_raise_after_bounded_retries():
    bare = make_house(["#####", "#AAA#", "#####"], {"A": "bedroom"})
    with pytest.raises(TaskError, match="after 7 draws"):
        sample_episode(bare, np.random.default_rng(0), ["go_to_object"], max_tries=7)
    with pytest.raises(TaskError, match="unknown task family"):
        sample_episode(bare, np.random.default_rng(0), ["juggle"])
