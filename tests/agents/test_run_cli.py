"""``vln run``: a typed instruction in a map file or a suite episode's house, run by each
policy, printed with its metrics and recorded; refusals are one line and exit 1."""

from pathlib import Path

import pytest
from PIL import Image

from agents.cli import main
from agents.viz.episodes import EpisodeLookupError, parse_start

FAMILY = str(Path(__file__).parents[2] / "maps" / "houses" / "family_house.toml")
PILLOW = "Go to the living room and bring me a pillow"


def run(*extra):
    return main(["run", "--house", FAMILY, "--instruction", PILLOW, "--start", "9,10,0",
                 *extra])


@pytest.mark.parametrize("policy, steps, spl", [("oracle", 41, "1.00"), ("explorer", 49, "0.87"),
                                                ("rules", 49, "0.87")])
def test_each_policy_runs_the_typed_instruction_and_prints_its_metrics(policy, steps, spl,
                                                                        capsys):
    assert run("--policy", policy) == 0
    out = capsys.readouterr().out
    assert '"family": "fetch", "object": {"kind": "pillow", "color": null, "room": "L"}' in out
    assert f"{policy}: success in {steps} steps" in out
    assert f"SPL {spl}" in out and "nDTW" in out and "CLS" in out


def test_out_writes_a_gif_with_one_frame_per_step_plus_reset(tmp_path, capsys):
    out = tmp_path / "episode.gif"
    assert run("--policy", "oracle", "--out", str(out)) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 42
    assert f"wrote {out}" in capsys.readouterr().out


def test_unknown_words_are_refused_in_one_line_with_exit_code_1(capsys):
    assert main(["run", "--house", FAMILY, "--instruction", "bring me a pilow"]) == 1
    err = capsys.readouterr().err
    assert err == ("vln: error: unknown word 'pilow' at word 4 (did you mean 'pillow'?)\n")


def test_a_suite_episode_gives_the_house_and_start(capsys):
    args = ["run", "--suite", "tiny", "--split", "val_unseen", "--episode", "0",
            "--policy", "rules", "--instruction"]
    assert main([*args, "go to the kitchen"]) == 0
    out = capsys.readouterr().out
    assert "start: [6, 4, 2] in val_unseen-h0000" in out
    assert "rules: success in 33 steps" in out
    assert main([*args, "go to the bathroom"]) == 1
    assert capsys.readouterr().err == (
        "vln: error: 'go to the bathroom' already holds at the start [6, 4, 2]; expected a "
        "start away from the goal\n")


def test_start_must_be_three_integers():
    assert parse_start("9, 10, 0") == (9, 10, 0)
    with pytest.raises(EpisodeLookupError, match="expected ROW,COL,HEADING"):
        parse_start("9,10")


def test_play_takes_a_typed_instruction(monkeypatch, capsys):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    assert main(["play", "--house", FAMILY, "--instruction", "walk to the white cup",
                 "--start", "9,10,0", "--keys", "up,enter"]) == 0
    assert "typed-0-0: failure after 2 steps" in capsys.readouterr().out
