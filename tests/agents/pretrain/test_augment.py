"""Speaker augmentation: the speaker writes one instruction per demonstration from the views
along its reference path, the same each time; only the words change, and demonstrations it
writes nothing for are left out; ``vln pretrain speak`` writes them to a file that
behaviour cloning reads, and never replaces an existing one unasked."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.cli import main
from agents.models.config import ModelConfig
from agents.pretrain.augment import respoken, speak, spoken_demos
from agents.pretrain.config import PretrainConfig
from agents.pretrain.loop import load_pretrain_model, pretrain
from agents.pretrain.model import PretrainModel
from agents.train.data.demo_set import load_demos
from agents.train.data.demos import generate_demos
from agents.train.errors import TrainError
from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.trajectories import trajectory_codes, trajectory_pairs
from vlnenv.pretrain.views import render_views
from vlnenv.suites.load import load_suite

TINY = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1, n_fusion_layer=1)


@pytest.fixture(scope="module")
def demos():
    return generate_demos("tiny", "train", "oracle")


def test_trajectory_codes_are_the_views_of_the_trajectory_pairs():
    suite = load_suite("tiny")
    episodes = suite.episodes("train")
    pairs = trajectory_pairs(episodes, suite.houses, n=len(episodes), seed=3)
    by_id = {ep.episode_id: ep for ep in episodes}
    codes = trajectory_codes([by_id[p.episode_id] for p in pairs], suite.houses)
    assert codes.shape == (len(pairs), 6, 7, 7)
    for pair, c in zip(pairs, codes, strict=True):
        assert np.array_equal(pair.codes, c)


def test_the_speaker_writes_its_greedy_text_for_each_path_the_same_twice(demos):
    suite = load_suite("tiny")
    model = PretrainModel(TINY, seed=4).eval()
    episodes = demos.episodes[:5]
    said = speak(model, episodes, suite.houses, batch=2)
    assert said == speak(model, episodes, suite.houses, batch=5)
    images = torch.as_tensor(render_views(trajectory_codes(episodes, suite.houses)))
    with torch.no_grad():
        memory = model.trajectory.frames(model.path_frames(images))
    assert said == [Tokenizer().decode(ids) for ids in model.speaker.greedy(memory, 100)]


def test_respoken_changes_only_the_words_and_leaves_out_empty_texts(demos):
    texts = ["go to the kitchen .", "", "go to the bedroom .", " "]
    out = respoken(demos.subset(range(4)), texts)
    assert [ep.instruction for ep in out.episodes] == ["go to the kitchen .",
                                                       "go to the bedroom ."]
    for i, j in ((0, 0), (1, 2)):
        before, after = demos.episodes[j], out.episodes[i]
        assert after.episode_id == before.episode_id and after.task == before.task
        assert np.array_equal(out.actions[i], demos.actions[j])
        assert np.array_equal(out.labels[i], demos.labels[j])
        assert vars(out.traces[i]) == vars(demos.traces[j])
    with pytest.raises(TrainError, match="2 texts for 4"):
        respoken(demos.subset(range(4)), texts[:2])


@pytest.fixture(scope="module")
def speaker_run(tmp_path_factory: pytest.TempPathFactory):
    """A one-step pretraining run of tiny encoders and speaker on the tiny suite."""
    out = tmp_path_factory.mktemp("speaker") / "pt"
    pretrain(PretrainConfig(objectives=("caption",), suite="tiny", views=8, paths=8,
                            batch=4, path_batch=2, steps=1, device="cpu", model=TINY),
             out, progress=False)
    return out


def test_spoken_demos_are_fresh_teacher_runs_said_by_the_speaker(speaker_run, tmp_path):
    suite = load_suite("tiny")
    model, _ = load_pretrain_model(speaker_run)
    demos = spoken_demos(model, suite, 4, ("go_to_room", "fetch"), seed=1, demos_dir=tmp_path)
    assert 1 <= len(demos) <= 4
    assert {ep.family for ep in demos.episodes} <= {"go_to_room", "fetch"}
    assert all(ep.episode_id.startswith("train-s1-") for ep in demos.episodes)
    assert [ep.instruction for ep in demos.episodes] == [
        t for t in speak(model, demos.episodes, suite.houses) if t.strip()]
    assert 0 <= demos.meta["verified"] <= 1
    with pytest.raises(TrainError, match="samples"):
        spoken_demos(model, suite, 4, ("hop",), demos_dir=tmp_path)


def test_vln_pretrain_speak_writes_a_file_bc_reads_and_keeps_an_existing_one(
        speaker_run, tmp_path, capsys):
    out = tmp_path / "spoken.npz"
    argv = ["pretrain", "speak", str(speaker_run), "--out", str(out), "--episodes", "3",
            "--families", "go_to_room", "--demos-dir", str(tmp_path / "demos")]
    assert main(argv) == 0
    assert f"to {out}" in capsys.readouterr().out
    written = load_demos(out)
    assert [ep.family for ep in written.episodes] == ["go_to_room"] * len(written)
    assert written.meta["speaker"] == str(speaker_run)
    before = out.read_bytes()
    assert main(argv) == 1
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main([*argv[:-4], "--families", "hop", "--force"]) == 1
    assert "--families 'hop'" in capsys.readouterr().err
    assert out.read_bytes() == before
