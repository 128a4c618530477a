"""The ``far`` part (``agents.models.far_offsets``, ``agents.models.map_grid``): offsets
beyond ``gps.range`` told apart in log-spaced buckets, and memory maps that grow with what
was seen, so a house bigger than ``2 R`` a side keeps what was seen at its far end; the
planner finds a far frontier; step by step equals a sequence while the maps grow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence, synthetic_walk

from agents.models import (
    FarConfig,
    GpsConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
    RecurrentState,
)
from agents.models.explore import frontier_distances, frontier_read
from agents.models.far_offsets import distance_index, far_buckets, offset_index
from agents.models.map_grid import GROW_BLOCK, embed_maps, grown_radius, map_radius
from agents.models.memory import GoalMemory, goal_offset, read_goal_map, view_places
from agents.models.step import StepContext
from agents.train.config import resolve_config

R = 16  # the quickstart's gps.range
EXTRA = far_buckets(R, 256)  # 16 buckets beyond R: 4 per doubling, 16 -> 256


def test_far_offsets_are_exact_up_to_the_range_then_log_spaced_by_hand():
    assert EXTRA == 16 and far_buckets(R, R) == 0 and far_buckets(R, 40) == 6
    d = torch.tensor([0, 5, 16, 17, 20, 32, 40, 64, 128, 256, 10_000])
    assert distance_index(d, R, EXTRA).tolist() == [0, 5, 16, 17, 18, 20, 22, 24, 28, 32, 32]
    assert distance_index(d, R, 0).tolist() == [0, 5, 16, 16, 16, 16, 16, 16, 16, 16, 16]
    x = torch.tensor([-40, -20, -3, 0, 3, 20, 40])
    assert offset_index(x, R, EXTRA).tolist() == [10, 14, 29, 32, 35, 50, 54]
    assert offset_index(x, R, 0).tolist() == [0, 0, 13, 16, 19, 32, 32]  # clipped: as before


def test_growing_keeps_every_stored_value_at_its_world_place():
    maps = torch.arange(1.0, 1 + 2 * 25).view(2, 25)  # two 5 x 5 maps, radius 2
    grown = embed_maps(maps, 6)  # (2, 13 * 13)
    assert map_radius(grown.shape[1]) == 6 and embed_maps(maps, 2) is maps
    for row in range(-2, 3):
        for col in range(-2, 3):
            assert torch.equal(grown[:, (row + 6) * 13 + col + 6], maps[:, (row + 2) * 5 + col + 2])
    assert float(grown.sum()) == float(maps.sum())  # the new cells hold 0
    with pytest.raises(ModelError, match="cannot shrink"):
        embed_maps(grown, 2)
    with pytest.raises(ModelError, match="not \\(2 R \\+ 1\\)\\^2"):
        map_radius(24)


def test_the_grid_grows_by_blocks_to_hold_every_seen_place_and_the_agent():
    places = torch.tensor([[[3, -41], [60, 0]]])  # (1, 2, 2): the second cell is not seen
    seen = torch.tensor([[True, False]])
    assert GROW_BLOCK == 8
    assert grown_radius(R, R, places, seen, torch.tensor([[0, 0]])) == 48  # 41 -> 16 + 4 * 8
    assert grown_radius(R, R, places[:, :0], seen[:, :0], torch.tensor([[2, -17]])) == 24
    assert grown_radius(56, R, places, seen, torch.tensor([[0, 0]])) == 56  # never shrinks
    assert grown_radius(R, R, places, ~seen | seen, torch.tensor([[0, 0]])) == 64


def _far_walk(memory: GoalMemory, config: ModelConfig, far_cell: int) -> tuple:
    """The goal map after a walk 45 cells east (facing east; at the far end one view cell,
    ``far_cell``, is surely the goal) and back to the start (facing west), in two chunks of
    10 steps; and that cell's place from the start."""
    cols = [*range(0, 46, 5), *range(45, -1, -5)]  # 20 steps
    gps = torch.tensor([[[0, c] for c in cols]])  # (1, 20, 2) (row, col) from the start
    direction = torch.tensor([[0] * 10 + [2] * 10])  # (1, 20) east, then west
    image = torch.ones(1, 20, 56, 56, 3, dtype=torch.uint8)  # every view cell seen
    goal = torch.full((1, 20, 49), -10.0)  # (1, T, 7*7) nothing sure...
    goal[0, 9, far_cell] = 10.0  # ...but one cell at the far end
    place = view_places(gps[0, 9], direction[0, 9], 49)[far_cell]  # (2,) from the start
    state = RecurrentState(torch.zeros(1, config.n_embd), torch.zeros(1, (2 * R + 1) ** 2))
    for chunk in (slice(0, 10), slice(10, 20)):  # the first one grows the map
        context = StepContext(image[:, chunk], direction[:, chunk], gps[:, chunk],
                              goal=goal[:, chunk])
        _, state, _ = memory.step(context, state)
    return state.goal_map, place


def test_the_memory_keeps_what_it_saw_at_the_far_end_of_a_house_bigger_than_2r():
    config = ModelConfig.preset("quickstart", far={})
    memory = GoalMemory(config)
    goal_map, place = _far_walk(memory, config, far_cell=3)  # the view's far row, middle
    assert place.tolist() == [0, 51]  # the view's far row, 6 ahead of (0, 45)
    assert map_radius(goal_map.shape[1]) == 56  # grown from 16 by blocks of 8 to hold 51
    home = torch.tensor([[0, 0]])  # back at the start, facing east
    f, r, best = goal_offset(goal_map, home, torch.tensor([0]), R)
    assert float(best) > 0.99 and (int(f), int(r)) == (int(place[1]), int(place[0]))
    far_f, _, _ = read_goal_map(goal_map, home, torch.tensor([0]), R, EXTRA)
    near_f = offset_index(torch.tensor([20]), R, EXTRA)  # a cell 20 ahead reads otherwise
    # bucket(51) = 16 + ceil(4 log2(51 / 16)) = 23, shifted by R + EXTRA = 32; 20 -> 18
    assert int(far_f) == 32 + 23 and int(near_f) == 32 + 18
    # a fixed map of the same model forgets it: the cell was never stored
    fixed = ModelConfig.preset("quickstart", far={"grow": False})
    fixed_map, _ = _far_walk(GoalMemory(fixed), fixed, far_cell=3)
    assert fixed_map.shape[1] == (2 * R + 1) ** 2 and float(fixed_map.max()) < 0.01


def test_the_planner_finds_a_frontier_35_cells_from_the_start_on_a_grown_map():
    radius = 40
    M = 2 * radius + 1
    grid = torch.ones(M, M)  # every cell seen, a wall (stored 1)...
    grid[radius, radius:radius + 36] = 2.0  # ...but a floor corridor east from the start
    grid[radius, radius + 36] = 0.0  # whose end, 36 cells east, was never seen
    maps = grid.view(1, M * M)
    dist = frontier_distances(maps, radius)[0]
    assert float(dist[radius, radius]) == 35.0  # the frontier is (0, 35)
    w, d = frontier_read(maps, dist[None], torch.tensor([[0, 0]]), torch.tensor([0]), radius,
                         limit=R, extra=EXTRA)
    assert int(w) == 1 and int(d) == distance_index(torch.tensor(35), 2 * R, EXTRA) == 33
    # the fixed map holds the corridor's first 16 cells: its edge reads as the frontier
    cut = grid[radius - R:radius + R + 1, radius - R:radius + R + 1].reshape(1, -1)
    assert float(frontier_distances(cut, R)[0, R, R]) == 16.0


def _model(**far) -> MultimodalTransformer:
    config = ModelConfig.preset("quickstart", n_embd=32, gps=GpsConfig(range=4),
                                far=FarConfig(reach=64, **far))
    return MultimodalTransformer(config, seed=3).eval()


def _walk(n: int) -> dict:
    """A synthetic walk whose gps leaves ``±4`` at the third step (random views)."""
    return synthetic_walk(n, "go to the red cup", seed=1)


def test_a_sequence_whose_maps_grow_equals_the_steps_one_by_one():
    model, obs = _model(), _walk(6)
    done = np.zeros((1, 6), bool)
    done[0, 0] = True
    assert_steps_match_sequence(model, obs, done)
    with torch.no_grad():
        state = model.forward_sequence({k: (v[None] if k != "instruction" else [v])
                                        for k, v in obs.items()}, None, done).state
    assert map_radius(state.goal_map.shape[1]) == map_radius(state.explore_map.shape[1]) == 20


def test_states_of_different_sizes_join_and_the_episode_start_forgets():
    model, obs = _model(), _walk(6)
    with torch.no_grad():
        small = model({k: v[:1] for k, v in obs.items()}).state  # radius 4
        big = model({k: v[5:] for k, v in obs.items()}).state  # radius 20: gps (12, -11)
    joined = RecurrentState.cat([small, big])
    assert joined.goal_map.shape == (2, 41 * 41) and joined.explore_map.shape == (2, 41 * 41)
    assert torch.equal(joined.goal_map[1], big.goal_map[0])
    assert float(joined.goal_map[0].sum()) == pytest.approx(float(small.goal_map.sum()))
    assert float(joined.reset(np.array([True, True])).goal_map.abs().sum()) == 0.0


def test_the_far_part_round_trips_through_dicts_overrides_and_saved_models(tmp_path):
    config = ModelConfig.preset("quickstart", far={"reach": 128, "grow": False})
    data = config.to_dict()
    assert data["far"] == {"reach": 128, "grow": False, "exact": 0}
    assert ModelConfig.from_dict(data) == config and ModelConfig.preset("quickstart").far is None
    older = {**data, "far": {"reach": 128, "grow": False}}  # saved before far.exact
    assert ModelConfig.from_dict(older) == config
    with pytest.raises(ModelError, match="far needs gps"):
        ModelConfig(far=FarConfig())
    train = resolve_config(None, ["model.preset=quickstart", "model.far.reach=128"])
    assert train.model.far == FarConfig(reach=128, grow=True)
    model = _model()
    model.save_pretrained(tmp_path / "m")
    back = MultimodalTransformer.from_pretrained(tmp_path / "m")
    assert back.config == model.config and back.config.far == FarConfig(reach=64)
    obs = _walk(4)
    with torch.no_grad():
        torch.testing.assert_close(back.forward_sequence(
            {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}, None,
            np.eye(1, 4, dtype=bool)).logits, model.forward_sequence(
            {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}, None,
            np.eye(1, 4, dtype=bool)).logits)
