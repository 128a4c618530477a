"""BatchedGridHouseEnv: bitwise the same episodes as N single GridHouseEnv (stepped by
Gymnasium's SyncVectorEnv, the reference), autoreset as declared, seeding, make_vec."""

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from helpers import make_house

import vlnenv  # noqa: F401 - registers the ids
from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.shipped import houses_root, suites_root
from vlnenv.tasks.episode import Episode, read_episodes
from vlnenv.vector import BatchedGridHouseEnv
from vlnenv.world.generate import SMALL, generate_house
from vlnenv.world.mapfile import load_house
from vlnenv.wrappers import SymbolicObservation

ROOT = Path(__file__).resolve().parents[2]
SAME, NEXT = AutoresetMode.SAME_STEP, AutoresetMode.NEXT_STEP
INFO_KEYS = ("success", "distance_to_goal", "step", "blocked", "episode_id", "family")

#   0123456789
# 0 ##########
# 1 #BBb#KKKt#
# 2 #BBB+KKKK#
# 3 ##/###/###
# 4 #HHHHHHHH#
# 5 ##########
HOUSE = make_house(
    ["##########", "#BBb#KKKt#", "#BBB+KKKK#", "##/###/###", "#HHHHHHHH#", "##########"],
    {"B": "bedroom", "K": "kitchen", "H": "hallway"},
    {"b": "bed", "t": "table"},
    [("pillow", "white", (1, 3)), ("cup", "red", (1, 8)), ("book", "blue", (4, 3))],
    name="test flat",
)


def pair(n, mode=SAME, source=None, **settings):
    """The batched env and its reference: SyncVectorEnv over n single envs, all with
    ``source`` and ``EnvConfig(**settings)``."""
    config = EnvConfig(**settings)
    batched = BatchedGridHouseEnv(n, source, config, autoreset_mode=mode)
    sync = SyncVectorEnv([lambda: GridHouseEnv(source, config) for _ in range(n)],
                         autoreset_mode=mode)
    return batched, sync


def assert_same_obs(a, b):
    for key in ("image", "direction", "carrying", "gps"):
        assert np.array_equal(a[key], b[key]), key
        assert a[key].dtype == b[key].dtype, key
    assert a["instruction"] == b["instruction"]


def assert_same_infos(a, b):
    """The batched infos hold the reference's keys (pose as an (N, 3) array)."""
    for key in INFO_KEYS:
        mask = b[f"_{key}"]
        assert np.array_equal(a[f"_{key}"], mask), key
        assert np.array_equal(a[key][mask], b[key][mask]), (key, a[key], b[key])
    mask = b["_pose"]
    assert [tuple(p) for p in a["pose"][mask].tolist()] == list(b["pose"][mask])
    for key in ("expert_action", "oracle_action", "explorer_action"):
        if key in b:
            mask = b[f"_{key}"]
            assert np.array_equal(a[f"_{key}"], mask), key
            assert np.array_equal(a[key][mask], b[key][mask]), key
    if "final_obs" in b:
        mask = b["_final_obs"]
        assert np.array_equal(a["_final_obs"], mask)
        for i in np.flatnonzero(mask):
            fa, fb = a["final_obs"][i], b["final_obs"][i]
            assert np.array_equal(fa["image"], fb["image"])
            assert np.array_equal(fa["gps"], fb["gps"])
            assert fa["gps"].dtype == fb["gps"].dtype == np.int64
            assert (fa["direction"], fa["carrying"], fa["instruction"]) == (
                fb["direction"], fb["carrying"], fb["instruction"])
        assert_same_infos(a["final_info"], b["final_info"])
        for i in np.flatnonzero(mask):
            assert a["final_info"]["path"][i] == b["final_info"]["path"][i]
    else:
        assert "final_obs" not in a


def choose(rng, infos, n, p_expert=0.6, p_stop=0.03):
    """Random actions (pickup, drop and toggle included), the expert's where it has one
    with probability ``p_expert``, stop with probability ``p_stop``."""
    actions = rng.integers(0, 6, n)
    actions[rng.random(n) < p_stop] = Action.STOP
    if "expert_action" in infos:
        use = infos["_expert_action"] & (rng.random(n) < p_expert)
        actions[use] = infos["expert_action"][use]
    return actions


def done(infos):
    return infos.get("_final_info", False)


def run_pair(batched, sync, steps, seed=0, **choice):
    """Step both with the same actions, comparing everything; returns counts of what
    happened (to check the run covered what it should)."""
    obs_b, info_b = batched.reset(seed=seed)
    obs_s, info_s = sync.reset(seed=seed)
    assert_same_obs(obs_b, obs_s)
    assert_same_infos(info_b, info_s)
    rng = np.random.default_rng(seed)
    seen = {"success": 0, "done": 0, "carrying": 0, "dense": 0}
    for _ in range(steps):
        actions = choose(rng, info_s, batched.num_envs, **choice)
        out_b, out_s = batched.step(actions), sync.step(actions)
        assert_same_obs(out_b[0], out_s[0])
        for k in (1, 2, 3):
            assert np.array_equal(out_b[k], out_s[k]), k
            assert out_b[k].dtype == out_s[k].dtype, k
        assert_same_infos(out_b[4], out_s[4])
        info_s = out_s[4]
        final = info_s.get("final_info", {"success": False})
        seen["done"] += int(np.sum(out_s[2] | out_s[3]))
        seen["success"] += int(np.sum(info_s["success"]) + np.sum(final["success"] & done(info_s)))
        seen["carrying"] += int(np.sum(out_s[0]["carrying"] > 0))
        seen["dense"] += int(np.sum((out_s[1] != 0) & ~out_s[2]))
    return seen


@pytest.mark.parametrize("mode", [SAME, NEXT])
def test_matches_single_envs_on_generated_houses(mode):
    batched, sync = pair(4, mode, expert="oracle")
    seen = run_pair(batched, sync, 250, seed=7)
    assert seen["done"] > 5 and seen["success"] > 0


@pytest.mark.parametrize("dense", [0.0, 0.25])
def test_fetch_and_sequences_match_with_and_without_dense_reward(dense):
    houses = [HOUSE, generate_house(SMALL, 3)]
    batched, sync = pair(6, SAME, EpisodeSource.houses(houses, ("fetch", "sequence")),
                         dense_reward=dense, expert="oracle")
    seen = run_pair(batched, sync, 400, seed=1, p_expert=0.75)
    assert seen["success"] > 3 and seen["carrying"] > 50
    assert seen["dense"] > 0 or not dense


def test_suite_episodes_match_with_next_step_autoreset():
    suite = suites_root() / "tiny"
    episodes = read_episodes(suite / "episodes" / "train.jsonl")
    house_map = {p.stem: load_house(p) for p in (suite / "houses" / "train").glob("*.toml")}
    batched, sync = pair(5, NEXT, EpisodeSource.episodes(episodes, house_map), dense_reward=0.5,
                         expert="oracle")
    seen = run_pair(batched, sync, 300, seed=3)
    assert seen["success"] > 0 and seen["done"] > 5


def test_explorer_expert_matches():
    batched, sync = pair(3, SAME, EpisodeSource.houses([HOUSE]), expert="both")
    obs_b, info_b = batched.reset(seed=2)
    obs_s, info_s = sync.reset(seed=2)
    rng = np.random.default_rng(2)
    for _ in range(120):
        actions = np.where(info_s["_explorer_action"], info_s["explorer_action"], 6)
        actions[rng.random(3) < 0.2] = rng.integers(0, 6)
        out_b, out_s = batched.step(actions), sync.step(actions)
        assert_same_obs(out_b[0], out_s[0])
        assert np.array_equal(out_b[1], out_s[1])
        assert_same_infos(out_b[4], out_s[4])
        info_s = out_s[4]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [SAME, NEXT])
def test_thousands_of_steps_with_random_actions_match(mode):
    houses = [HOUSE, *(generate_house(SMALL, s) for s in range(3))]
    batched, sync = pair(8, mode, EpisodeSource.houses(houses), dense_reward=0.1, expert="oracle")
    seen = run_pair(batched, sync, 600, seed=11, p_expert=0.5, p_stop=0.02)
    assert seen["done"] > 20 and seen["success"] > 5


@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("mode", [SAME, NEXT])
def test_symbolic_obs_mode_matches_the_symbolic_wrapper(mode, copy):
    houses = [HOUSE, generate_house(SMALL, 5)]
    batched = BatchedGridHouseEnv(5, EpisodeSource.houses(houses), autoreset_mode=mode,
                                  obs_mode="symbolic", copy=copy)
    sync = SyncVectorEnv([lambda: SymbolicObservation(GridHouseEnv(EpisodeSource.houses(houses)))
                          for _ in range(5)], autoreset_mode=mode)
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.observation_space["image"].shape == (5, 7, 7, 3)
    seen = run_pair(batched, sync, 300, seed=5, p_stop=0.02)
    assert seen["done"] > 5 and seen["carrying"] > 0


def test_unknown_obs_mode_is_refused():
    with pytest.raises(ValueError, match="obs_mode must be one of"):
        BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]), obs_mode="pixels")


def test_houses_of_growing_size_are_relaid_out():
    big = load_house(houses_root() / "big_house.toml")
    batched, sync = pair(2, SAME, EpisodeSource.houses([HOUSE]))
    batched.reset(seed=0)
    sync.reset(seed=0)
    home = batched.world.grids.block_shape
    batched.source.houses.append(big)  # the next episodes may take place in a larger house
    for env in sync.envs:
        env.unwrapped.source.houses.append(big)
    seen = run_pair(batched, sync, 200, seed=4, p_stop=0.2)
    assert batched.world.grids.block_shape > home and seen["done"] > 20


def nested_sequence_episode() -> Episode:
    inner = {"family": "sequence", "connective": "then",
             "parts": [{"family": "go_to_room", "room": "H"},
                       {"family": "go_to_room", "room": "K"}]}
    task = {"family": "sequence", "connective": "then",
            "parts": [{"family": "go_to_room", "room": "B"}, inner]}
    return Episode("nested", "test flat", (4, 8, 2), "Go to the bedroom, then ...", task,
                   ((4, 8),), ((1, 5),), 60)


def test_instructions_of_other_shapes_are_verified_by_calling_them():
    batched = BatchedGridHouseEnv(1, EpisodeSource.houses([HOUSE]),
                                  EnvConfig(dense_reward=0.5, expert="oracle"))
    single = GridHouseEnv(EpisodeSource.houses([HOUSE]),
                          EnvConfig(dense_reward=0.5, expert="oracle"))
    options = {"episode": nested_sequence_episode(), "house": HOUSE}
    obs_b, info_b = batched.reset(options={"episodes": [options["episode"]],
                                           "houses": [HOUSE]})
    obs_s, info_s = single.reset(options=options)
    assert batched.judge.generic[0]
    actions = [int(info_s["expert_action"])]
    while True:
        out_b = batched.step(np.array(actions[-1:]))
        out_s = single.step(actions[-1])
        assert out_b[1][0] == out_s[1]
        if out_s[2] or out_s[3]:
            assert np.array_equal(out_b[4]["final_obs"][0]["image"], out_s[0]["image"])
            assert out_b[4]["final_info"]["success"][0] == out_s[4]["success"]
            break
        assert np.array_equal(out_b[0]["image"][0], out_s[0]["image"])
        actions.append(int(out_s[4]["expert_action"]))


def test_make_vec_returns_the_batched_env_and_rolls_out():
    for mode in ("vector_entry_point", None):
        env = gym.make_vec("vlnenv/GridHouse-v0", num_envs=3, vectorization_mode=mode)
        assert isinstance(env.unwrapped, BatchedGridHouseEnv)
        assert env.metadata["autoreset_mode"] is SAME
        obs, infos = env.reset(seed=0)
        assert env.observation_space.contains(obs)
        assert env.single_observation_space == GridHouseEnv().observation_space
        for _ in range(20):
            obs, rewards, terminated, truncated, infos = env.step(env.action_space.sample())
            assert obs["image"].shape == (3, 56, 56, 3) and rewards.shape == (3,)
        env.close()


def test_make_vec_fetch_id_passes_kwargs():
    env = gym.make_vec("vlnenv/Fetch-v0", num_envs=2, config=EnvConfig(dense_reward=0.5),
                       autoreset_mode="next_step")
    assert env.metadata["autoreset_mode"] is NEXT
    _, infos = env.reset(seed=0)
    assert set(infos["family"]) == {"fetch"}


def test_same_step_autoreset_returns_the_next_episodes_first_observation():
    env = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]))
    env.reset(seed=0)
    env.step(np.array([0, 1]))
    obs, rewards, terminated, truncated, infos = env.step(np.array([Action.STOP, 0]))
    assert terminated.tolist() == [True, False]
    assert infos["_final_obs"].tolist() == [True, False]
    assert infos["step"].tolist() == [0, 2]  # env 0 already plays its next episode
    assert infos["final_info"]["step"][0] == 2 and infos["final_info"]["_step"].tolist() == [
        True, False]
    assert np.array_equal(obs["image"][0], env.world.images(np.array([0]))[0])


def test_next_step_autoreset_resets_on_the_following_step():
    env = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]), autoreset_mode="next_step")
    env.reset(seed=0)
    _, _, terminated, _, infos = env.step(np.array([Action.STOP, 0]))
    assert terminated.tolist() == [True, False] and "final_obs" not in infos
    assert infos["step"].tolist() == [1, 1]
    obs, rewards, terminated, truncated, infos = env.step(np.array([Action.STOP, 0]))
    assert rewards[0] == 0.0 and not terminated[0] and not truncated[0]
    assert infos["step"].tolist() == [0, 2]  # the stop of env 0 was ignored: it reset


def test_n_single_envs_seeded_seed_plus_i_reproduce_the_episodes():
    batched = BatchedGridHouseEnv(3, EpisodeSource.houses([HOUSE, generate_house(SMALL, 5)]))
    _, infos = batched.reset(seed=42)
    for i in range(3):
        single = GridHouseEnv(EpisodeSource.houses([HOUSE, generate_house(SMALL, 5)]))
        _, info = single.reset(seed=42 + i)
        assert single.episode == batched.episode(i)
    _, again = batched.reset(seed=[42, 43, 44])
    assert np.array_equal(again["pose"], infos["pose"])


def test_reset_mask_resets_only_those_envs():
    env = BatchedGridHouseEnv(3, EpisodeSource.houses([HOUSE]))
    env.reset(seed=0)
    env.step(np.array([2, 2, 2]))
    before = [env.episode(i) for i in range(3)]
    _, infos = env.reset(options={"reset_mask": np.array([False, True, False])})
    assert infos["_step"].tolist() == [False, True, False]
    assert env.episode(0) is before[0] and env.episode(2) is before[2]
    assert env.world.steps.tolist()[1] == 0 and env.world.steps.tolist()[0] == 1
    _, infos = env.reset(options={"reset_mask": np.zeros(3, bool)})  # none: nothing changes
    assert not infos["_step"].any() and env.world.steps.tolist() == [1, 0, 1]


def test_invalid_actions_are_refused():
    env = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]))
    with pytest.raises(gym.error.ResetNeeded):
        env.step(np.array([0, 0]))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="0..6"):
        env.step(np.array([0, 7]))
    with pytest.raises(ValueError, match="2 integers"):
        env.step(np.array([0, 1, 2]))


def test_copy_false_reuses_one_image_buffer():
    env = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]), copy=False)
    first, _ = env.reset(seed=0)
    second = env.step(np.array([0, 1]))[0]
    assert second["image"] is first["image"]
    fresh = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]))
    obs, _ = fresh.reset(seed=0)
    assert fresh.step(np.array([0, 1]))[0]["image"] is not obs["image"]


def test_path_and_render():
    env = BatchedGridHouseEnv(1, EpisodeSource.houses([HOUSE]), render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(6):
        env.step(np.array([Action.FORWARD]))
    assert env.path(0) == env.state(0).path and env.path(0)[0] == tuple(env.episode(0).start[:2])
    frames = env.render()
    assert len(frames) == 1 and frames[0].ndim == 3


def test_oracle_demos_are_the_solvers_actions():
    from vlnenv.expert.oracle import Oracle
    from vlnenv.tasks.run import EpisodeRun
    from vlnenv.tasks.sample import sample_episode
    from vlnenv.tasks.solver import play_expert
    from vlnenv.vector.oracle_demos import oracle_demos

    houses = {"flat": HOUSE, **{f"gen{s}": generate_house(SMALL, s) for s in range(4)}}
    rng = np.random.default_rng(0)
    episodes = [sample_episode(h, rng, house_id=k, episode_id=f"{k}-{j}")
                for k, h in houses.items() for j in range(12)]
    suite = suites_root() / "tiny"
    episodes += read_episodes(suite / "episodes" / "train.jsonl")
    houses |= {p.stem: load_house(p) for p in (suite / "houses" / "train").glob("*.toml")}
    oracles = {k: Oracle(h) for k, h in houses.items()}
    count = 0
    for episode, actions in oracle_demos(episodes, houses):
        house = houses[episode.house]
        expected = play_expert(EpisodeRun(episode, house), oracle=oracles[episode.house])
        assert actions == expected, episode.episode_id
        count += 1
    assert count == len(episodes)


def test_long_paths_are_kept_whole():
    episode = Episode("long", "test flat", (4, 1, 0), "Go to the kitchen.",
                      {"family": "go_to_room", "room": "K"}, ((4, 1),), ((1, 5),), 5000)
    batched = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]))
    single = GridHouseEnv(EpisodeSource.houses([HOUSE]))
    batched.reset(options={"episodes": [episode, episode], "houses": [HOUSE, HOUSE]})
    single.reset(options={"episode": episode, "house": HOUSE})
    lap = [Action.FORWARD] * 7 + [Action.TURN_LEFT] * 2
    for action in lap * 80:
        batched.step(np.array([action, Action.TURN_LEFT]))
        single.step(action)
    assert len(single.state.path) > 500
    assert batched.path(0) == single.state.path and batched.path(1) == [(4, 1)]


def test_bad_actions_and_unknown_reset_options_are_env_errors():
    from vlnenv.errors import EnvError

    env = BatchedGridHouseEnv(2, EpisodeSource.houses([HOUSE]))
    with pytest.raises(EnvError, match=r"reset\(options=...\): expected None or a dict"):
        env.reset(seed=0, options=[1])
    with pytest.raises(EnvError, match=r"unknown key\(s\) 'episode'; expected keys among "
                                       r"\['reset_mask', 'episodes', 'houses'\]"):
        env.reset(seed=0, options={"episode": None})
    env.reset(seed=0)
    with pytest.raises(EnvError, match="actions must be 2 integers"):
        env.step(np.array([2.5, 1.0]))
    with pytest.raises(EnvError, match="actions must be 2 integers"):
        env.step(["2", "1"])
