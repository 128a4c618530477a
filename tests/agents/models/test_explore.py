"""The explore memory (``agents.models.explore``): the frontier planner worked out by hand
on small maps, and a model that carries the map in its state (step by step equals a
sequence; an episode start forgets it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence

from agents.models import (
    CELL_CLASSES,
    CellConfig,
    ExploreConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
)
from agents.models.explore import (
    FAR,
    OPEN_BASES,
    frontier_distances,
    frontier_read,
    frontier_sources,
    goal_sources,
    home_sources,
    open_scores,
    passable_cells,
    passable_graph,
    path_lengths,
    path_lengths_dense,
)
from agents.models.memory import map_index
from agents.models.step import StepContext
from vlnenv.render.codes import WALL

R = 2  # 5 x 5 maps, the start at (2, 2)
M = 2 * R + 1

# 0 never seen, 1 a seen wall, 2 a seen floor. Row 2 is a corridor walled at its west
# end whose east end (2, 4) has not been seen: (2, 3) is the only frontier.
CORRIDOR = [[1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1],
            [1, 2, 2, 2, 0],
            [1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1]]


def _maps(*grids: list[list[float]]) -> torch.Tensor:
    return torch.tensor(grids, dtype=torch.float32).view(len(grids), M * M)


def _read(grid: list[list[float]], gps: tuple[int, int], heading: int) -> tuple[int, int]:
    maps = _maps(grid)
    w, d = frontier_read(maps, frontier_distances(maps, R), torch.tensor([gps]),
                         torch.tensor([heading]), R)
    return int(w), int(d)


def test_open_scores_are_the_cell_heads_probability_of_a_floor_or_door():
    logits = torch.full((3, sum(CELL_CLASSES)), -30.0)
    logits[0, OPEN_BASES[-1]] = 30.0  # a floor
    logits[1, WALL] = 30.0
    logits[2, :CELL_CLASSES[0]] = 0.0  # flat: the open bases' share
    scores = open_scores(logits)
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == pytest.approx(0.0, abs=1e-6)
    assert scores[2] == pytest.approx(len(OPEN_BASES) / CELL_CLASSES[0])


def test_the_distances_count_steps_along_the_corridor_to_its_unseen_end():
    dist = frontier_distances(_maps(CORRIDOR), R)[0]
    assert dist[2].tolist() == [FAR, 2.0, 1.0, 0.0, FAR]  # a wall, 2, 1, the frontier, unseen
    assert bool((dist[[0, 1, 3, 4]] == FAR).all())  # walls are not passable


def _bfs_lengths(passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """The reference: a queue-based breadth-first search from every passable source."""
    dist = np.full(passable.shape, FAR, np.float32)
    queue = [(int(r), int(c)) for r, c in zip(*np.nonzero(passable & sources), strict=True)]
    for r, c in queue:
        dist[r, c] = 0.0
    for r, c in queue:  # grows while read: a FIFO queue
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if (0 <= nr < passable.shape[0] and 0 <= nc < passable.shape[1]
                    and passable[nr, nc] and dist[nr, nc] == FAR):
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


def test_the_path_lengths_are_a_breadth_first_searchs_on_random_maps():
    rng = np.random.default_rng(0)
    passable = rng.random((12, 9, 9)) < 0.65
    sources = rng.random((12, 9, 9)) < 0.05
    dist = path_lengths(torch.from_numpy(passable), torch.from_numpy(sources))
    assert dist.dtype == torch.float32
    for n in range(12):
        assert np.array_equal(dist[n].numpy(), _bfs_lengths(passable[n], sources[n]))


@pytest.mark.parametrize("density", [0.0, 0.02, 0.3, 0.65, 1.0])
def test_the_graph_search_equals_the_search_over_every_cell(density):
    rng = np.random.default_rng(int(density * 100))
    passable = torch.from_numpy(rng.random((7, 11, 11)) < density)
    sources = torch.from_numpy(rng.random((7, 11, 11)) < 0.03)
    want = path_lengths_dense(passable, sources)
    assert torch.equal(path_lengths(passable, sources), want)
    for n in range(7):  # and the numpy breadth-first search's
        assert np.array_equal(want[n].numpy(), _bfs_lengths(passable[n].numpy(),
                                                            sources[n].numpy()))


def test_no_path_runs_across_a_maps_edge_into_the_next_row_or_map():
    passable = torch.zeros(2, 3, 3, dtype=torch.bool)
    passable[0, 0, 2] = passable[0, 1, 0] = True  # row ends, next row starts: not beside
    passable[0, 2, 1] = passable[1, 0, 1] = True  # map 0's last row, map 1's first
    sources = passable.clone()
    sources[0, 1, 0] = sources[1, 0, 1] = False
    cells, nbrs = passable_graph(passable)
    assert cells.tolist() == [2, 3, 7, 10]
    assert bool((nbrs == len(cells)).all())  # four lone cells
    dist = path_lengths(passable, sources)
    assert dist[0, 1, 0].item() == FAR and dist[1, 0, 1].item() == FAR


def test_a_map_with_nothing_passable_is_far_everywhere():
    passable = torch.zeros(3, 5, 5, dtype=torch.bool)
    assert bool((path_lengths(passable, ~passable) == FAR).all())
    assert path_lengths(passable[:0], passable[:0]).shape == (0, 5, 5)


def test_a_fully_seen_room_has_no_frontier():
    closed = [row[:] for row in CORRIDOR]
    closed[2][4] = 1  # the east end seen: a wall
    dist = frontier_distances(_maps(closed), R)[0]
    assert bool((dist == FAR).all())
    assert _read(closed, (0, 0), 0) == (0, 2 * R + 1)


def test_a_half_open_cell_is_not_passable_and_the_map_edge_counts_as_unseen():
    grid = [[1.0] * 5 for _ in range(5)]
    grid[2] = [2.0, 1.4, 2.0, 2.0, 1.0]  # (2, 1) p_open 0.4: a wall; (2, 0) on the map's edge
    dist = frontier_distances(_maps(grid), R)[0]
    assert dist[2].tolist() == [0.0, FAR, FAR, FAR, FAR]


@pytest.mark.parametrize(("heading", "bits"), [(0, 1), (1, 8), (2, 4), (3, 2)])
def test_the_way_to_the_frontier_is_read_in_the_agents_frame(heading, bits):
    # from the start (2, 2) the frontier (2, 3) is east: ahead (bit 0) facing east
    # (heading 0), left (bit 3) facing south, behind (bit 2) facing west, right (bit 1)
    # facing north
    assert _read(CORRIDOR, (0, 0), heading) == (bits, 1)


def test_on_the_frontier_the_unseen_neighbour_is_the_way():
    assert _read(CORRIDOR, (0, 1), 3) == (2, 0)  # facing north on (2, 3): (2, 4) is right
    assert _read(CORRIDOR, (0, 1), 0) == (1, 0)  # facing east: straight ahead


def test_an_agent_beyond_the_map_reads_no_way():
    assert _read(CORRIDOR, (5, 5), 0) == (0, 2 * R + 1)


# A room seen whole: 3 x 3 floor inside walls, split by a wall at (1, 2) and (2, 2)
# into west and east halves that join through row 3.
ROOM = [[1, 1, 1, 1, 1],
        [1, 2, 1, 2, 1],
        [1, 2, 1, 2, 1],
        [1, 2, 2, 2, 1],
        [1, 1, 1, 1, 1]]


def _goal_map(cell: tuple[int, int], score: float) -> torch.Tensor:
    goal = torch.zeros(1, M * M)
    goal[0, cell[0] * M + cell[1]] = score
    goal[0, 0] = 0.3  # a weaker cell elsewhere
    return goal


def test_the_goal_sources_are_the_sure_best_cell_and_its_neighbours():
    sources = goal_sources(_goal_map((1, 3), 0.9), R)[0]
    assert sorted(map(tuple, sources.nonzero().tolist())) == [(0, 3), (1, 2), (1, 3), (1, 4),
                                                              (2, 3)]
    assert not goal_sources(_goal_map((1, 3), 0.4), R).any()  # not sure: no goal


def test_the_way_to_the_goal_goes_around_the_wall():
    maps = _maps(ROOM)
    way = path_lengths(passable_cells(maps, R), goal_sources(_goal_map((1, 3), 0.9), R))[0]
    # from (1, 1), two cells west of the goal across the wall: down, across, up to (2, 3)
    assert way[1, 1].item() == 5.0  # (2, 1) (3, 1) (3, 2) (3, 3) (2, 3), beside the goal
    assert way[2, 3].item() == 0.0 and way[1, 3].item() == 0.0  # beside it / on it
    assert way[1, 2].item() == FAR  # the wall itself, though beside the goal
    # the read-out from the agent at (1, 1) (gps (-1, -1)) facing east: of the wall ahead,
    # the floor to the right (south) and the walls behind and left, only south leads closer
    w, d = frontier_read(maps, way[None], torch.tensor([[-1, -1]]), torch.tensor([0]), R,
                         unseen=FAR)
    assert (int(w), int(d)) == (2, 2 * R)  # right (bit 1); 5 clipped to 2R


def test_an_unseen_neighbour_is_no_way_to_the_goal():
    grid = [row[:] for row in ROOM]
    grid[3][2] = 0  # the passage unseen: no known way across
    maps = _maps(grid)
    way = path_lengths(passable_cells(maps, R), goal_sources(_goal_map((1, 3), 0.9), R))
    w, d = frontier_read(maps, way, torch.tensor([[-1, -1]]), torch.tensor([0]), R, unseen=FAR)
    assert (int(w), int(d)) == (0, 2 * R + 1)


# A start cell (2, 2) with walls west and east of it: from (1, 1), north-west of the start,
# the way home goes east along row 1 first, then south.
HOME = [[1, 1, 1, 1, 1],
        [1, 2, 2, 2, 1],
        [1, 1, 2, 1, 1],
        [1, 2, 2, 2, 1],
        [1, 1, 1, 1, 1]]


def test_the_way_home_goes_around_the_wall_to_the_start():
    maps = _maps(HOME)
    home = home_sources(1, R)
    assert sorted(map(tuple, home[0].nonzero().tolist())) == [(R, R)]
    way = path_lengths(passable_cells(maps, R) | home, home)[0]
    assert way[2, 2].item() == 0.0 and way[1, 1].item() == 2.0 and way[3, 3].item() == 2.0
    assert way[2, 1].item() == FAR  # the wall beside the start
    # the agent at (1, 1) (gps (-1, -1)) facing south: a wall ahead (the straight way home),
    # walls to its right (west) and behind (north); only the floor to its left (east) leads
    # closer
    w, d = frontier_read(maps, way[None], torch.tensor([[-1, -1]]), torch.tensor([1]), R,
                         unseen=FAR)
    assert (int(w), int(d)) == (8, 2)  # left (bit 3); two steps home


def test_the_start_cell_is_a_way_home_even_if_never_taken_for_floor():
    maps = _maps(ROOM)  # the start (2, 2) is the wall between two corridors in ROOM
    home = home_sources(1, R)
    assert path_lengths(passable_cells(maps, R), home)[0, 2, 3].item() == FAR  # no source
    way = path_lengths(passable_cells(maps, R) | home, home)[0]
    assert way[2, 3].item() == 1.0


def test_explore_memory_needs_the_goal_memory_and_the_cell_head():
    base = dict(fusion="film", gps=GpsConfig(), goal=GoalConfig(), memory=MemoryConfig())
    with pytest.raises(ModelError, match=r"explore needs memory, cells \(missing: cells\)"):
        ModelConfig(**base, explore=ExploreConfig())
    with pytest.raises(ModelError, match=r"explore needs memory, cells \(missing: memory\)"):
        ModelConfig(fusion="film", gps=GpsConfig(), goal=GoalConfig(), cells=CellConfig(),
                    explore=ExploreConfig())


def _model(match: bool = False, goal_path: bool = False,
           home_path: bool = False) -> MultimodalTransformer:
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1, fusion="film",
                         gps=GpsConfig(range=4), goal=GoalConfig(), cells=CellConfig(),
                         memory=MemoryConfig(),
                         explore=ExploreConfig(goal_path=goal_path, home_path=home_path),
                         match=MatchConfig() if match else None)
    return MultimodalTransformer(config, seed=1).eval()


def _obs(n: int) -> dict:
    rng = np.random.default_rng(0)
    return {"image": rng.integers(0, 255, (n, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, n), "carrying": np.zeros(n, np.int64),
            "gps": rng.integers(-2, 3, (n, 2)), "instruction": ["go to the red ball"] * n}


def test_the_state_carries_the_explore_map_after_the_goal_map():
    model = _model()
    state = model.initial_state(2)
    assert (state.hidden.shape, state.goal_map.shape, state.explore_map.shape) == (
        (2, 32), (2, 81), (2, 81))
    with torch.no_grad():
        out = model(_obs(2))
    explore_map = out.state.explore_map  # (2, 81): 0 unseen, 1 + p_open seen
    obs = _obs(2)
    index = map_index(torch.ones(2, 49, dtype=torch.bool), torch.as_tensor(obs["gps"]),
                      torch.as_tensor(obs["direction"]), 4)  # every cell of a random view is lit
    stored = explore_map[explore_map > 0]
    assert stored.numel() == int((index < 81).sum())  # those on the map
    assert bool(((stored >= 1) & (stored <= 2)).all())


@pytest.mark.parametrize(("match", "goal_path", "home_path"), [
    (False, False, False), (True, False, False), (True, True, False), (False, False, True),
    (True, True, True)])
def test_a_sequence_with_the_explore_memory_equals_the_steps_one_by_one(match, goal_path,
                                                                       home_path):
    done = np.zeros((1, 4), bool)
    done[0, 0] = done[0, 2] = True  # a second episode starts at step 2
    assert_steps_match_sequence(_model(match, goal_path, home_path), _obs(4), done)


def _home_logits(model: MultimodalTransformer, carrying: int) -> torch.Tensor:
    """The logits one cell south of the start, every cell seen and floor (home one step
    north), with ``carrying`` held."""
    obs = {**_obs(1), "gps": np.array([[1, 0]]), "carrying": np.array([carrying])}
    with torch.no_grad():
        state = model.initial_state(1)
        state.explore_map[0] = 2.0
        return model(obs, state).logits


def test_the_way_home_is_read_while_an_object_is_held_and_only_then():
    model, blind = _model(home_path=True), _model(home_path=True)
    with torch.no_grad():
        for name in ("home_w_emb", "home_d_emb"):  # the same model, its way home read as 0
            getattr(blind.explore, name).weight.zero_()
    assert not torch.allclose(_home_logits(model, 3), _home_logits(blind, 3))
    assert torch.equal(_home_logits(model, 0), _home_logits(blind, 0))


def test_explore_step_with_the_way_home_needs_the_carrying_observation():
    model = _model(home_path=True)
    context = StepContext(torch.zeros(1, 1, 56, 56, 3), torch.zeros(1, 1, dtype=torch.long),
                          torch.zeros(1, 1, 2, dtype=torch.long), cells=torch.zeros(1, 1, 49, 4),
                          places=torch.zeros(1, 1, 49, dtype=torch.long),
                          last_writes=torch.zeros(1, 1, 81))
    with pytest.raises(ModelError, match="home_path needs the carrying"):
        model.explore.step(context, model.initial_state(1))


def test_a_sure_remembered_goal_changes_the_action_through_its_way():
    model = _model(goal_path=True)
    obs = _obs(1)
    with torch.no_grad():
        state = model.initial_state(1)
        state.explore_map[0] = 2.0  # every cell seen, floor
        state.goal_map[0, 0] = 0.1  # a goal cell remembered, not sure
        unsure = model(obs, state).logits
        state.goal_map[0, 0] = 0.99  # now sure: a way to it is read out
        sure = model(obs, state).logits
    assert not torch.allclose(unsure, sure)


def test_what_was_explored_changes_the_action():
    model = _model()
    obs = _obs(1)
    with torch.no_grad():
        fresh = model(obs).logits
        explored = model.initial_state(1)
        explored.explore_map[0] = 1.0  # every cell seen, a wall: the cell behind the agent
        # (out of view) is a wall now, not unseen ground
        assert not torch.allclose(fresh, model(obs, explored).logits)


def test_the_explore_step_without_the_cells_and_places_is_an_error():
    model = _model(goal_path=True)
    context = StepContext(torch.zeros(1, 1, 56, 56, 3), torch.zeros(1, 1, dtype=torch.long),
                          torch.zeros(1, 1, 2, dtype=torch.long))
    with pytest.raises(ModelError, match="needs the cell logits and the places"):
        model.explore.step(context, model.initial_state(1))


def test_the_planners_frontier_is_the_explorers_on_the_same_memory():
    """Twin check: ``frontier_sources`` and ``passable_cells`` of an explore map written
    from :class:`vlnenv.expert.Explorer`'s memory (seen cells, ``1 + [standable]``) mark
    the seen standable cells beside an unseen one, and every cell of the explorer's own
    frontier (unseen cells beside a seen standable one) touches one of them."""
    from helpers import two_rooms_house

    from vlnenv.expert import Explorer, Goal
    from vlnenv.expert.oracle import standable_mask

    house = two_rooms_house()
    H, W = house.structure.shape
    start = tuple(int(x) for x in np.argwhere(standable_mask(house.structure))[0])
    explorer = Explorer(house, Goal.stand([start]))
    for heading in (0, 1):
        explorer.observe((*start, heading), house.structure)
    walk = standable_mask(explorer.known) & explorer.seen  # (H, W)
    radius = max(H, W)
    maps = torch.zeros(1, 2 * radius + 1, 2 * radius + 1)
    rows = slice(radius - start[0], radius - start[0] + H)
    cols = slice(radius - start[1], radius - start[1] + W)
    maps[0, rows, cols] = torch.from_numpy(explorer.seen * (1.0 + walk))
    flat = maps.view(1, -1)
    ours = (passable_cells(flat, radius) & frontier_sources(flat, radius))[0, rows, cols]
    unseen = np.pad(~explorer.seen, 1, constant_values=True)
    beside_unseen = unseen[:-2, 1:-1] | unseen[2:, 1:-1] | unseen[1:-1, :-2] | unseen[1:-1, 2:]
    assert ours.numpy().tolist() == (walk & beside_unseen).tolist()
    assert explorer.frontier()
    for r, c in explorer.frontier():
        assert any(0 <= r + dr < H and 0 <= c + dc < W and bool(ours[r + dr, c + dc])
                   for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)))
