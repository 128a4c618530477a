"""Rendering of ``GridHouseEnv``: rgb frames with the instruction band, ANSI text, the
pygame window, and no pygame at import time."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.rendering import FRAME_TILE
from vlnenv.render.topdown import render_topdown


def _env(**kwargs) -> GridHouseEnv:
    env = GridHouseEnv(render_mode=kwargs.pop("render_mode", None),
                       config=EnvConfig(**kwargs))
    env.reset(seed=5)
    return env


def test_rgb_frame_is_the_topdown_map_with_the_instruction_underneath():
    env = _env(render_mode="rgb_array")
    frame = env.render()
    s = env.state
    h, w = env.house.height * FRAME_TILE, env.house.width * FRAME_TILE
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[1] == w and frame.shape[0] > h
    expected = render_topdown(env.house, FRAME_TILE, structure=s.structure,
                              objects=s.objects, agent=s.pose, path=s.path)
    assert np.array_equal(frame[:h], expected)
    assert (frame[h:] != 0).any(), "the instruction band is empty"


def test_frame_shows_the_agent_turning():
    env = _env(render_mode="rgb_array")
    h = env.house.height * FRAME_TILE
    before = env.render()[:h]
    env.step(Action.TURN_LEFT)
    after = env.render()[:h]
    r, c = env.state.pos
    t = FRAME_TILE
    cell = (slice(r * t, (r + 1) * t), slice(c * t, (c + 1) * t))
    assert not np.array_equal(before[cell], after[cell])
    outside = np.ones(before.shape[:2], bool)
    outside[cell] = False
    assert np.array_equal(before[outside], after[outside])


def test_egocentric_frame_is_the_scaled_view_with_the_band():
    env = GridHouseEnv(config=EnvConfig(render_view="egocentric"), render_mode="rgb_array")
    obs, _ = env.reset(seed=5)
    frame = env.render()
    view = obs["image"]
    scale = max(1, 256 // view.shape[0])
    side = view.shape[0] * scale
    assert frame.shape[1] == side and frame.shape[0] > side
    assert np.array_equal(frame[:side], view.repeat(scale, 0).repeat(scale, 1))
    assert (frame[side:] != 0).any()


def test_ansi_shows_the_map_the_agent_arrow_and_the_instruction():
    env = _env(render_mode="ansi")
    text = env.render()
    assert isinstance(text, str)
    assert env.episode.instruction in text
    rows = text.splitlines()
    r, c = env.state.pos
    assert rows[r][c] == ">v<^"[env.state.heading]
    env.step(Action.TURN_RIGHT)
    assert env.render().splitlines()[r][c] == ">v<^"[env.state.heading]


def test_no_render_mode_renders_nothing():
    assert _env().render() is None


def test_human_mode_opens_a_window_and_closes_it(monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    env = _env(render_mode="human")
    try:
        assert env.render() is None
        env.step(Action.FORWARD)
        assert env._window is not None
    finally:
        env.close()
    assert env._window is None
    env.close()


def test_importing_vlnenv_does_not_import_pygame_or_torch():
    code = ("import sys, vlnenv, vlnenv.env.rendering, vlnenv.render.text; "
            "assert 'pygame' not in sys.modules and 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_frame_keeps_one_size_through_an_episode():
    env = GridHouseEnv(render_mode="rgb_array")
    rng = np.random.default_rng(0)
    for seed in range(5):
        env.reset(seed=seed)
        shape = env.render().shape
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(int(rng.integers(0, Action.STOP)))
            done = terminated or truncated
            assert env.render().shape == shape
