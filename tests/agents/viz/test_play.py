"""``vln play``: key mapping, a session driven by commands, and scripted headless play
to a success and a failure on a tiny-suite episode."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.cli import main
from agents.viz.episodes import SampledEpisodes, SuiteEpisodes
from agents.viz.frames import FAILURE_RGB, SUCCESS_RGB
from agents.viz.play import (
    ACTION_KEYS,
    Command,
    PlayError,
    PlaySession,
    key_command,
    keys_for_actions,
    parse_keys,
    play,
)
from vlnenv.actions import Action
from vlnenv.eval.baselines import OraclePolicy
from vlnenv.eval.evaluate import evaluate

SUITE, SPLIT, EPISODE = "tiny", "val_seen", "val_seen-e00003"
HOUSES = Path(__file__).parents[3] / "maps" / "houses"


def oracle_keys(episode=3):
    record = evaluate(OraclePolicy(), SUITE, SPLIT, episodes=[episode])[0]
    return keys_for_actions(record["actions"]), record["steps"]


def test_keys_follow_minigrid_manual_control():
    assert key_command("left") is Action.TURN_LEFT and key_command("right") is Action.TURN_RIGHT
    assert key_command("up") is Action.FORWARD and key_command("space") is Action.TOGGLE
    assert key_command("page up") is key_command("tab") is Action.PICKUP
    assert key_command("page down") is key_command("left shift") is Action.DROP
    assert key_command("return") is key_command("enter") is Action.STOP
    assert key_command("backspace") is Command.RESET and key_command("escape") is Command.QUIT
    assert key_command("n") is Command.NEXT and key_command("r") is Command.REFERENCE
    assert key_command("q") is None
    assert set(ACTION_KEYS) == set(Action)


def test_parse_keys_rejects_unknown_names():
    assert parse_keys(" up, up ,left,enter") == ["up", "up", "left", "enter"]
    with pytest.raises(PlayError, match="jump"):
        parse_keys("up,jump")


def test_scripted_oracle_keys_reach_success_with_a_green_banner(tmp_path):
    keys, steps = oracle_keys()
    out = tmp_path / "last.png"
    result = play(SuiteEpisodes(SUITE, SPLIT, EPISODE), script=keys, save_last=out)
    assert result.success is True and result.steps == steps
    saved = np.asarray(Image.open(out).convert("RGB"))
    assert saved.shape == result.frame.shape and saved.shape[1] > 400
    assert tuple(saved[-2, -2]) == SUCCESS_RGB  # the bottom-right corner of the banner
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_stopping_at_the_start_fails_with_a_red_banner(tmp_path):
    out = tmp_path / "last.png"
    result = play(SuiteEpisodes(SUITE, SPLIT, EPISODE), script=["up", "enter", "up"],
                  save_last=out)
    assert result.success is False and result.steps == 2  # keys after the end are ignored
    assert tuple(np.asarray(Image.open(out).convert("RGB"))[-2, -2]) == FAILURE_RGB


def test_backspace_restarts_and_n_moves_to_the_next_episode():
    session = PlaySession(SuiteEpisodes(SUITE, SPLIT, 3))
    first = session.frame()
    for key in ("up", "left", "backspace"):
        session.handle(key_command(key))
    assert session.env.state.step == 0 and np.array_equal(session.frame(), first)
    session.handle(key_command("n"))
    assert session.env.episode.episode_id == "val_seen-e00004"


def test_r_toggles_the_reference_path_on_the_map():
    session = PlaySession(SuiteEpisodes(SUITE, SPLIT, 3))
    plain = session.frame()
    session.handle(Command.REFERENCE)
    shown = session.frame()
    assert shown.shape == plain.shape and not np.array_equal(shown, plain)
    session.handle(Command.REFERENCE)
    assert np.array_equal(session.frame(), plain)


def test_escape_quits_before_the_rest_of_the_script():
    result = play(SuiteEpisodes(SUITE, SPLIT, 3), script=["up", "escape", "up", "up"])
    assert result.steps == 1 and result.success is None


def test_vln_play_with_keys_on_a_map_file(tmp_path, capsys):
    out = tmp_path / "frame.png"
    house = str(HOUSES / "studio.toml")
    assert main(["play", "--house", house, "--task", "go_to_object", "--seed", "2",
                 "--keys", "left,enter", "--save-last", str(out)]) == 0
    episode = SampledEpisodes(house, "go_to_object", 2).get(0).episode
    assert episode == SampledEpisodes(house, "go_to_object", 2).get(0).episode  # seeded
    assert f"{episode.episode_id}: failure after 2 steps" in capsys.readouterr().out
    assert tuple(np.asarray(Image.open(out).convert("RGB"))[-2, -2]) == FAILURE_RGB


@pytest.mark.parametrize("environ, platform, problem", [
    ({}, "linux", "no display (DISPLAY and WAYLAND_DISPLAY are not set)"),
    ({"SDL_VIDEODRIVER": "dummy", "DISPLAY": ":0"}, "linux", "SDL_VIDEODRIVER=dummy shows no "
                                                             "window"),
    ({"SDL_VIDEODRIVER": "offscreen"}, "darwin", "SDL_VIDEODRIVER=offscreen shows no window"),
    ({"DISPLAY": ":0"}, "linux", None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
    ({"SDL_VIDEODRIVER": "kmsdrm"}, "linux", None),
    ({}, "darwin", None),
    ({}, "win32", None),
])
def test_display_problem_names_why_no_window_can_open(environ, platform, problem):
    from agents.viz.play import display_problem

    assert display_problem(environ, platform) == problem


def test_vln_play_without_a_display_refuses_in_one_line_and_says_how_to_record(monkeypatch,
                                                                              capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["play", "--suite", SUITE, "--split", SPLIT]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("vln: error: cannot play by hand: no display")
    assert "vln record --policy oracle" in err and "--keys" in err


def test_play_refuses_when_sdl_falls_back_to_a_headless_driver(monkeypatch):
    # DISPLAY set but no server: SDL silently picks 'offscreen'; simulated with 'dummy'
    monkeypatch.setattr("agents.viz.play.display_problem", lambda environ, platform: None)
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    with pytest.raises(PlayError, match="no display could be opened \\(SDL chose the 'dummy' "
                                        "driver\\)"):
        play(SuiteEpisodes(SUITE, SPLIT, EPISODE))
