"""GAE on hand-computed trajectories."""

from __future__ import annotations

import torch

from agents.rl.gae import gae, stop_targets

#: Five steps of one lane; the episode ends after step 2 (step 3 starts a new one).
REWARDS = [1.0, 0.0, 2.0, 0.0, 1.0]
VALUES = [0.5, 1.0, 1.0, 0.0, 2.0]
STARTS = [True, False, False, True, False]


def _lane(values: list) -> torch.Tensor:
    return torch.tensor(values)[:, None]  # (T, 1)


def test_gae_stops_at_the_episode_end_in_the_middle():
    # gamma = lambda = 0.5, V(s_5) = 4 (same episode as step 4). By hand, backwards:
    # t4: delta = 1 + .5*4 - 2 = 1                        A = 1
    # t3: delta = 0 + .5*2 - 0 = 1                        A = 1 + .25*1 = 1.25
    # t2: next step starts an episode: delta = 2 - 1 = 1  A = 1
    # t1: delta = 0 + .5*1 - 1 = -.5                     A = -.5 + .25*1 = -.25
    # t0: delta = 1 + .5*1 - .5 = 1                       A = 1 + .25*(-.25) = .9375
    adv, ret = gae(_lane(REWARDS), _lane(VALUES), _lane(STARTS), torch.tensor([4.0]),
                   torch.tensor([False]), gamma=0.5, lam=0.5)
    assert adv[:, 0].tolist() == [0.9375, -0.25, 1.0, 1.25, 1.0]
    assert ret[:, 0].tolist() == [1.4375, 0.75, 2.0, 1.25, 3.0]


def test_gae_with_lambda_one_is_the_return_to_the_episode_end_plus_bootstrap():
    # gamma = lambda = 1: the first episode's returns sum its rewards (3, 2, 2); the
    # second's add the bootstrap V(s_5) = 4 (0 + 1 + 4, 1 + 4)
    _, ret = gae(_lane(REWARDS), _lane(VALUES), _lane(STARTS), torch.tensor([4.0]),
                 torch.tensor([False]), gamma=1.0, lam=1.0)
    assert ret[:, 0].tolist() == [3.0, 2.0, 2.0, 5.0, 5.0]


def test_gae_does_not_bootstrap_into_a_new_episode_after_the_rollout():
    _, ret = gae(_lane(REWARDS), _lane(VALUES), _lane(STARTS), torch.tensor([4.0]),
                 torch.tensor([True]), gamma=1.0, lam=1.0)
    assert ret[:, 0].tolist() == [3.0, 2.0, 2.0, 1.0, 1.0]


def test_gae_lanes_are_independent():
    rewards = torch.tensor([REWARDS, [0.0] * 5]).T  # (T, 2)
    values = torch.tensor([VALUES, [0.0] * 5]).T
    starts = torch.tensor([STARTS, [False] * 5]).T
    adv, _ = gae(rewards, values, starts, torch.tensor([4.0, 0.0]), torch.tensor([False, False]),
                 gamma=0.5, lam=0.5)
    assert adv[:, 0].tolist() == [0.9375, -0.25, 1.0, 1.25, 1.0]
    assert adv[:, 1].tolist() == [0.0] * 5


def test_a_part_ending_stop_takes_the_return_of_the_row_it_led_to():
    returns = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # (T, N)
    adv, ret = stop_targets(returns, torch.tensor([1, 0, 1]), torch.tensor([0, 1, 0]),
                            torch.tensor([0.5, 1.0, 2.0]))
    assert ret.tolist() == [3.0, 2.0, 3.0]
    assert adv.tolist() == [2.5, 1.0, 1.0]  # R_{t,i} - V_k
