"""The shortest-path oracle: distance fields worked by hand and against a plain Dijkstra,
optimal actions replayed through the world's own dynamics."""

from __future__ import annotations

import heapq
import importlib.util

import numpy as np
import pytest
from helpers import flat_house, make_house, two_rooms_house
from hypothesis import given, settings
from hypothesis import strategies as st

from vlnenv.actions import Action
from vlnenv.errors import UnreachableGoalError
from vlnenv.expert import (
    UNREACHABLE,
    Goal,
    Oracle,
    distance_field,
    follow,
    geodesic_cells,
)
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import DIRECTIONS, Cell, House

CORRIDOR = make_house(["#######", "#AAAAA#", "#######"], {"A": "hallway"})
DOOR_CORRIDOR = make_house(
    ["#######", "#AA+BB#", "#######"], {"A": "hallway", "B": "bedroom"}
)
TWO_ROOMS = two_rooms_house([("cup", "red", (3, 6))])
FLAT = flat_house()
EMPTY = make_house(["#" * 9] + ["#" + "A" * 7 + "#"] * 6 + ["#" * 9], {"A": "hallway"})

HAS_GENERATOR = importlib.util.find_spec("vlnenv.world.generate") is not None


def room_goal(house: House, letter: str) -> Goal:
    return Goal.stand(house.room_cells(house.room_index(letter)))


def replay(house: House, start, actions, structure=None) -> EpisodeState:
    """Run ``actions`` through the environment's dynamics."""
    state = EpisodeState.initial(house, start)
    if structure is not None:
        state.structure = np.array(structure, dtype=np.uint8)
    for action in actions:
        state.step_action(action)
    return state


def is_goal_pose(goal: Goal, pose, structure) -> bool:
    return bool(goal.poses(np.asarray(structure))[pose])


def reference_field(structure: np.ndarray, goal: Goal) -> np.ndarray:
    """Dijkstra over explicitly enumerated forward transitions (a second implementation)."""
    h, w = structure.shape
    standable = {Cell.FLOOR, Cell.DOOR_OPEN, Cell.DOOR_CLOSED}
    reverse: dict[tuple, list[tuple]] = {}
    for r in range(h):
        for c in range(w):
            if structure[r, c] not in standable:
                continue
            for d in range(4):
                moves = [((r, c, (d - 1) % 4), 1), ((r, c, (d + 1) % 4), 1)]
                fr, fc = r + DIRECTIONS[d][0], c + DIRECTIONS[d][1]
                if 0 <= fr < h and 0 <= fc < w:
                    if structure[fr, fc] in (Cell.FLOOR, Cell.DOOR_OPEN):
                        moves.append(((fr, fc, d), 1))
                    elif structure[fr, fc] == Cell.DOOR_CLOSED:
                        moves.append(((fr, fc, d), 2))
                for target, cost in moves:
                    reverse.setdefault(target, []).append(((r, c, d), cost))
    dist = np.full((h, w, 4), UNREACHABLE, dtype=np.int64)
    heap = [(0, tuple(p)) for p in np.argwhere(goal.poses(structure)).tolist()]
    for _, p in heap:
        dist[p] = 0
    heapq.heapify(heap)
    while heap:
        d, p = heapq.heappop(heap)
        if d > dist[p]:
            continue
        for q, cost in reverse.get(p, []):
            if d + cost < dist[q]:
                dist[q] = d + cost
                heapq.heappush(heap, (d + cost, q))
    return dist


def assert_optimal_from_every_pose(house: House, goal: Goal, structure=None) -> int:
    """Oracle actions from every reachable pose reach a goal pose in exactly the field's
    number of steps under the world's dynamics. Returns how many poses were checked."""
    oracle = Oracle(house)
    s = house.structure if structure is None else structure
    field = oracle.field(goal, s)
    checked = 0
    for r, c, h in np.argwhere(field < UNREACHABLE).tolist():
        if s[r, c] == Cell.DOOR_CLOSED:
            continue  # the agent never stands in a closed doorway
        actions = oracle.actions((r, c, h), goal, s)
        assert len(actions) == field[r, c, h]
        state = replay(house, (r, c, h), actions, s)
        assert is_goal_pose(goal, state.pose, state.structure)
        assert oracle.action(state.pose, goal, state.structure) == Action.STOP
        checked += 1
    return checked


# ---------------------------------------------------------------------- hand-worked fields
def test_corridor_distance_counts_turns_and_steps():
    field = distance_field(CORRIDOR, Goal.stand([(1, 5)]))
    for c in range(1, 6):
        ahead = 5 - c
        assert field[1, c, 0] == ahead
        if c == 5:
            assert field[1, c].tolist() == [0, 0, 0, 0]
        else:
            assert field[1, c, 1] == field[1, c, 3] == ahead + 1
            assert field[1, c, 2] == ahead + 2


def test_closed_door_on_the_way_costs_toggle_and_forward():
    field = distance_field(DOOR_CORRIDOR, Goal.stand([(1, 5)]))
    for c in range(1, 6):
        expected = 5 - c + (1 if c < 3 else 0)
        assert field[1, c, 0] == expected
    open_structure = DOOR_CORRIDOR.structure.copy()
    open_structure[1, 3] = Cell.DOOR_OPEN
    assert distance_field(DOOR_CORRIDOR, Goal.stand([(1, 5)]), open_structure)[1, 1, 0] == 4


def test_walls_and_furniture_are_unreachable():
    field = distance_field(TWO_ROOMS, room_goal(TWO_ROOMS, "K"))
    assert (field[0] == UNREACHABLE).all()
    assert (field[1, 3] == UNREACHABLE).all()  # the bed


def test_face_goal_is_reached_beside_the_cell_facing_it():
    field = distance_field(CORRIDOR, Goal.face([(1, 5)]))
    assert field[1, 4, 0] == 0
    assert field[1, 3, 0] == 1
    # from the goal cell itself: step west, then turn round to face it
    assert field[1, 5].tolist() == [5, 4, 3, 4]


def test_face_goal_on_furniture_stops_facing_it():
    goal = Goal.face([(1, 3)])  # the bed
    oracle = Oracle(TWO_ROOMS)
    state = replay(TWO_ROOMS, (3, 1, 0), oracle.actions((3, 1, 0), goal))
    assert state.front == (1, 3)
    assert oracle.action(state.pose, goal) == Action.STOP
    assert oracle.actions((3, 1, 0), goal) == [2, 2, 0, 2]  # to (2, 3), facing north


def test_geodesic_cells_counts_cell_steps_through_doors_not_furniture():
    dist = geodesic_cells(DOOR_CORRIDOR, [(1, 1)])
    assert dist[1, 1:6].tolist() == [0, 1, 2, 3, 4]
    dist = geodesic_cells(TWO_ROOMS, [(2, 3)])
    assert dist[2, 2] == 1 and dist[1, 2] == 2 and dist[1, 3] == UNREACHABLE  # bed blocks
    assert dist[2, 5] == 2 and dist[5, 2] == 4
    assert dist[0, 0] == UNREACHABLE


# ---------------------------------------------------------------------- actions
def test_tie_break_prefers_forward_then_left():
    oracle = Oracle(EMPTY)
    assert oracle.action((1, 1, 0), Goal.stand([(3, 3)])) == Action.FORWARD
    assert oracle.action((1, 3, 2), Goal.stand([(1, 5)])) == Action.TURN_LEFT


def test_toggles_a_closed_door_in_front_then_walks_through():
    oracle = Oracle(DOOR_CORRIDOR)
    goal = Goal.stand([(1, 5)])
    assert oracle.action((1, 2, 0), goal) == Action.TOGGLE
    assert oracle.actions((1, 1, 0), goal) == [2, 5, 2, 2, 2]


def test_actions_open_doors_in_a_copy_only():
    oracle = Oracle(DOOR_CORRIDOR)
    structure = DOOR_CORRIDOR.structure.copy()
    route = oracle.route((1, 1, 0), Goal.stand([(1, 5)]), structure)
    assert route.structure[1, 3] == Cell.DOOR_OPEN
    assert structure[1, 3] == Cell.DOOR_CLOSED


def test_path_lists_each_visited_cell_once_start_included():
    oracle = Oracle(DOOR_CORRIDOR)
    assert oracle.path((1, 2, 2), Goal.stand([(1, 4)])) == [(1, 2), (1, 3), (1, 4)]
    assert oracle.path((1, 4, 1), Goal.stand([(1, 4)])) == [(1, 4)]


def test_stop_on_a_stand_goal_whatever_the_heading():
    oracle = Oracle(CORRIDOR)
    for h in range(4):
        assert oracle.action((1, 5, h), Goal.stand([(1, 5)])) == Action.STOP
        assert oracle.actions((1, 5, h), Goal.stand([(1, 5)])) == []


@pytest.mark.parametrize(
    ("house", "goal"),
    [
        (CORRIDOR, Goal.stand([(1, 5)])),
        (DOOR_CORRIDOR, Goal.face([(1, 1)])),
        (TWO_ROOMS, room_goal(TWO_ROOMS, "K")),
        (TWO_ROOMS, Goal.face([(1, 8)])),  # the fridge
        (TWO_ROOMS, Goal.face([(3, 6)])),  # the cup on the floor
        (FLAT, room_goal(FLAT, "L")),
        (FLAT, Goal.face([(2, 9)])),
        (FLAT, Goal.stand([(10, 1), (1, 10)])),
    ],
)
def test_oracle_actions_reach_the_goal_in_exactly_the_field_distance(house, goal):
    assert assert_optimal_from_every_pose(house, goal) > 0


@pytest.mark.slow
@pytest.mark.skipif(not HAS_GENERATOR, reason="vlnenv.world.generate not written yet")
@pytest.mark.parametrize("seed", range(30))
def test_oracle_is_optimal_in_generated_houses(seed):
    from vlnenv.world.generate import GeneratorConfig, generate_house

    house = generate_house(GeneratorConfig(), seed)
    rooms = len(house.rooms)
    goal = Goal.stand(house.room_cells(seed % rooms))
    field = Oracle(house).field(goal)
    np.testing.assert_array_equal(field, reference_field(house.structure, goal))
    assert assert_optimal_from_every_pose(house, goal) > 0


_INTERIOR = st.lists(
    st.sampled_from([Cell.FLOOR] * 5 + [Cell.WALL, Cell.FURNITURE, Cell.DOOR_CLOSED,
                                        Cell.DOOR_OPEN]),
    min_size=42,
    max_size=42,
)


@settings(max_examples=40, deadline=None)
@given(
    interior=_INTERIOR,
    goal_cells=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 7)), min_size=1, max_size=3),
    face=st.booleans(),
)
def test_field_matches_dijkstra_and_actions_follow_it(interior, goal_cells, face):
    structure = EMPTY.structure.copy()
    structure[1:7, 1:8] = np.array(interior, dtype=np.uint8).reshape(6, 7)
    goal = Goal.face(goal_cells) if face else Goal.stand(goal_cells)
    field = distance_field(EMPTY, goal, structure)
    np.testing.assert_array_equal(field, reference_field(structure, goal))
    oracle = Oracle(EMPTY)
    for r, c, h in np.argwhere(field < UNREACHABLE).tolist():
        if structure[r, c] not in (Cell.FLOOR, Cell.DOOR_OPEN):
            continue
        route = oracle.route((r, c, h), goal, structure)
        assert len(route.actions) == field[r, c, h]
        state = replay(EMPTY, (r, c, h), route.actions, structure)
        assert state.pose == route.poses[-1]
        assert is_goal_pose(goal, state.pose, state.structure)
        np.testing.assert_array_equal(state.structure, route.structure)


def test_partial_field_is_exact_up_to_the_pose_it_stops_at():
    goal = room_goal(FLAT, "K")
    full = distance_field(FLAT, goal)
    part = distance_field(FLAT, goal, until=(1, 1, 0))
    d = full[1, 1, 0]
    np.testing.assert_array_equal(part[full <= d], full[full <= d])
    assert (part[full > d + 2] == UNREACHABLE).all()


@pytest.mark.parametrize(
    ("house", "goal"),
    [(FLAT, room_goal(FLAT, "K")), (FLAT, Goal.face([(2, 9)])),
     (TWO_ROOMS, Goal.face([(1, 8)])), (DOOR_CORRIDOR, Goal.face([(1, 1)]))],
)
def test_route_searched_only_up_to_its_start_is_the_whole_fields_route(house, goal):
    full = distance_field(house, goal)
    for pose in map(tuple, np.argwhere(full < UNREACHABLE).tolist()):
        route = Oracle(house).route(pose, goal)  # a fresh oracle: the search stops at pose
        expected = follow(full, pose, house.structure)
        assert route.actions == expected.actions and route.poses == expected.poses, pose


def test_whole_field_after_a_route_that_searched_part_of_it():
    goal = room_goal(FLAT, "K")
    oracle = Oracle(FLAT)
    near = oracle.route((5, 2, 1), goal)  # searches only the poses nearest the kitchen
    far = oracle.route((1, 1, 0), goal)  # needs a longer search
    assert len(far.actions) == distance_field(FLAT, goal)[1, 1, 0] > len(near.actions)
    np.testing.assert_array_equal(oracle.field(goal), distance_field(FLAT, goal))
    assert oracle.distance((5, 2, 1), goal) == len(near.actions)


# ---------------------------------------------------------------------- unreachable, cache
def test_unreachable_goal_raises_with_the_pose_and_goal():
    sealed = TWO_ROOMS.structure.copy()
    sealed[2, 4] = sealed[4, 7] = Cell.WALL  # wall up both doors of the kitchen
    oracle = Oracle(TWO_ROOMS)
    goal = room_goal(TWO_ROOMS, "K")
    assert not oracle.reachable((5, 1, 0), goal, sealed)
    for call in (oracle.action, oracle.actions, oracle.path, oracle.distance):
        with pytest.raises(UnreachableGoalError, match=r"\(5, 1, 0\).*Goal\.stand"):
            call((5, 1, 0), goal, sealed)


def test_goal_on_walls_only_is_unreachable():
    with pytest.raises(UnreachableGoalError):
        Oracle(CORRIDOR).actions((1, 1, 0), Goal.stand([(0, 3)]))


def test_pose_on_a_wall_is_unreachable():
    with pytest.raises(UnreachableGoalError):
        Oracle(CORRIDOR).action((0, 0, 0), Goal.stand([(1, 3)]))


def test_cache_returns_the_same_field_for_the_same_goal_and_structure():
    oracle = Oracle(DOOR_CORRIDOR, cache_size=2)
    goal = Goal.stand([(1, 5)])
    first = oracle.field(goal)
    assert oracle.field(Goal.stand([(1, 5)]), DOOR_CORRIDOR.structure.copy()) is first
    opened = DOOR_CORRIDOR.structure.copy()
    opened[1, 3] = Cell.DOOR_OPEN
    assert oracle.field(goal, opened) is not first
    assert not first.flags.writeable


def test_cache_drops_the_least_recently_used_field():
    oracle = Oracle(CORRIDOR, cache_size=2)
    a, b, c = (Goal.stand([(1, k)]) for k in (1, 2, 3))
    field_a = oracle.field(a)
    field_b = oracle.field(b)
    assert oracle.field(a) is field_a  # a is now the most recent
    field_c = oracle.field(c)  # evicts b
    assert oracle.field(a) is field_a and oracle.field(c) is field_c
    assert oracle.field(b) is not field_b


def test_goal_is_hashable_and_compares_by_cells():
    assert Goal.stand([(1, 2), (1, 3)]) == Goal.stand([(1, 3), (1, 2)])
    assert Goal.stand([(1, 2)]) != Goal.face([(1, 2)])
    assert len({Goal.face([(1, 2)]), Goal.face([(1, 2)])}) == 1
