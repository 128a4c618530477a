"""reset(options={"instruction", "house", "start"}): a typed instruction in a chosen house
from a chosen start is an episode like a sampled one, and every metric works on it."""

from pathlib import Path

import pytest

from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.errors import AmbiguousReferenceError, EnvError, TaskError, UnknownWordError
from vlnenv.eval.distances import geodesic
from vlnenv.eval.evaluate import score_episode
from vlnenv.tasks.sample import max_steps_for
from vlnenv.tasks.solver import solve
from vlnenv.world.mapfile import load_house

FAMILY = Path(__file__).parents[3] / "maps" / "houses" / "family_house.toml"
PILLOW = "Go to the living room and bring me a pillow"


def run_oracle(env):
    taken = []
    done = False
    info = env._info()
    while not done:
        action = info["expert_action"]
        taken.append(action)
        _, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    return taken


def test_typed_instruction_in_a_map_file_from_a_start_is_a_full_episode():
    env = GridHouseEnv(config=EnvConfig(expert="oracle"))
    obs, info = env.reset(seed=0, options={"instruction": PILLOW, "house": str(FAMILY),
                                           "start": (9, 10, 0)})
    ep = env.episode
    assert obs["instruction"] == PILLOW
    assert ep.start == (9, 10, 0) and ep.house == "family_house"
    assert ep.task == {"family": "fetch", "requester": [9, 10],
                       "object": {"kind": "pillow", "color": None, "room": "L"}}
    house = load_house(FAMILY)
    actions, final = solve(env.instruction, ep.start, "oracle")
    assert ep.reference_path == tuple(final.path)
    assert ep.max_steps == max_steps_for(house, len(actions))
    taken = run_oracle(env)
    record = score_episode(ep, 0, env, taken, geodesic(house))
    assert record["success"] and record["spl"] == 1.0 and record["ndtw"] == 1.0


def test_a_house_object_and_each_option_alone():
    house = load_house(FAMILY)
    env = GridHouseEnv()
    env.reset(seed=1, options={"instruction": "walk to the white cup", "house": house})
    assert env.episode.task["family"] == "go_to_object" and env.house is house
    env.reset(seed=1, options={"house": house})
    assert env.house is house and env.episode.house == "family house"
    env.reset(seed=1, options={"start": (2, 2, 0)})
    assert env.episode.start == (2, 2, 0)
    env.reset(seed=1, options={"instruction": "go to the kitchen"})
    assert env.episode.task["family"] == "go_to_room"


def test_instruction_alone_is_deterministic_per_seed():
    a, b = GridHouseEnv(), GridHouseEnv()
    a.reset(seed=3, options={"instruction": "bring me a cup"})
    b.reset(seed=3, options={"instruction": "bring me a cup"})
    assert a.episode == b.episode


def test_bad_options_raise_project_errors():
    env = GridHouseEnv()
    with pytest.raises(EnvError, match=r"unknown key\(s\) 'foo'"):
        env.reset(options={"foo": 1})
    with pytest.raises(TaskError, match="no map file 'nope.toml'"):
        env.reset(options={"house": "nope.toml"})
    with pytest.raises(TaskError, match=r"start cell \(0, 0\) is not a free cell"):
        env.reset(options={"house": str(FAMILY), "start": (0, 0, 0)})
    with pytest.raises(TaskError, match="start must be"):
        env.reset(options={"house": str(FAMILY), "start": "1,2"})
    with pytest.raises(TaskError, match="already holds at the start"):
        env.reset(options={"house": str(FAMILY), "instruction": "go to the kitchen",
                           "start": (12, 18, 0)})
    with pytest.raises(TaskError, match="cannot be carried out"):
        env.reset(options={"house": str(FAMILY), "start": (9, 10, 0),
                           "instruction": "Go to the bedroom and bring me a pillow"})
    with pytest.raises(AmbiguousReferenceError):
        env.reset(options={"house": str(FAMILY), "instruction": "go to the pillow"})
    with pytest.raises(UnknownWordError):
        env.reset(options={"instruction": "go to the bedrom"})
