"""Baseline policies: random, forward and oracle."""

import numpy as np
import pytest
from helpers import make_house

from vlnenv.actions import Action
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.eval.baselines import ForwardPolicy, OraclePolicy, PolicyError, RandomPolicy
from vlnenv.eval.protocol import Policy, needs_expert
from vlnenv.tasks.episode import Episode

ROWS = ["#######",
        "#AAAAA#",
        "#AAAAA#",
        "#######"]


def corridor_episode():
    task = {"family": "go_to_room", "room": "A"}
    return Episode("e0", "h", (1, 1, 0), "go to the bedroom", task, ((1, 1),), ((1, 1),), 50)


@pytest.mark.parametrize("policy", [RandomPolicy(0), ForwardPolicy(3), OraclePolicy()])
def test_baselines_follow_the_policy_protocol(policy):
    assert isinstance(policy, Policy)
    assert isinstance(policy.config()["name"], str)


def test_only_the_oracle_needs_the_expert():
    assert needs_expert(OraclePolicy())
    assert not needs_expert(RandomPolicy()) and not needs_expert(ForwardPolicy())


def test_random_policy_is_uniform_over_all_seven_actions():
    policy = RandomPolicy(0)
    state = policy.initial_state(1)
    counts = np.zeros(7)
    for _ in range(7000):
        actions, state = policy.act({}, state, [{}])
        counts[actions[0]] += 1
    assert counts.min() > 850 and counts.max() < 1150


def run_random(policy, slot, batch, episode_seed=99):
    """Actions in ``slot`` of a batch where that slot runs the episode ``episode_seed``."""
    state = policy.initial_state(batch)
    out = []
    for _ in range(20):
        infos = [{"episode_seed": episode_seed if b == slot else b} for b in range(batch)]
        actions, state = policy.act({}, state, infos)
        out.append(int(actions[slot]))
    return out


def test_random_policy_draws_per_episode_whatever_the_slot():
    assert run_random(RandomPolicy(4), 0, 1) == run_random(RandomPolicy(4), 2, 3)
    assert run_random(RandomPolicy(4), 0, 1) != run_random(RandomPolicy(5), 0, 1)
    assert run_random(RandomPolicy(4), 0, 1) != run_random(RandomPolicy(4), 0, 1, 98)


def test_random_policy_restarts_its_stream_for_a_new_episode():
    policy = RandomPolicy(4)
    state = policy.initial_state(1)
    first = [int(policy.act({}, state, [{"episode_seed": 1}])[0][0])]
    state = policy.reset_done(policy.act({}, state, [{"episode_seed": 1}])[1], np.array([True]))
    again, state = policy.act({}, state, [{"episode_seed": 1}])
    assert [int(again[0])] == first


def test_forward_policy_walks_turns_when_blocked_and_stops_after_n_steps():
    policy = ForwardPolicy(3)
    state = policy.initial_state(2)
    infos = [{"blocked": False}, {"blocked": True}]
    actions = []
    for _ in range(4):
        a, state = policy.act({}, state, infos)
        actions.append(a.tolist())
    assert actions[:3] == [[Action.FORWARD, Action.TURN_RIGHT]] * 3
    assert actions[3] == [Action.STOP, Action.STOP]
    state = policy.reset_done(state, np.array([True, False]))
    assert state.tolist() == [0, 4]


def test_forward_policy_needs_blocked_in_info():
    with pytest.raises(PolicyError, match="blocked"):
        ForwardPolicy(2).act({}, np.zeros(1, np.int64), [{}])
    with pytest.raises(PolicyError, match="n_steps"):
        ForwardPolicy(-1)


def test_env_reports_blocked_when_forward_would_not_move():
    house = make_house(ROWS, {"A": "bedroom"})
    env = GridHouseEnv(EpisodeSource.generated(house_map={"h": house}))
    _, info = env.reset(options={"episode": corridor_episode()})
    assert info["blocked"] is False  # facing east along the room
    for _ in range(4):
        _, _, _, _, info = env.step(Action.FORWARD)
    assert info["pose"] == (1, 5, 0) and info["blocked"] is True


def test_oracle_policy_reads_the_expert_action_and_ignores_inactive_slots():
    policy = OraclePolicy()
    actions, _ = policy.act({}, None, [{"expert_action": 2}, {"active": False}])
    assert actions.tolist() == [2, Action.STOP]
    with pytest.raises(PolicyError, match="expert='oracle'"):
        policy.act({}, None, [{}])
