"""The goal memory's cue (``agents.models.cue``, ``config.memory.cue``): the window maximum
and the weighing worked out by hand, the cue's chance per view cell from the two readers,
a memory that reads the twin room whose cue it saw, and a model that carries the cue map
(step by step equals a sequence, also while the maps grow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_steps_match_sequence, synthetic_walk

from agents.models import (
    FarConfig,
    GpsConfig,
    MemoryConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
)
from agents.models.cell_labels import CELL_CLASSES
from agents.models.cue import CUE_CLASSES, PLAIN, cue_scores, fill_cue, near_cue, weigh_goal
from agents.models.map_grid import map_radius
from agents.models.memory import GoalMemory, here_score, map_index, seen_cells
from agents.models.step import StepContext
from agents.train.losses import words_loss
from agents.train.sections import OptimConfig
from agents.train.trainer import check_loss_parts
from vlnenv.render.codes import N_BASE, floor_code
from vlnenv.world.rooms import RoomType


def _window_max(grid: np.ndarray, reach: int) -> np.ndarray:
    """The reference: each cell's maximum over the cells within ``reach`` (Chebyshev)."""
    M = grid.shape[0]
    out = np.zeros_like(grid)
    for r in range(M):
        for c in range(M):
            out[r, c] = grid[max(r - reach, 0):r + reach + 1, max(c - reach, 0):c + reach + 1].max()
    return out


def test_near_cue_by_hand():
    grid = torch.zeros(5, 5)
    grid[1, 1], grid[4, 4] = 1.0, 0.5
    near = near_cue(grid.reshape(1, 25), 1).view(5, 5)
    expected = torch.tensor([[1, 1, 1, 0, 0],
                             [1, 1, 1, 0, 0],
                             [1, 1, 1, 0, 0],
                             [0, 0, 0, 0.5, 0.5],
                             [0, 0, 0, 0.5, 0.5]])
    assert torch.equal(near, expected)


@pytest.mark.parametrize("reach", [0, 1, 2, 3])
def test_near_cue_is_the_window_maximum_of_every_map(reach):
    maps = torch.rand(2, 3, 49, generator=torch.Generator().manual_seed(reach))
    near = near_cue(maps, reach)
    assert near.shape == maps.shape
    for b in range(2):
        for t in range(3):
            ref = _window_max(maps[b, t].view(7, 7).numpy(), reach)
            np.testing.assert_array_equal(near[b, t].view(7, 7).numpy(), ref)


#: Two rooms of the goal's kind (1) split by a wall with a door (0), as a 5 x 7 goal map.
TWIN_ROOMS = torch.tensor([[1, 1, 1, 0, 1, 1, 1],
                           [1, 1, 1, 0, 1, 1, 1],
                           [1, 1, 1, 0, 1, 1, 1],
                           [1, 1, 1, 0, 1, 1, 1],
                           [1, 1, 1, 0, 1, 1, 1]], dtype=torch.float32)


def test_the_fill_spreads_the_cue_over_its_room_and_not_through_the_wall():
    """Seeded at one corner of the left room, the flood reaches the cells of that room
    one step (Chebyshev) at a time, never the right room; a cue seen with less than
    even odds does not spread; 0 steps leave the window."""
    goal = torch.zeros(7, 7)
    goal[1:6] = TWIN_ROOMS  # rows 0 and 6: walls
    near = torch.zeros(7, 7)
    near[1, 0], near[5, 6] = 0.8, 0.4
    filled = {k: fill_cue(near.reshape(1, 49), goal.reshape(1, 49), k).view(7, 7)
              for k in (0, 1, 2, 4, 10)}
    assert torch.equal(filled[0], near)
    expected = {1: near.clone(), 4: near.clone()}
    expected[1][1:3, 0:2] = 1.0
    expected[4][1:6, 0:3] = 1.0  # the whole left room: 4 steps from its corner
    assert torch.equal(filled[1], expected[1])
    assert torch.equal(filled[4], expected[4])
    assert torch.equal(filled[10], expected[4])  # and never past the wall
    assert torch.equal(filled[2][1:4, 0:3], torch.ones(3, 3))


def test_the_fill_keeps_the_window_where_no_cell_looks_like_the_goal():
    near = torch.rand(2, 49, generator=torch.Generator().manual_seed(0))
    assert torch.equal(fill_cue(near, torch.zeros(2, 49), 5), near)


def test_here_reads_the_map_at_the_agents_own_cell_and_nothing_outside():
    maps = torch.arange(25, dtype=torch.float32).view(1, 25).expand(4, 25)  # radius 2
    gps = torch.tensor([[0, 0], [-2, 1], [2, -2], [3, 0]])
    assert here_score(maps, gps).tolist() == [12.0, 3.0, 20.0, 0.0]


def test_here_reads_the_view_cell_the_agent_stands_on():
    """Written by a step of the goal memory (the agent off the start, facing each way),
    the map holds at the agent's own cell the score of the view cell it stands on (the
    bottom row's middle: offset 0 ahead, 0 to the right)."""
    memory = GoalMemory(_config(cue=0))
    image = torch.full((4, 1, 56, 56, 3), 200, dtype=torch.uint8)  # every cell seen
    gps = torch.tensor([[[1, -2]]] * 4)  # (4, 1, 2)
    heading = torch.arange(4)[:, None]  # (4, 1)
    goal = torch.randn(4, 1, 49, generator=torch.Generator().manual_seed(1))
    state = MultimodalTransformer(_config(cue=0)).initial_state(4)
    _, _, aux = memory.step(StepContext(image, heading, gps, None, goal), state)
    own_cell = 6 * 7 + 3  # view row V - 1, column V // 2
    torch.testing.assert_close(here_score(aux["goal_maps"], gps),
                               torch.sigmoid(goal[:, :, own_cell]))


def test_plain_words_leave_the_goal_map_and_told_apart_words_keep_only_cells_near_the_cue():
    goal = torch.tensor([[0.8, 0.8, 0.4]])
    near = torch.tensor([[0.0, 1.0, 0.2]])
    assert torch.equal(weigh_goal(goal, near, torch.tensor([0.0])), goal)
    assert torch.equal(weigh_goal(goal, near, torch.tensor([1.0])), goal * near)
    half = weigh_goal(goal, near, torch.tensor([0.5]))  # g (1 - c + c n)
    torch.testing.assert_close(half, torch.tensor([[0.4, 0.8, 0.24]]))


def _cells(bases: list[int]) -> torch.Tensor:
    """``(1, P, sum(CELL_CLASSES))`` cell logits sure of each cell's base label."""
    logits = torch.zeros(1, len(bases), sum(CELL_CLASSES))
    for i, base in enumerate(bases):
        logits[0, i, base] = 30.0
    return logits


def test_the_cue_scores_by_hand():
    bath, bed = floor_code(RoomType.BATHROOM), floor_code(RoomType.BEDROOM)
    told = torch.zeros(1, CUE_CLASSES)
    told[0, bath] = 30.0  # "next to the bathroom"
    s, c = cue_scores(told, _cells([bath, bed]))
    torch.testing.assert_close(s, torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(c, torch.tensor([1.0]))
    plain = torch.zeros(1, CUE_CLASSES)
    plain[0, PLAIN] = 30.0  # "the bedroom"
    assert float(cue_scores(plain, _cells([bath]))[1]) == pytest.approx(0.0, abs=1e-6)
    # flat words: c = N_BASE / (N_BASE + 1), and each cell shows the cue with 1 / N_BASE
    s, c = cue_scores(torch.zeros(1, CUE_CLASSES), torch.randn(1, 4, sum(CELL_CLASSES)))
    torch.testing.assert_close(c, torch.tensor([N_BASE / (N_BASE + 1)]))
    torch.testing.assert_close(s, torch.full((1, 4), 1.0 / N_BASE))


def _config(cue: int = 1, fill: int = 0, here: bool = False, **changes) -> ModelConfig:
    return ModelConfig.preset("quickstart", n_embd=32, gps=GpsConfig(range=4),
                              memory=MemoryConfig(distance=True, cue=cue, cue_fill=fill,
                                                  here=here), **changes)


def test_the_memory_reads_the_twin_room_whose_cue_it_saw():
    """Two view cells score as the goal ("a bedroom"); the cue (the bathroom's floor) was
    seen beside the second. Told apart by the cue, the read moves to the second; read
    plain, it stays on the first maximum."""
    memory = GoalMemory(_config(cue=1))
    image = torch.full((1, 1, 56, 56, 3), 200, dtype=torch.uint8)  # every cell seen
    gps, heading = torch.zeros(1, 1, 2, dtype=torch.long), torch.zeros(1, 1, dtype=torch.long)
    goal = torch.full((1, 1, 49), -10.0)
    twin_a, twin_b, cue_cell = 42, 20, 27  # view cells (6, 0), (2, 6) and (3, 6)
    goal[0, 0, [twin_a, twin_b]] = 10.0
    cue = torch.zeros(1, 1, 49)
    cue[0, 0, cue_cell] = 1.0
    places = map_index(seen_cells(image, 8), gps, heading, 4)[0, 0]  # (49,)
    state = MultimodalTransformer(_config(cue=1)).initial_state(1)
    best = {}
    for said in (0.0, 1.0):
        context = StepContext(image, heading, gps, None, goal, cue=cue,
                              cue_said=torch.tensor([[said]]))
        _, after, aux = memory.step(context, state)
        best[said] = int(aux["goal_maps"][0, 0].argmax())
        assert float(after.cue_map[0, places[cue_cell]]) == 1.0  # the cue map keeps the sight
        assert float(after.goal_map.max()) > 0.99  # the goal map itself is not weighed
    assert best == {0.0: int(places[twin_a]), 1.0: int(places[twin_b])}


def _obs(n: int) -> dict:
    return synthetic_walk(n, "walk into the bedroom next to the bathroom", seed=2)


@pytest.mark.parametrize("far", [None, FarConfig(reach=64)])
def test_a_sequence_with_the_cue_equals_the_steps_one_by_one(far):
    model = MultimodalTransformer(_config(cue=2, far=far), seed=4).eval()
    filled = MultimodalTransformer(_config(cue=2, far=far, fill=6, here=True), seed=4).eval()
    with torch.no_grad():
        filled.memory.h_emb.weight.normal_(0.0, 1.0)  # a trained read-out, not the zeros
    assert_steps_match_sequence(filled, _obs(6), np.eye(1, 6, dtype=bool))
    done = np.zeros((1, 6), bool)
    done[0, 0] = done[0, 4] = True  # a second episode starts at step 4
    assert_steps_match_sequence(model, _obs(6), done)
    assert model.state_fields == ("goal_map", "cue_map", "explore_map")
    with torch.no_grad():
        out = model.forward_sequence({k: (v[None] if k != "instruction" else [v])
                                      for k, v in _obs(4).items()}, None, np.eye(1, 4, dtype=bool))
    assert out.cue.shape == (1, 4, CUE_CLASSES)
    assert out.state.cue_map.shape == out.state.goal_map.shape
    if far is not None:  # the cue map grows with the goal map
        assert map_radius(out.state.cue_map.shape[1]) > 4


def test_the_cue_needs_the_cell_head_and_the_match_and_a_count_of_cells():
    with pytest.raises(ModelError, match="memory.cue needs cells and match"):
        _config(cue=1, match=None)
    with pytest.raises(ModelError, match="MemoryConfig.cue must be an int >= 0"):
        MemoryConfig(cue=-1)
    with pytest.raises(ModelError, match="MemoryConfig.cue must be an int >= 0"):
        MemoryConfig(cue=True)
    assert MultimodalTransformer(_config(cue=0)).cue_head is None
    with pytest.raises(ModelError, match="cue_fill = 3 needs cue > 0"):
        MemoryConfig(cue_fill=3)
    with pytest.raises(ModelError, match="MemoryConfig.cue_fill must be an int >= 0"):
        MemoryConfig(cue=1, cue_fill=-1)
    with pytest.raises(ModelError, match="MemoryConfig.here"):
        MemoryConfig(here=1)


def test_the_words_loss_reads_the_cue_labels_when_given_the_cue_logits():
    match = torch.zeros(1, 2, sum(CELL_CLASSES))
    targets = torch.full((1, 2, 4), -1, dtype=torch.long)
    targets[0, 0, 3] = PLAIN
    cue = torch.zeros(1, 2, CUE_CLASSES)
    assert float(words_loss(match, targets)) == 0.0  # no label read without the cue logits
    torch.testing.assert_close(words_loss(match, targets, cue),
                               torch.tensor(float(np.log(CUE_CLASSES))))


def test_a_cue_without_the_word_loss_is_refused():
    with pytest.raises(Exception, match="model.memory.cue = 1 needs optim.words_weight > 0"):
        check_loss_parts(OptimConfig(), _config(cue=1))
    check_loss_parts(OptimConfig(words_weight=1.0), _config(cue=1))


def test_a_fresh_cue_reader_reads_every_instruction_plain():
    """Given on top of trained weights, the cue leaves the goal map read as before."""
    model = MultimodalTransformer(_config(cue=2), seed=5).eval()
    with torch.no_grad():
        out = model.forward_sequence({k: (v[None] if k != "instruction" else [v])
                                      for k, v in _obs(3).items()}, None, np.eye(1, 3, dtype=bool))
    said = 1.0 - out.cue.softmax(-1)[..., PLAIN]  # (1, 3)
    assert float(said.max()) < 0.02
