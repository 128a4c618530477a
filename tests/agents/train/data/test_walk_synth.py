"""Straight walks drawn in the training houses: runs counted exactly, every drawn walk fits
its run and is said as a walk of its length, played from its start it walks that far on
the floor and stops, and the same seed draws the same walks."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import oracle_demo_set

from agents.train.data.route_parts import walk_steps
from agents.train.data.walk_synth import (
    draw_walks,
    draw_weaves,
    room_reaches,
    straight_runs,
    synth_walks,
    weave_steps,
)
from vlnenv.actions import Action
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle
from vlnenv.language.legs import route_directions, runs_between
from vlnenv.suites.load import load_suite
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import CELL_FLOOR, CELL_FURNITURE, DIRECTIONS
from vlnenv.world.mapfile import loads_house


def brute_runs(structure: np.ndarray) -> np.ndarray:
    """Each floor cell's floor cells straight ahead, by walking."""
    H, W = structure.shape
    out = np.zeros((4, H, W), np.int64)
    for h, (dr, dc) in enumerate(DIRECTIONS):
        for r in range(H):
            for c in range(W):
                if structure[r, c] != CELL_FLOOR:
                    continue
                n, rr, cc = 0, r + dr, c + dc
                while 0 <= rr < H and 0 <= cc < W and structure[rr, cc] == CELL_FLOOR:
                    n, rr, cc = n + 1, rr + dr, cc + dc
                out[h, r, c] = n
    return out


@pytest.fixture(scope="module")
def large():
    return load_suite("large")


def test_straight_runs_count_the_floor_ahead_before_a_wall_door_or_furniture(large):
    for house in list(large.split_houses("val_unseen").values())[:3]:
        runs = straight_runs(house)
        assert np.array_equal(runs, brute_runs(np.asarray(house.structure)))
        assert runs.max() >= 12  # big houses hold long runs


def test_a_hand_counted_corridor():
    structure = np.zeros((3, 6), np.int64)
    structure[1, 1:5] = CELL_FLOOR  # four floor cells in a row, walls around
    house = type("H", (), {"structure": structure})()
    runs = straight_runs(house)
    east, west = DIRECTIONS.index((0, 1)), DIRECTIONS.index((0, -1))
    assert runs[east, 1, 1:5].tolist() == [3, 2, 1, 0]
    assert runs[west, 1, 1:5].tolist() == [0, 1, 2, 3]
    assert runs[:, 0].sum() == 0 and runs[:, 2].sum() == 0


def test_drawn_walks_fit_their_runs_cover_the_lengths_and_repeat_with_the_seed(large):
    house = next(iter(large.split_houses("val_unseen").values()))
    runs = straight_runs(house)
    walks = draw_walks(runs, 300, 8, np.random.default_rng(5))
    assert len(walks) == 300
    for (r, c, h), n in walks:
        assert 8 <= n <= runs.max() and runs[h, r, c] >= n
    lengths = {n for _, n in walks}
    assert lengths == set(range(8, int(runs.max()) + 1))  # every length the house holds
    assert walks == draw_walks(runs, 300, 8, np.random.default_rng(5))
    assert draw_walks(runs, 5, int(runs.max()) + 1, np.random.default_rng(5)) == []


@pytest.fixture(scope="module")
def route_demos(large):
    """The oracle's demonstrations of large/val_unseen's first four routes."""
    episodes = [e for e in large.episodes("val_unseen") if e.family == "follow_route"][:4]
    return oracle_demo_set(large, episodes, {"suite": "large"})

def test_each_drawn_walk_is_said_as_its_length_and_walked_that_far_then_stopped(
        large, route_demos):
    out, added = synth_walks(route_demos, large.houses, 3, 8, "trained", 0)
    houses = {ep.house for ep in route_demos.episodes}
    assert added == 3 * len(houses) and len(out) == len(route_demos) + added
    assert out.episodes[:len(route_demos)] == route_demos.episodes
    for ep, acts, trace in zip(out.episodes[len(route_demos):], out.actions[len(route_demos):],
                               out.traces[len(route_demos):], strict=True):
        n = walk_steps(ep.instruction)
        assert n is not None and n >= 8 and ep.family == "follow_route"
        assert acts.tolist() == [int(Action.FORWARD)] * n + [int(Action.STOP)]
        state = EpisodeState.initial(large.houses[ep.house], ep.start)
        for a in acts[:-1]:
            state.step_action(int(a))
        assert state.pos == tuple(ep.task["route"][-1]) == ep.goal[0]
        assert len(ep.reference_path) == n + 1 and len(trace.poses) == n + 1
        assert ep.max_steps > n
    again, _ = synth_walks(route_demos, large.houses, 3, 8, "trained", 0)
    other, _ = synth_walks(route_demos, large.houses, 3, 8, "trained", 1)
    said = [e.instruction for e in out.episodes]
    assert [e.instruction for e in again.episodes] == said
    assert [(e.start, e.instruction) for e in other.episodes] != [
        (e.start, e.instruction) for e in out.episodes]



#: A hallway three cells wide with a plant in its middle lane, a bedroom beyond a door.
PLANT_HALL = '''\
name = "plant hall"

[rooms]
H = "hallway"
B = "bedroom"

[furniture]
p = "plant"

[grid]
cells = """
###########
#HHHHHHH+B#
#HHHpHHH#B#
#HHHHHHH#B#
###########
"""
'''


def brute_reaches(house) -> np.ndarray:
    """Each floor cell's cells ahead before a wall, a door or another room's floor, by
    walking (furniture passed)."""
    s, H, W = np.asarray(house.structure), *house.structure.shape
    out = np.zeros((4, H, W), np.int64)
    for h, (dr, dc) in enumerate(DIRECTIONS):
        for r, c in np.argwhere(s == CELL_FLOOR).tolist():
            n, rr, cc = 0, r + dr, c + dc
            while s[rr, cc] == CELL_FURNITURE or (s[rr, cc] == CELL_FLOOR and house.room_of(
                    (rr, cc)) == house.room_of((r, c))):
                n, rr, cc = n + 1, rr + dr, cc + dc
            out[h, r, c] = n
    return out


def test_room_reaches_pass_furniture_and_stop_at_walls_doors_and_other_rooms(large):
    for house in list(large.split_houses("val_unseen").values())[:2]:
        reaches = room_reaches(house)
        assert np.array_equal(reaches, brute_reaches(house))
        assert (reaches >= straight_runs(house)).all() and reaches.max() > 20
    hall = loads_house(PLANT_HALL)
    east = DIRECTIONS.index((0, 1))
    assert room_reaches(hall)[east, 2, 1:8].tolist() == [6, 5, 4, 0, 2, 1, 0]  # p at col 4
    assert room_reaches(hall)[east, 1, 7] == 0  # the door ends it


def test_a_weave_round_a_plant_is_one_walk_of_its_forward_steps():
    hall = loads_house(PLANT_HALL)
    east = DIRECTIONS.index((0, 1))
    route = Oracle(hall).route((2, 1, east), Goal.stand([(1, 7)]))
    # one sidestep round the plant (turn, forward, turn) and six steps east
    assert weave_steps(hall, route, east) == 6 and len(route.actions) == 6 + 3
    assert weave_steps(hall, route, (east + 1) % 4) is None  # not a walk that way
    back = Oracle(hall).route((2, 1, east), Goal.stand([(2, 7)]))
    assert weave_steps(hall, back, east) is None  # back to the lane last: two runs
    into_bedroom = Oracle(hall).route((1, 1, east), Goal.stand([(2, 9)]))
    assert weave_steps(hall, into_bedroom, east) is None  # leaves the room
    walks = draw_weaves(hall, Oracle(hall), 5, 6, np.random.default_rng(0))
    assert walks and all(n == 6 for _, n in walks)  # the hall's longest reach is 6


def test_each_drawn_weave_is_said_as_one_walk_and_its_moves_end_where_it_says(
        large, route_demos):
    out, added = synth_walks(route_demos, large.houses, 3, 8, "trained", 0, kind="weave")
    assert added == len(out) - len(route_demos) > 0
    lateral = 0
    for ep, acts, trace in zip(out.episodes[len(route_demos):], out.actions[len(route_demos):],
                               out.traces[len(route_demos):], strict=True):
        n = walk_steps(ep.instruction)
        cells = [tuple(c) for c in ep.task["route"]]
        runs = runs_between(route_directions(cells), 0, len(cells) - 1)
        assert n is not None and n >= 8 and [r.steps for r in runs] == [n]
        assert runs[0].direction == ep.task["heading"] == ep.start[2]
        state = EpisodeState.initial(large.houses[ep.house], ep.start)
        for a in acts[:-1]:
            state.step_action(int(a))
        assert state.pos == cells[-1] == ep.goal[0] and acts[-1] == int(Action.STOP)
        assert len(trace.poses) == len(acts)
        lateral += len(cells) - 1 - n
    assert lateral > 0  # some weave round furniture
