"""Navigation metrics: reference values from ANCHORS.md (r4r doctests, RxR), hand-worked
cases in tiny houses with walls, and independent second implementations on random paths."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from itertools import pairwise

import numpy as np
import pytest
from helpers import make_house
from hypothesis import given, settings
from hypothesis import strategies as st

from vlnenv.errors import VLNError
from vlnenv.eval.distances import Distance, geodesic, manhattan
from vlnenv.eval.metrics import (
    METRIC_KEYS,
    MetricError,
    cls,
    collapse_repeats,
    dtw,
    episode_metrics,
    navigation_error,
    ndtw,
    oracle_success,
    path_coverage,
    path_length,
    sdtw,
    spl,
    success,
    trajectory_length,
)
from vlnenv.world.house import DIRECTIONS, Cell, House

# ------------------------------------------------------------------ fixtures
#: The r4r doctest graph, ``nx.grid_graph([3, 4])``: nodes (i, j), 0 <= i < 4, 0 <= j < 3.
OPEN_4X3 = make_house(["#####", "#AAA#", "#AAA#", "#AAA#", "#AAA#", "#####"],
                      {"A": "bedroom"})

#: A corridor bent by a wall: (1, 1) -> (3, 1) is 6 steps but Manhattan 2.
#:   #####
#:   #AAA#
#:   ###A#
#:   #AAA#
#:   #####
BENT = make_house(["#####", "#AAA#", "###A#", "#AAA#", "#####"], {"A": "bedroom"})
BENT_EXPERT = [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3), (3, 2), (3, 1)]
BENT_GOAL = {(3, 1)}

#: Two rooms, a closed and an open door, a bed (b) and a wall stub.
DOORS = make_house(
    [
        "#########",
        "#AAA#BBB#",
        "#AbA+BBB#",
        "#AbA#B#B#",
        "#AAA/BBB#",
        "#########",
    ],
    {"A": "bedroom", "B": "office"},
    {"b": "bed"},
)

P = [(0, 0), (1, 0), (2, 0), (3, 0)]
R = [(0, 0), (1, 0), (2, 1), (3, 2)]
R6 = [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2)]
Q6 = [(0, 0), (0, 1), (1, 1), (2, 1), (3, 1), (3, 2)]
Q4 = [(0, 1), (1, 1), (2, 1), (3, 1)]


def shifted(path: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """r4r grid nodes as cells of OPEN_4X3 (inside its wall border)."""
    return [(i + 1, j + 1) for i, j in path]


# ------------------------------------------------------------------ ANCHORS.md: r4r dtw.py
@pytest.mark.parametrize("house_cells", [False, True], ids=["manhattan", "geodesic"])
def test_dtw_metrics_match_r4r_doctest(house_cells: bool) -> None:
    dist = geodesic(OPEN_4X3) if house_cells else manhattan
    p, r = (shifted(P), shifted(R)) if house_cells else (P, R)
    assert dtw(p, r, dist) == 3.0
    assert ndtw(p, r, dist, d_th=3.0) == pytest.approx(0.77880078307140488, rel=1e-12)
    assert ndtw(p, r, dist) == pytest.approx(math.exp(-0.25), rel=1e-12)
    assert sdtw(p, r, dist, d_th=3.0) == pytest.approx(0.77880078307140488, rel=1e-12)
    assert sdtw(p[:2], r, dist, d_th=3.0) == 0.0


def test_sdtw_success_is_inclusive_at_d_th_by_default() -> None:
    # P ends exactly d_th = 3 from R[-1]: r4r counts it as success (<=).
    p, r = [(0, 0), (0, 1)], [(0, 0), (1, 1), (3, 1)]
    assert manhattan(p[-1], r[-1]) == 3.0
    assert sdtw(p, r, manhattan) == ndtw(p, r, manhattan) > 0
    assert sdtw(p, r, manhattan, inclusive=False) == 0.0


def test_rxr_ndtw_from_its_dtw_over_five_nodes() -> None:
    # One predicted point against five reference points: DTW is the sum of the five
    # costs, here all on the first one, 1.5461700564297585 (the RxR sample).
    reference = ["r0", "r1", "r2", "r3", "r4"]
    cost = {"r0": 1.5461700564297585}

    def dist(a: str, b: str) -> float:
        return cost.get(b, 0.0) if a == "p" else 0.0

    assert dtw(["p"], reference, dist) == 1.5461700564297585
    assert ndtw(["p"], reference, dist, d_th=3.0) == pytest.approx(
        0.9020566069282614, rel=1e-12)


# ------------------------------------------------------------------ ANCHORS.md: r4r cls.py
@pytest.mark.parametrize("house_cells", [False, True], ids=["manhattan", "geodesic"])
def test_cls_matches_anchor_values(house_cells: bool) -> None:
    dist = geodesic(OPEN_4X3) if house_cells else manhattan
    f = shifted if house_cells else list
    assert cls(f(R6), f(R6), dist, d_th=3.0) == 1.0
    assert cls(f(Q6), f(R6), dist, d_th=3.0) == pytest.approx(0.81994915125863865, rel=1e-12)
    assert cls(f(Q4), f(R6), dist, d_th=3.0) == pytest.approx(0.6435694620652272, rel=1e-12)


def test_cls_depends_on_argument_order() -> None:
    # The r4r doctest calls cls(reference, prediction): its 0.44197... is this swap.
    assert cls(R6, Q4, manhattan) == pytest.approx(0.4419719610270256, rel=1e-12)
    assert cls(Q4, R6, manhattan) != pytest.approx(cls(R6, Q4, manhattan))


def test_path_length_sums_step_distances_not_nodes() -> None:
    assert path_length(R6, manhattan) == 5.0
    assert path_length([(0, 0), (0, 0), (0, 1)], manhattan) == 1.0
    assert path_length([], manhattan) == 0.0
    assert path_length([(2, 2)], manhattan) == 0.0


# ------------------------------------------------------------------ geodesic distance
def test_geodesic_walks_around_walls_where_manhattan_cuts_through() -> None:
    dist = geodesic(BENT)
    assert dist((1, 1), (3, 1)) == 6.0
    assert manhattan((1, 1), (3, 1)) == 2.0
    assert dist((3, 1), (1, 1)) == 6.0
    assert dist((2, 3), (2, 3)) == 0.0


def test_geodesic_passes_closed_and_open_doors_but_not_furniture() -> None:
    dist = geodesic(DOORS)
    assert DOORS.structure[2, 4] == Cell.DOOR_CLOSED
    assert dist((2, 3), (2, 5)) == 2.0  # through the closed door
    assert dist((4, 3), (4, 5)) == 2.0  # through the open door
    assert dist((2, 1), (2, 3)) == 4.0  # around the two-cell bed
    assert dist((3, 5), (3, 7)) == 4.0  # around the wall stub


def test_geodesic_is_infinite_between_disconnected_cells() -> None:
    blocked = BENT.structure.copy()
    blocked[2, 3] = Cell.WALL
    assert geodesic(BENT, blocked)((1, 1), (3, 1)) == math.inf
    assert geodesic(BENT)((1, 1), (3, 1)) == 6.0  # the house itself is unchanged


def test_geodesic_rejects_walls_furniture_and_cells_outside_the_grid() -> None:
    dist = geodesic(DOORS)
    with pytest.raises(MetricError, match=r"\(0, 0\).*wall"):
        dist((0, 0), (1, 1))
    with pytest.raises(MetricError, match=r"\(2, 2\).*furniture"):
        dist((1, 1), (2, 2))
    with pytest.raises(MetricError, match="outside"):
        dist((1, 1), (9, 9))
    with pytest.raises(MetricError, match="shape"):
        geodesic(DOORS, np.zeros((3, 3), np.uint8))


def floyd_warshall(structure: np.ndarray) -> dict[tuple[tuple[int, int], tuple[int, int]], float]:
    """All-pairs cell distances over floor and door cells: a second implementation."""
    s = np.asarray(structure)
    walk = (s == Cell.FLOOR) | (s == Cell.DOOR_OPEN) | (s == Cell.DOOR_CLOSED)
    cells = [tuple(c) for c in np.argwhere(walk).tolist()]
    index = {c: i for i, c in enumerate(cells)}
    d = np.full((len(cells), len(cells)), np.inf)
    np.fill_diagonal(d, 0.0)
    for (r, c), i in index.items():
        for dr, dc in DIRECTIONS:
            j = index.get((r + dr, c + dc))
            if j is not None:
                d[i, j] = 1.0
    for k in range(len(cells)):
        d = np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :])
    return {(a, b): float(d[index[a], index[b]]) for a in cells for b in cells}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([Cell.WALL, Cell.FLOOR, Cell.FLOOR, Cell.DOOR_CLOSED,
                                 Cell.DOOR_OPEN, Cell.FURNITURE]), min_size=9, max_size=9))
def test_geodesic_equals_floyd_warshall_on_random_layouts(cells: list[Cell]) -> None:
    # A random 3x3 interior (walls, doors, furniture; possibly disconnected) in BENT's frame.
    layer = np.full(BENT.shape, Cell.WALL, np.uint8)
    layer[1:4, 1:4] = np.array(cells, np.uint8).reshape(3, 3)
    dist = geodesic(BENT, layer)
    for (a, b), expected in floyd_warshall(layer).items():
        assert dist(a, b) == expected


def test_geodesic_equals_floyd_warshall_in_a_house_with_doors_and_furniture() -> None:
    dist = geodesic(DOORS)
    for (a, b), expected in floyd_warshall(DOORS.structure).items():
        assert dist(a, b) == expected


# ------------------------------------------------------------------ goal metrics, by hand
def test_following_the_expert_scores_perfectly() -> None:
    dist = geodesic(BENT)
    m = episode_metrics(BENT_EXPERT, BENT_EXPERT, BENT_GOAL, dist)
    assert m == {"ne": 0.0, "sr": 1.0, "osr": 1.0, "tl": 6.0, "spl": 1.0, "ndtw": 1.0,
                 "sdtw": 1.0, "cls": 1.0}
    assert tuple(m) == METRIC_KEYS


def test_navigation_error_is_geodesic_to_the_nearest_goal_cell() -> None:
    dist = geodesic(BENT)
    assert navigation_error([(1, 2), (1, 1)], BENT_GOAL, dist) == 6.0
    assert navigation_error([(1, 2), (1, 1)], BENT_GOAL, manhattan) == 2.0
    assert navigation_error([(1, 1)], {(3, 1), (3, 3)}, dist) == 4.0


def test_r2r_threshold_counts_a_wall_away_goal_as_failure_only_geodesically() -> None:
    r2r = {"threshold": 3.0, "inclusive": False}
    stop = [(1, 2), (1, 1)]
    assert success(stop, BENT_GOAL, geodesic(BENT), **r2r) == 0.0
    assert success(stop, BENT_GOAL, manhattan, **r2r) == 1.0


def test_success_threshold_comparison_is_explicit() -> None:
    dist = geodesic(BENT)
    at_three = [(1, 1), (1, 2), (1, 3), (2, 3)]  # (2, 3) is 3 steps from (3, 1)
    assert navigation_error(at_three, BENT_GOAL, dist) == 3.0
    assert success(at_three, BENT_GOAL, dist, threshold=3.0, inclusive=True) == 1.0
    assert success(at_three, BENT_GOAL, dist, threshold=3.0, inclusive=False) == 0.0
    assert success(at_three, BENT_GOAL, dist) == 0.0  # default: stand on a goal cell
    assert success(BENT_EXPERT, BENT_GOAL, dist) == 1.0
    assert success(BENT_EXPERT, BENT_GOAL, dist, threshold=0.0, inclusive=False) == 0.0


def test_success_requires_stop_when_asked() -> None:
    dist = geodesic(BENT)
    assert success(BENT_EXPERT, BENT_GOAL, dist, stopped=False) == 0.0
    m = episode_metrics(BENT_EXPERT, BENT_EXPERT, BENT_GOAL, dist, stopped=False)
    assert (m["sr"], m["spl"], m["sdtw"], m["osr"], m["ndtw"]) == (0.0, 0.0, 0.0, 1.0, 1.0)


def test_oracle_success_counts_passing_the_goal_without_stopping_there() -> None:
    dist = geodesic(BENT)
    overshoot = [*BENT_EXPERT, (3, 2)]
    assert success(overshoot, BENT_GOAL, dist) == 0.0
    assert oracle_success(overshoot, BENT_GOAL, dist) == 1.0
    assert oracle_success(BENT_EXPERT[:-1], BENT_GOAL, dist) == 0.0
    assert oracle_success(BENT_EXPERT[:-1], BENT_GOAL, dist, threshold=1.0) == 1.0
    assert oracle_success(BENT_EXPERT[:-1], BENT_GOAL, dist, threshold=1.0,
                          inclusive=False) == 0.0


def test_trajectory_length_counts_moves_not_turns() -> None:
    dist = geodesic(BENT)
    with_turns = [(1, 1), (1, 1), (1, 2), (1, 2), (1, 3)]
    assert trajectory_length(with_turns, dist) == 2.0


def test_spl_is_zero_for_a_failed_episode() -> None:
    dist = geodesic(BENT)
    assert spl(BENT_EXPERT[:-1], BENT_GOAL, dist) == 0.0


def test_spl_is_one_for_the_shortest_path() -> None:
    assert spl(BENT_EXPERT, BENT_GOAL, geodesic(BENT)) == 1.0


def test_spl_is_shortest_over_taken_length_for_a_longer_path() -> None:
    detour = [(1, 1), (1, 2), (1, 3), (1, 2), (1, 3), (2, 3), (3, 3), (3, 2), (3, 1)]
    dist = geodesic(BENT)
    assert trajectory_length(detour, dist) == 8.0
    assert spl(detour, BENT_GOAL, dist) == 6.0 / 8.0
    assert spl(detour, BENT_GOAL, dist, shortest=4.0) == 4.0 / 8.0


def test_spl_caps_at_one_when_the_path_is_shorter_than_the_given_shortest() -> None:
    assert spl(BENT_EXPERT, BENT_GOAL, geodesic(BENT), shortest=10.0) == 1.0


def test_spl_of_an_episode_starting_on_the_goal_without_moving_is_one() -> None:
    dist = geodesic(BENT)
    assert spl([(3, 1), (3, 1)], BENT_GOAL, dist) == 1.0
    assert spl([(3, 1), (3, 2), (3, 1)], BENT_GOAL, dist) == 0.0  # l = 0 < p


def test_spl_rejects_unreachable_or_negative_shortest_length() -> None:
    dist = geodesic(BENT)
    with pytest.raises(MetricError, match="shortest-path length is inf"):
        spl(BENT_EXPERT, BENT_GOAL, dist, shortest=math.inf)
    with pytest.raises(MetricError, match="shortest-path length is -1"):
        spl(BENT_EXPERT, BENT_GOAL, dist, shortest=-1.0)


def test_ndtw_in_a_bent_corridor_uses_walking_distance() -> None:
    # One point against [(1, 1), (3, 1)]: DTW = d((1,1),(1,1)) + d((1,1),(3,1)).
    assert dtw([(1, 1)], [(1, 1), (3, 1)], geodesic(BENT)) == 6.0
    assert dtw([(1, 1)], [(1, 1), (3, 1)], manhattan) == 2.0
    assert ndtw([(1, 1)], [(1, 1), (3, 1)], geodesic(BENT)) == pytest.approx(math.exp(-1.0))


def test_dtw_by_hand_on_a_three_by_two_table() -> None:
    # Costs d(p_i, r_j) (geodesic): p=(1,1): 0, 6; p=(1,2): 1, 5; p=(1,3): 2, 4.
    # D: row 1: 0, 6; row 2: 1, 5+0; row 3: 3, 4+min(5, 3, 1) = 5.
    assert dtw([(1, 1), (1, 2), (1, 3)], [(1, 1), (3, 1)], geodesic(BENT)) == 5.0


def test_episode_metrics_ignore_turns_in_place_for_dtw() -> None:
    dist = geodesic(BENT)
    with_turns = [BENT_EXPERT[0], *BENT_EXPERT]  # turned once before walking
    m = episode_metrics(with_turns, BENT_EXPERT, BENT_GOAL, dist)
    assert m["ndtw"] == m["sdtw"] == m["cls"] == m["spl"] == 1.0
    assert collapse_repeats([1, 1, 2, 1, 1]) == [1, 2, 1]


def test_episode_sdtw_uses_the_task_success_on_the_goal_set() -> None:
    dist = geodesic(BENT)
    goal = {(3, 1), (3, 2)}
    short = BENT_EXPERT[:-1]  # stops on (3, 2), a goal cell, not the reference's end
    m = episode_metrics(short, BENT_EXPERT, goal, dist)
    assert m["sr"] == 1.0
    assert m["sdtw"] == m["ndtw"] == pytest.approx(math.exp(-1.0 / (7 * 3.0)))
    assert sdtw(short, BENT_EXPERT, dist, threshold=0.0) == 0.0  # r4r: vs R[-1] only


# ------------------------------------------------------------------ degenerate inputs
@pytest.mark.parametrize(
    "call",
    [
        lambda: navigation_error([], {(1, 1)}, manhattan),
        lambda: success([], {(1, 1)}, manhattan),
        lambda: oracle_success([], {(1, 1)}, manhattan),
        lambda: trajectory_length([], manhattan),
        lambda: spl([], {(1, 1)}, manhattan),
        lambda: dtw([], [(1, 1)], manhattan),
        lambda: ndtw([(1, 1)], [], manhattan),
        lambda: sdtw([(1, 1)], [], manhattan),
        lambda: cls([], [(1, 1)], manhattan),
        lambda: cls([(1, 1)], [], manhattan),
        lambda: episode_metrics([], [(1, 1)], {(1, 1)}, manhattan),
    ],
)
def test_empty_paths_raise_metric_error(call: Callable[[], object]) -> None:
    with pytest.raises(MetricError, match="empty"):
        call()


def test_metric_error_is_a_vln_error_and_a_value_error() -> None:
    assert issubclass(MetricError, VLNError) and issubclass(MetricError, ValueError)


def test_empty_goal_and_bad_thresholds_raise() -> None:
    with pytest.raises(MetricError, match="goal is empty"):
        success([(1, 1)], set(), manhattan)
    with pytest.raises(MetricError, match="threshold is -1"):
        success([(1, 1)], {(1, 1)}, manhattan, threshold=-1.0)
    with pytest.raises(MetricError, match="d_th is 0"):
        ndtw([(1, 1)], [(1, 1)], manhattan, d_th=0.0)
    with pytest.raises(MetricError, match="d_th is -3"):
        cls([(1, 1)], [(1, 1)], manhattan, d_th=-3.0)


def test_cls_with_a_zero_length_reference() -> None:
    # EPL = PL(P) = 0: LS is 1 (the formula's limit); a prediction that moves gets LS 0.
    assert cls([(0, 0)], [(0, 0)], manhattan) == 1.0
    assert cls([(0, 0), (0, 0)], [(0, 0)], manhattan) == 1.0
    assert cls([(0, 0), (0, 1)], [(0, 0)], manhattan) == 0.0


def test_unreachable_points_give_zero_fidelity_and_infinite_error() -> None:
    def dist(a: str, b: str) -> float:
        return 0.0 if a == b else math.inf

    assert navigation_error(["a"], {"b"}, dist) == math.inf
    assert ndtw(["a"], ["b"], dist) == 0.0
    assert cls(["a"], ["b"], dist) == 0.0


# ------------------------------------------------------------------ second implementations
def dtw_by_recursion(p: list, r: list, dist: Distance) -> float:
    """DTW straight from its recursion, memoised (Ilharco et al. 2019, eq. 1)."""

    @cache
    def d(i: int, j: int) -> float:
        if i == 0 and j == 0:
            return 0.0
        if i == 0 or j == 0:
            return math.inf
        return dist(p[i - 1], r[j - 1]) + min(d(i - 1, j), d(i, j - 1), d(i - 1, j - 1))

    return d(len(p), len(r))


def cls_by_formula(p: list, r: list, dist: Distance, d_th: float = 3.0) -> float:
    """CLS from Jain et al. 2019 eqs. with numpy arrays."""
    table = np.array([[dist(a, b) for a in p] for b in r])  # (|R|, |P|)
    pc = np.exp(-table.min(axis=1) / d_th).mean()
    pl_p = sum(dist(a, b) for a, b in pairwise(p))
    pl_r = sum(dist(a, b) for a, b in pairwise(r))
    epl = pc * pl_r
    if epl == pl_p:
        return float(pc)
    return float(pc * epl / (epl + abs(epl - pl_p)))


def walk(house: House, start: tuple[int, int], moves: list[int]) -> list[tuple[int, int]]:
    """Cells visited by moves (0-3 a heading, 4 stay); blocked moves stay in place."""
    walkable = house.traversable_mask()
    path = [start]
    for move in moves:
        r, c = path[-1]
        if move < 4:
            dr, dc = DIRECTIONS[move]
            if walkable[r + dr, c + dc]:
                r, c = r + dr, c + dc
        path.append((r, c))
    return path


DOORS_FW = floyd_warshall(DOORS.structure)
DOORS_DIST = geodesic(DOORS)
moves = st.lists(st.integers(0, 4), min_size=0, max_size=14)


@settings(max_examples=150, deadline=None)
@given(moves, moves, st.sampled_from([1.0, 2.0, 3.0]))
def test_metrics_agree_with_second_implementations_on_random_walks(
    a: list[int], b: list[int], d_th: float
) -> None:
    p, r = walk(DOORS, (1, 1), a), walk(DOORS, (1, 1), b)

    def fw(x: tuple[int, int], y: tuple[int, int]) -> float:
        return DOORS_FW[x, y]

    assert dtw(p, r, DOORS_DIST) == dtw_by_recursion(p, r, fw)
    assert ndtw(p, r, DOORS_DIST, d_th=d_th) == pytest.approx(
        math.exp(-dtw_by_recursion(p, r, fw) / (len(r) * d_th)), rel=1e-12)
    assert cls(p, r, DOORS_DIST, d_th=d_th) == pytest.approx(
        cls_by_formula(p, r, fw, d_th), rel=1e-12)
    assert path_coverage(p, p, DOORS_DIST) == 1.0
    assert cls(p, p, DOORS_DIST) == 1.0
    assert 0.0 < ndtw(p, r, DOORS_DIST) <= 1.0
    assert 0.0 <= cls(p, r, DOORS_DIST) <= 1.0
    goal = {r[-1]}
    shortest = fw(p[0], r[-1])
    s = float(fw(p[-1], r[-1]) == 0.0)
    taken = sum(fw(x, y) for x, y in pairwise(p))
    expected_spl = 0.0 if s == 0 else (1.0 if taken == shortest == 0 else
                                       shortest / max(taken, shortest))
    assert spl(p, goal, DOORS_DIST) == expected_spl
    assert oracle_success(p, goal, DOORS_DIST) == float(r[-1] in p)
