"""The explorer: acts only on what the agent has seen, reaches the goal anyway, and never
steps onto (or plans through) a cell it has not seen."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from helpers import flat_house, make_house, two_rooms_house

from vlnenv.actions import Action
from vlnenv.errors import UnreachableGoalError
from vlnenv.expert import Explorer, Goal, Oracle, visible_cells
from vlnenv.render.view_geometry import view_cells, visible_mask
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import Cell, House

CORRIDOR = make_house(["###########", "#AAAAAAAAA#", "###########"], {"A": "hallway"})
TWO_ROOMS = two_rooms_house()
FLAT = flat_house()

HAS_GENERATOR = importlib.util.find_spec("vlnenv.world.generate") is not None


def room_goal(house: House, letter: str) -> Goal:
    return Goal.stand(house.room_cells(house.room_index(letter)))


def all_starts(house: House, stride: int = 1) -> list[tuple[int, int, int]]:
    """Every ``stride``-th passable cell (row-major), with all four headings."""
    cells = [tuple(x) for x in np.argwhere(house.passable_mask()).tolist()]
    return [(r, c, h) for r, c in cells[::stride] for h in range(4)]


def some_starts(house: House, stride: int) -> list[tuple[int, int, int]]:
    """Every ``stride``-th passable cell (row-major), headings in turn."""
    cells = [tuple(x) for x in np.argwhere(house.passable_mask()).tolist()]
    return [(r, c, i % 4) for i, (r, c) in enumerate(cells[::stride])]


def run_explorer(
    house: House,
    goal: Goal,
    start,
    structure=None,
    check_plans: bool = False,
    max_steps: int | None = None,
) -> tuple[list[int], EpisodeState, Explorer]:
    """Drive an explorer through the world's dynamics, checking at every step that it only
    walks onto (and, with ``check_plans``, only plans over) cells it has seen."""
    state = EpisodeState.initial(house, start)
    if structure is not None:
        state.structure = np.array(structure, dtype=np.uint8)
    explorer = Explorer(house, goal)
    limit = max_steps or 8 * house.structure.size
    actions: list[int] = []
    for _ in range(limit):
        action = explorer.act(state.pose, state.structure)
        if check_plans:
            for r, c in explorer.route(state.pose).cells:
                assert explorer.seen[r, c], f"plan from {state.pose} uses unseen cell {(r, c)}"
        if action == Action.STOP:
            return actions, state, explorer
        if action == Action.FORWARD and state.structure[state.front] in (
            Cell.FLOOR,
            Cell.DOOR_OPEN,
        ):
            assert explorer.seen[state.front], f"stepping onto unseen {state.front}"
        actions.append(action)
        state.step_action(action)
    raise AssertionError(f"explorer did not stop within {limit} steps from {start}")


def assert_explores_to_goal(house: House, goal: Goal, starts) -> None:
    oracle = Oracle(house)
    for start in starts:
        actions, state, _ = run_explorer(house, goal, start)
        assert goal.poses(state.structure)[state.pose], f"stopped off the goal from {start}"
        assert len(actions) >= oracle.distance(start, goal)


# ---------------------------------------------------------------------- memory
def test_observe_marks_exactly_the_cells_the_view_shows():
    house = FLAT
    explorer = Explorer(house, room_goal(house, "L"))
    pose = (5, 3, 3)  # hallway, facing the closed bedroom door at (4, 3)
    explorer.observe(pose, house.structure)
    rows, cols = view_cells(pose[:2], pose[2], 7)
    inside = (rows >= 0) & (rows < house.height) & (cols >= 0) & (cols < house.width)
    kind = np.where(inside, house.structure[rows.clip(0, 11), cols.clip(0, 11)], Cell.WALL)
    shown = visible_mask(~inside | (kind == Cell.WALL) | (kind == Cell.DOOR_CLOSED)) & inside
    expected = np.zeros(house.shape, dtype=bool)
    expected[rows[shown], cols[shown]] = True
    np.testing.assert_array_equal(explorer.seen, expected)
    assert explorer.seen[4, 3] and not explorer.seen[3, 3]  # the door hides the bedroom


def test_closed_door_hides_the_room_until_opened():
    explorer = Explorer(FLAT, room_goal(FLAT, "A"))
    explorer.observe((5, 3, 3), FLAT.structure)
    assert not explorer.seen[3, 3]
    opened = FLAT.structure.copy()
    opened[4, 3] = Cell.DOOR_OPEN
    explorer.observe((5, 3, 3), opened)
    assert explorer.seen[3, 3] and explorer.known[4, 3] == Cell.DOOR_OPEN


def test_unseen_cells_read_as_walls_in_memory():
    explorer = Explorer(CORRIDOR, Goal.stand([(1, 9)]))
    explorer.observe((1, 1, 0), CORRIDOR.structure)
    rows, cols = visible_cells(CORRIDOR.structure, (1, 1, 0), 7)
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) >= {(1, c) for c in range(1, 8)}
    assert not explorer.seen[1, 8] and explorer.known[1, 8] == Cell.WALL


def test_goal_is_identified_by_evidence_when_given():
    goal = room_goal(TWO_ROOMS, "K")
    explorer = Explorer(TWO_ROOMS, goal, evidence=[(1, 8)])  # the fridge
    explorer.observe((3, 5, 1), TWO_ROOMS.structure)  # in the kitchen, back to the fridge
    assert explorer.seen[3, 6] and not explorer.seen[1, 8]
    assert not explorer.identified
    assert not Explorer.from_history(TWO_ROOMS, goal, [((3, 5, 1), TWO_ROOMS.structure)]).seen[
        1, 8
    ]
    explorer.observe((2, 6, 0), TWO_ROOMS.structure)
    assert explorer.identified


def test_goal_cells_identify_the_goal_without_evidence():
    explorer = Explorer(TWO_ROOMS, room_goal(TWO_ROOMS, "K"))
    explorer.observe((3, 5, 1), TWO_ROOMS.structure)
    assert explorer.identified


def test_from_history_matches_observing_step_by_step():
    house, goal = FLAT, room_goal(FLAT, "K")
    state = EpisodeState.initial(house, (2, 8, 2))
    live = Explorer(house, goal)
    history = []
    for _ in range(15):
        history.append((state.pose, state.structure.copy()))
        state.step_action(live.act(state.pose, state.structure))
    replayed = Explorer.from_history(house, goal, history)
    np.testing.assert_array_equal(replayed.seen, live.seen)
    np.testing.assert_array_equal(replayed.known, live.known)
    assert replayed.act(state.pose, state.structure) == live.act(state.pose, state.structure)


def test_inherit_keeps_what_was_seen():
    first = Explorer(FLAT, room_goal(FLAT, "K"))
    first.observe((5, 5, 0), FLAT.structure)
    second = Explorer(FLAT, room_goal(FLAT, "B"))
    second.inherit(first)
    np.testing.assert_array_equal(second.seen, first.seen)
    assert second.seen is not first.seen


# ---------------------------------------------------------------------- acting
def test_goal_in_sight_down_a_corridor_is_walked_to_optimally():
    goal = Goal.stand([(1, 7)])
    actions, state, _ = run_explorer(CORRIDOR, goal, (1, 1, 0))
    assert actions == Oracle(CORRIDOR).actions((1, 1, 0), goal) == [2] * 6


def test_explorer_walks_to_the_frontier_when_the_goal_is_out_of_sight():
    # the wall behind the start is on the border, known to be wall: no need to look back
    explorer = Explorer(CORRIDOR, Goal.stand([(1, 9)]))
    assert explorer.act((1, 1, 0), CORRIDOR.structure) == Action.FORWARD
    assert explorer.route((1, 1, 0)).cells[-1] == (1, 7)  # then (1, 8) is in front


def test_explorer_turns_round_to_look_behind_before_walking():
    explorer = Explorer(CORRIDOR, Goal.stand([(1, 1)]))
    # from the far end facing the wall, everything behind is unseen: turn first
    assert explorer.act((1, 9, 0), CORRIDOR.structure) == Action.TURN_LEFT  # left on a tie


def test_explorer_opens_closed_doors_to_reach_the_goal():
    actions, state, explorer = run_explorer(FLAT, room_goal(FLAT, "K"), (2, 8, 2))
    assert Action.TOGGLE in actions
    assert FLAT.room_of(state.pos) == FLAT.room_index("K")
    assert explorer.known[7, 2] == Cell.DOOR_OPEN


def test_explorer_stops_facing_a_face_goal():
    goal = Goal.face([(9, 7)])  # the sofa
    actions, state, _ = run_explorer(FLAT, goal, (1, 1, 0))
    assert state.front == (9, 7)


@pytest.mark.parametrize(
    ("house", "goal"),
    [
        (TWO_ROOMS, room_goal(TWO_ROOMS, "K")),
        (TWO_ROOMS, Goal.face([(1, 3)])),
    ],
)
def test_explorer_reaches_the_goal_from_every_start_never_faster_than_the_oracle(house, goal):
    assert_explores_to_goal(house, goal, all_starts(house))


@pytest.mark.parametrize("goal", [room_goal(FLAT, "L"), Goal.face([(2, 9)])])
def test_explorer_reaches_the_goal_through_doors_from_many_starts(goal):
    assert_explores_to_goal(FLAT, goal, all_starts(FLAT, stride=5))


@pytest.mark.slow
def test_explorer_reaches_the_goal_through_doors_from_every_start():
    assert_explores_to_goal(FLAT, room_goal(FLAT, "L"), all_starts(FLAT))


def test_explorer_plans_only_over_seen_cells():
    for start in all_starts(FLAT, stride=7):
        run_explorer(FLAT, room_goal(FLAT, "K"), start, check_plans=True)


def test_explorer_is_deterministic():
    first = run_explorer(FLAT, room_goal(FLAT, "B"), (9, 1, 1))[0]
    second = run_explorer(FLAT, room_goal(FLAT, "B"), (9, 1, 1))[0]
    assert first == second


def test_explorer_raises_once_everything_reachable_is_explored():
    sealed = TWO_ROOMS.structure.copy()
    sealed[2, 4] = sealed[4, 7] = Cell.WALL  # wall up both doors of the kitchen
    goal = room_goal(TWO_ROOMS, "K")
    state = EpisodeState.initial(TWO_ROOMS, (5, 1, 0))
    state.structure = sealed
    explorer = Explorer(TWO_ROOMS, goal)
    with pytest.raises(UnreachableGoalError, match="explored everything"):
        for _ in range(200):
            state.step_action(explorer.act(state.pose, state.structure))
    reachable = TWO_ROOMS.flood((5, 1), (sealed == Cell.FLOOR) | (sealed == Cell.DOOR_OPEN))
    assert explorer.seen[reachable].all()


def test_goal_seen_but_unreachable_keeps_exploring_then_raises():
    explorer = Explorer(CORRIDOR, Goal.stand([(0, 3)]))  # a wall: seen at once, never reachable
    state = EpisodeState.initial(CORRIDOR, (1, 1, 0))
    with pytest.raises(UnreachableGoalError):
        for _ in range(100):
            state.step_action(explorer.act(state.pose, state.structure))
    assert explorer.identified and explorer.seen[1, 1:-1].all()


@pytest.mark.slow
@pytest.mark.skipif(not HAS_GENERATOR, reason="vlnenv.world.generate not written yet")
@pytest.mark.parametrize("seed", range(30))
def test_explorer_reaches_goals_in_generated_houses(seed):
    from vlnenv.world.generate import GeneratorConfig, generate_house

    house = generate_house(GeneratorConfig(), seed)
    goal = Goal.stand(house.room_cells(seed % len(house.rooms)))
    assert_explores_to_goal(house, goal, some_starts(house, stride=10))
    for item in house.objects[:1]:
        assert_explores_to_goal(house, Goal.face([item.cell]), some_starts(house, stride=20))
