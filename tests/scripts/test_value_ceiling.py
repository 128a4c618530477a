"""scripts/value_ceiling.py: the privileged features of a house whose distances are
counted by hand, and the held-out fit of a relation a linear map can express exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import load_script, make_house

from vlnenv.actions import Action
from vlnenv.env.sources import EpisodeSource
from vlnenv.vector import BatchedGridHouseEnv

ceiling = load_script("scripts/value_ceiling.py")


def test_privileged_features_count_the_cells_to_the_goal_and_the_steps():
    # a bedroom and a kitchen in a row; the agent starts at the kitchen's east end facing
    # west, told to go to the bedroom: 3 cells from its nearest cell
    house = make_house(["#######", "#AA/KK#", "#######"], {"A": "bedroom", "K": "kitchen"})
    env = BatchedGridHouseEnv(2, EpisodeSource.houses([house], ("go_to_room",)))
    env.reset(seed=0)
    assert env.episode(0).start == (1, 5, 2)
    limit = int(env.world.max_steps[0])
    before = ceiling.privileged(env, [None, None], 0.9)
    env.step(np.array([int(Action.FORWARD), int(Action.FORWARD)]))
    after = ceiling.privileged(env, [None, None], 0.9)
    assert before.shape == (2, len(ceiling.PRIVILEGED) + 5)
    np.testing.assert_allclose(before[0, :8], [3 / 32, 0.9 ** 3, 0.0, limit / 100, 0.9 ** 3,
                                               0.0, 1 / 4, 0.0])
    np.testing.assert_allclose(after[0, :8], [2 / 32, 0.9 ** 2, 1 / limit, (limit - 1) / 100,
                                              0.9 ** 2, 0.0, 1 / 4, 0.0])
    assert after[0, 8:].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]  # go_to_room, the first family


def test_a_linear_relation_is_explained_whole_on_the_held_out_rows():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(300, 4, generator=gen, dtype=torch.float64)
    returns = x @ torch.tensor([0.5, -1.0, 0.0, 2.0], dtype=torch.float64) + 0.25
    fitted, held = ceiling.linear_ev(x, returns, 200)
    assert fitted == pytest.approx(1.0) and held == pytest.approx(1.0)


def test_collect_gives_one_row_of_each_kind_per_lane_step_in_the_same_order():
    from helpers import TINY_MODEL

    from agents.models import MultimodalTransformer
    from agents.train.config import resolve_config

    model = MultimodalTransformer(resolve_config(None, TINY_MODEL).model, seed=0)
    x, returns, progress, priv = ceiling.collect(model, "tiny", 2, 2, 5, 0.99, 0)
    assert x.shape[0] == returns.shape[0] == progress.shape[0] == priv.shape[0] == 2 * 2 * 5
    # lane by lane in time order: within each lane's 5 rows the steps used count up by one
    # (or start again at 0 where an episode ended); each lane begins at 0 in the first
    used, left = priv[:, 2], priv[:, 3] * 100  # s / M, M - s
    steps = torch.round(used * left / (1 - used)).long()  # s
    for first in range(0, len(steps), 5):
        lane = steps[first:first + 5].tolist()
        assert all(b in (a + 1, 0) for a, b in zip(lane, lane[1:], strict=False)), lane
    assert steps[[0, 5]].tolist() == [0, 0]
    assert bool((priv[:, 8:].sum(1) == 1).all())  # one family each
