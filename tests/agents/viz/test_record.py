"""``vln record``: GIF frame counts, grids, formats and atomic writes; frames keep one
size through an episode."""

import importlib.util

import numpy as np
import pytest
from PIL import Image

from agents.cli import main
from agents.viz.driver_factory import make_driver
from agents.viz.drivers import DriverError
from agents.viz.episodes import EpisodeLookupError, SuiteEpisodes
from agents.viz.frames import Layout, compose, scene_from_env
from agents.viz.record import (
    RecordConfig,
    RecordError,
    grid_shape,
    run_episode,
    tile_episodes,
    write_video,
)
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv

SUITE, SPLIT = "tiny", "val_unseen"


def record(*extra):
    return main(["record", "--suite", SUITE, "--split", SPLIT, *extra])


def test_gif_has_one_frame_per_step_plus_the_reset_state(tmp_path, capsys):
    out = tmp_path / "oracle.gif"
    assert record("--policy", "oracle", "--episode", "val_unseen-e00005",
                  "--out", str(out)) == 0
    steps = run_episode(make_driver("oracle"), SuiteEpisodes(SUITE, SPLIT, 5).get(0),
                        draw=False).record["steps"]
    with Image.open(out) as gif:
        assert gif.n_frames == steps + 1
    assert f"success in {steps} steps, {steps + 1} frames" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["oracle.gif"]  # no temporary file


def test_recorded_episode_matches_the_benchmark_record():
    from vlnenv.eval.evaluate import evaluate

    policy = make_driver("random", seed=3)
    ref = SuiteEpisodes(SUITE, SPLIT, 2).get(0)
    mine = run_episode(policy, ref, draw=False).record
    theirs = evaluate(policy.policy, SUITE, SPLIT, episodes=[2], seed=3)[0]
    assert mine == theirs


def test_grid_tiles_episodes_and_holds_the_last_frame_of_shorter_ones(tmp_path):
    out = tmp_path / "grid.gif"
    assert record("--policy", "forward:6", "--episode", "0", "--grid", "3",
                  "--out", str(out)) == 0
    episodes = SuiteEpisodes(SUITE, SPLIT, 0)
    single = [run_episode(make_driver("forward:6"), episodes.get(i)).frames for i in range(3)]
    with Image.open(out) as gif:
        assert gif.n_frames == max(len(f) for f in single)
        width, height = gif.size
    tile_w = max(f[0].shape[1] for f in single)
    assert grid_shape(3) == (2, 2) and width > 2 * tile_w and height > 2 * single[0][0].shape[0]


def test_tile_episodes_pads_to_the_longest_episode():
    a = [np.full((4, 6, 3), v, np.uint8) for v in (10, 20, 30)]
    b = [np.full((5, 3, 3), v, np.uint8) for v in (100,)]
    frames = tile_episodes([a, b], gap=1)
    assert len(frames) == 3 and frames[0].shape == (1 + 5 + 1, 1 + 6 + 1 + 6 + 1, 3)
    assert frames[2][1, 1, 0] == 30 and frames[2][1, 8, 0] == 100  # b holds its last frame


def test_frames_keep_one_size_through_an_episode():
    env = GridHouseEnv(config=EnvConfig(expert="oracle"))
    ref = SuiteEpisodes(SUITE, SPLIT, 4).get(0)
    info = env.reset(options={"episode": ref.episode, "house": ref.house})[1]
    sizes = {compose(scene_from_env(env), Layout()).shape}
    done = False
    while not done:
        _, _, term, trunc, info = env.step(info.get("expert_action", 6))
        sizes.add(compose(scene_from_env(env, action=2)).shape)
        done = term or trunc
    assert len(sizes) == 1


def test_unknown_suffix_and_missing_video_extra_are_clear_errors(tmp_path):
    frames = [np.zeros((8, 8, 3), np.uint8)]
    with pytest.raises(RecordError, match=r"\.avi"):
        write_video(frames, tmp_path / "x.avi")
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        with pytest.raises(RecordError, match="'video' extra"):
            write_video(frames, tmp_path / "x.mp4")
    else:
        assert write_video(frames * 3, tmp_path / "x.mp4").stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".mp4"]


def test_bad_episode_and_attention_without_a_model_are_reported(tmp_path, capsys):
    assert record("--policy", "oracle", "--episode", "nope",
                  "--out", str(tmp_path / "a.gif")) == 1
    assert "no episode 'nope'" in capsys.readouterr().err
    with pytest.raises(EpisodeLookupError, match="out of range"):
        SuiteEpisodes(SUITE, SPLIT, 99)
    with pytest.raises(DriverError, match="save_pretrained"):
        make_driver("oracle", attention=True)


def test_reference_option_changes_the_map():
    ref = SuiteEpisodes(SUITE, SPLIT, 0).get(0)
    plain = run_episode(make_driver("forward:1"), ref).frames[0]
    shown = run_episode(make_driver("forward:1"), ref, RecordConfig(show_reference=True))
    assert plain.shape == shown.frames[0].shape and not np.array_equal(plain, shown.frames[0])
