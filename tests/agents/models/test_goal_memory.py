"""The goal memory (``agents.models.memory``): the map's write and read worked out by
hand, and a model that carries it in its state (step by step equals a sequence; an
episode start forgets it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence

from agents.models import (
    GoalConfig,
    GpsConfig,
    MemoryConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
)
from agents.models.memory import (
    SCORE_BINS,
    goal_maps,
    last_writes,
    map_index,
    memory_distance,
    read_goal_map,
    write_goal_map,
)

R = 2  # a 5 x 5 map, the start at (2, 2)
M = 2 * R + 1


def _write(scores: list[float], seen: list[bool], gps: tuple[int, int], heading: int,
           goal_map: torch.Tensor | None = None) -> torch.Tensor:
    goal_map = torch.zeros(1, M * M) if goal_map is None else goal_map
    return write_goal_map(goal_map, torch.tensor([scores]), torch.tensor([seen]),
                          torch.tensor([gps]), torch.tensor([heading]), R)


def test_a_seen_view_cell_lands_at_its_place_around_the_start():
    # a 3 x 3 view facing north (heading 3) from the start: view cell (0, 1) is 2 ahead,
    # world offset (-2, 0) -> map cell (0, 2); view cell (1, 0) is 1 ahead and 1 to the
    # left, (-1, -1) -> map cell (1, 1)
    scores = [0.0, 0.9, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0]
    seen = [True] * 9
    out = _write(scores, seen, (0, 0), 3).view(M, M)
    assert float(out[0, 2]) == pytest.approx(0.9)
    assert float(out[1, 1]) == pytest.approx(0.4)
    assert int((out > 0).sum()) == 2


def test_unseen_and_out_of_range_cells_are_not_written():
    scores = [0.5] * 9
    seen = [True] * 9
    seen[4] = False  # view cell (1, 1): 1 ahead
    # facing north from (-1, 0): the view's far row is at row -3, outside the 5 x 5 map
    out = _write(scores, seen, (-1, 0), 3).view(M, M)
    assert float(out[0, 2]) == 0.0  # (-2, 0): the unseen cell 1 ahead
    assert out[0].tolist() == [0.0, 0.5, 0.0, 0.5, 0.0]  # row -2: view cells (1, 0), (1, 2)
    assert out[1].tolist() == [0.0, 0.5, 0.5, 0.5, 0.0]  # the agent's row: (2, 0..2)
    assert int((out > 0).sum()) == 5


def test_a_new_sight_overwrites_the_stored_score():
    first = _write([0.0, 0.9] + [0.0] * 7, [True] * 9, (0, 0), 3)
    again = _write([0.0, 0.2] + [0.0] * 7, [True] * 9, (0, 0), 3, first)
    assert float(again.view(M, M)[0, 2]) == pytest.approx(0.2)


def test_the_best_cell_is_read_in_the_agents_frame():
    goal_map = torch.zeros(1, M * M)
    goal_map[0, 4 * M + 1] = 0.9  # map cell (4, 1): offset (2, -1) from the start
    goal_map[0, 0] = 0.3
    # the agent at the start facing east (fwd (0, 1), right (1, 0)): 1 behind, 2 right
    f, r, s = read_goal_map(goal_map, torch.tensor([[0, 0]]), torch.tensor([0]), R)
    assert (int(f) - R, int(r) - R, int(s)) == (-1, 2, int(0.9 * SCORE_BINS))
    # from (2, -1) itself facing north: the target is here
    f, r, s = read_goal_map(goal_map, torch.tensor([[2, -1]]), torch.tensor([3]), R)
    assert (int(f) - R, int(r) - R) == (0, 0)
    # from (-2, -1) facing south (fwd (1, 0), right (0, -1)): 4 ahead, clipped to 2
    f, r, s = read_goal_map(goal_map, torch.tensor([[-2, -1]]), torch.tensor([1]), R)
    assert (int(f) - R, int(r) - R) == (2, 0)
    _, _, s = read_goal_map(torch.zeros(1, M * M), torch.tensor([[0, 0]]), torch.tensor([0]), R)
    assert int(s) == 0  # nothing remembered
    full = torch.ones(1, M * M)
    assert int(read_goal_map(full, torch.tensor([[0, 0]]), torch.tensor([0]), R)[2]) == (
        SCORE_BINS - 1)


def test_the_distance_read_out_counts_cells_to_the_remembered_target():
    goal_map = torch.zeros(1, M * M)
    goal_map[0, 4 * M + 1] = 0.9  # offset (2, -1) from the start, as above
    cases = [((0, 0), 0, 3),    # 1 behind, 2 right
             ((2, 0), 3, 1),    # beside it, to the west: one cell
             ((1, 0), 3, 2),    # diagonal: two cells (not beside it)
             ((2, -1), 3, 0),   # on it
             ((-2, 2), 3, 4)]   # 4 rows and 3 columns away, clipped to 2 R = 4
    for gps, heading, expected in cases:
        f, r, _ = read_goal_map(goal_map, torch.tensor([gps]), torch.tensor([heading]), R)
        assert int(memory_distance(f, r, R)) == expected, (gps, heading)


def test_goal_memory_needs_the_goal_head_and_gps():
    with pytest.raises(ModelError, match=r"memory needs goal, gps, recurrent \(missing: gps\)"):
        ModelConfig(fusion="film", goal=GoalConfig(), memory=MemoryConfig())
    with pytest.raises(ModelError, match=r"memory needs goal, gps, recurrent \(missing: goal\)"):
        ModelConfig(fusion="film", gps=GpsConfig(), memory=MemoryConfig())


def _model(distance: bool = False) -> MultimodalTransformer:
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1, fusion="film",
                         gps=GpsConfig(range=4), goal=GoalConfig(),
                         memory=MemoryConfig(distance=distance))
    return MultimodalTransformer(config, seed=1).eval()


def _obs(n: int) -> dict:
    rng = np.random.default_rng(0)
    return {"image": rng.integers(0, 255, (n, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, n), "carrying": np.zeros(n, np.int64),
            "gps": rng.integers(-2, 3, (n, 2)), "instruction": ["go to the red ball"] * n}


def test_the_state_carries_the_map_after_the_state_token():
    model = _model()
    start = model.initial_state(3)
    assert (tuple(start.hidden.shape), tuple(start.goal_map.shape)) == ((3, 32), (3, 9 * 9))
    assert start.explore_map is None
    with torch.no_grad():
        out = model(_obs(2))
    assert (tuple(out.state.hidden.shape), tuple(out.state.goal_map.shape)) == ((2, 32), (2, 81))
    goal_map = out.state.goal_map  # every cell of a random view is lit, so 49 are stored
    assert bool((goal_map > 0).any()) and float(goal_map.max()) <= 1.0


@pytest.mark.parametrize("distance", [False, True])
def test_a_sequence_with_memory_equals_the_steps_one_by_one_and_forgets_at_a_start(distance):
    done = np.zeros((1, 4), bool)
    done[0, 0] = done[0, 2] = True  # a second episode starts at step 2
    assert_steps_match_sequence(_model(distance), _obs(4), done)


def test_what_is_remembered_changes_the_action():
    model = _model()
    obs = _obs(1)
    with torch.no_grad():
        fresh = model(obs).logits
        remembered = model.initial_state(1)
        remembered.goal_map[0, 3] = 1.0  # a sure target remembered at map cell (0, 3)
        assert not torch.allclose(fresh, model(obs, remembered).logits)


def test_the_maps_of_a_sequence_equal_step_by_step_writes_with_episode_starts():
    gen = torch.Generator().manual_seed(0)
    B, T, P = 3, 6, 9
    scores = torch.rand(B, T, P, generator=gen)
    seen = torch.rand(B, T, P, generator=gen) > 0.3
    gps = torch.randint(-3, 4, (B, T, 2), generator=gen)
    direction = torch.randint(0, 4, (B, T), generator=gen)
    done = torch.rand(B, T, generator=gen) > 0.7
    before = torch.rand(B, M * M, generator=gen)  # carried in from an earlier chunk
    maps = goal_maps(before, scores, map_index(seen, gps, direction, R), done)
    goal_map = before
    for t in range(T):
        goal_map = goal_map.masked_fill(done[:, t, None], 0.0)
        goal_map = write_goal_map(goal_map, scores[:, t], seen[:, t], gps[:, t],
                                  direction[:, t], R)
        torch.testing.assert_close(maps[:, t], goal_map)
        for got, want in zip(read_goal_map(maps[:, t], gps[:, t], direction[:, t], R),
                             read_goal_map(goal_map, gps[:, t], direction[:, t], R),
                             strict=True):
            assert torch.equal(got, want)


def test_the_last_writes_are_a_running_maximum_of_stamps_reset_at_episode_starts():
    # two maps of 3 cells, 4 steps; place 3 is "not stored"
    index = torch.tensor([[[0, 3], [1, 3], [0, 3], [3, 3]],
                          [[2, 2], [3, 3], [1, 3], [3, 3]]])  # (B, T, P)
    done = torch.tensor([[False, False, False, True], [False, False, True, False]])
    last = last_writes(index, done, 3)
    assert last.tolist() == [[[0, -1, -1], [0, 1, -1], [2, 1, -1], [3, 3, 3]],
                             [[-1, -1, 0], [-1, -1, 0], [2, 2, 2], [2, 2, 2]]]
    assert last_writes(index, None, 3)[1].tolist() == [[-1, -1, 0], [-1, -1, 0],
                                                         [-1, 2, 0], [-1, 2, 0]]


def test_a_memory_model_returns_every_layers_attention():
    model = _model()
    with torch.no_grad():
        out = model(_obs(2), return_attention=True)
        plain = model(_obs(2))
    assert sorted(out.attention) == ["fusion.0", "fusion.1", "text.0", "vision.0"]
    assert tuple(out.attention["fusion.1"].shape[:3]) == (2, 2, 1)  # the state token's read
    torch.testing.assert_close(out.logits, plain.logits)
    assert plain.attention == {}
