"""The rule-based agent (parsed words + explorer) and the explorer baseline."""

from helpers import make_house

from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.eval.baselines import ExplorerPolicy, RulesPolicy
from vlnenv.eval.evaluate import evaluate
from vlnenv.eval.protocol import Policy, expert_kind
from vlnenv.tasks.episode import Episode


def test_rules_and_explorer_follow_the_policy_protocol_and_name_their_expert():
    for policy, kind in ((RulesPolicy(), "rules"), (ExplorerPolicy(), "explorer")):
        assert isinstance(policy, Policy)
        assert expert_kind(policy) == kind
    assert RulesPolicy().config()["perception"].startswith("symbolic")


def test_rules_agent_solves_tiny_suite_episodes_from_the_words_alone():
    records = evaluate(RulesPolicy(), "tiny", "test", episodes=10, batch=4)
    assert [r["success"] for r in records] == [True] * 10


def test_rules_agent_stops_at_once_when_the_words_are_refused():
    rows = ["#######", "#AAAAA#", "#AAAAA#", "#######"]
    house = make_house(rows, {"A": "bedroom"})
    episode = Episode("e0", "h", (1, 1, 0), "go to the bedrom", {"family": "go_to_room",
                      "room": "A"}, ((1, 1),), ((1, 1),), 50)
    env = GridHouseEnv(config=EnvConfig(expert="rules"))
    _, info = env.reset(options={"episode": episode, "house": house})
    assert info["parse_error"].startswith("unknown word 'bedrom' at word 4")
    actions, _ = RulesPolicy().act({}, None, [info])
    assert actions.tolist() == [int(Action.STOP)]
