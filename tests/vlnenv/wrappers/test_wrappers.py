"""Observation wrappers: spaces hold what they return; SB3 accepts the tokenized env."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from vlnenv import VLNEnv
from vlnenv.language.vocab import Tokenizer
from vlnenv.render.codes import N_OBJ, decode
from vlnenv.wrappers import (
    PanoramaObservation,
    SymbolicObservation,
    TokenizedInstruction,
    TopDownObservation,
)
from vlnenv.wrappers.symbolic import symbolic_view


@pytest.mark.parametrize(
    "wrap", [TokenizedInstruction, PanoramaObservation, SymbolicObservation, TopDownObservation]
)
def test_wrapped_observations_lie_in_their_spaces(wrap):
    env = wrap(VLNEnv())
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    for a in np.random.default_rng(0).integers(0, 6, 20):
        obs, *_ = env.step(int(a))
        assert env.observation_space.contains(obs)
    check_env(env.unwrapped, skip_render_check=True)


def test_tokenized_instruction_encodes_the_text():
    env = TokenizedInstruction(VLNEnv(), max_len=48)
    obs, _ = env.reset(seed=1)
    text = env.unwrapped.episode.instruction
    np.testing.assert_array_equal(obs["instruction"], Tokenizer().encode(text, 48))
    assert obs["instruction"].shape == (48,)


def test_panorama_first_view_is_the_egocentric_view():
    env = VLNEnv()
    plain, _ = env.reset(seed=2)
    pano, _ = PanoramaObservation(VLNEnv()).reset(seed=2)
    assert pano["image"].shape == (56, 224, 3)
    np.testing.assert_array_equal(pano["image"][:, :56], plain["image"])


def test_symbolic_view_decodes_the_cell_codes():
    env = SymbolicObservation(VLNEnv())
    obs, _ = env.reset(seed=3)
    base = env.unwrapped
    codes = base.observer.view_codes(base.state.pose)
    for (i, j), code in np.ndenumerate(codes):
        b, o = decode(int(code))
        assert obs["image"][i, j, 0] == b
        assert (obs["image"][i, j, 1] > 0) == (o > 0)
    assert symbolic_view(np.array([[3 * N_OBJ + 1]]))[0, 0].tolist() == [3, 1, 1]


def test_topdown_places_the_house_at_the_top_left():
    env = TopDownObservation(VLNEnv(), tile=4, max_cells=40)
    obs, _ = env.reset(seed=4)
    h, w = env.unwrapped.house.shape
    assert obs["image"].shape == (160, 160, 3)
    assert obs["image"][: h * 4, : w * 4].any()
    assert not obs["image"][h * 4:, :].any() and not obs["image"][:, w * 4:].any()


def test_stable_baselines3_accepts_the_tokenized_env():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = TokenizedInstruction(VLNEnv())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # SB3 warns on anything it cannot use
        sb3_check_env(env, warn=True, skip_render_check=True)


def test_gym_make_and_wrappers_compose():
    env = SymbolicObservation(TokenizedInstruction(gym.make("vlnenv/GoToRoom-v0")))
    obs, _ = env.reset(seed=5)
    assert obs["image"].shape == (7, 7, 3) and obs["instruction"].dtype == np.int64
