"""``--resume`` goes on in the folder named on the command line (a copied or moved run
resumes where it now is, and never writes into the original); a changed setting is applied
when safe (said in the log) or refused with the list of differences; ``--force`` replaces
an earlier run only once the new one has ended well."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents.train.bc import train_bc
from agents.train.checkpoint import load_checkpoint
from agents.train.errors import TrainError
from vlnenv.errors import OutputError


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_copied_then_moved_run_resumes_in_place_with_a_longer_schedule(bc_run, tiny_config,
                                                                       tmp_path, capsys):
    original = Path(bc_run.out)
    before = snapshot(original)
    copy = shutil.copytree(original, tmp_path / "copy")
    moved = tmp_path / "moved"
    shutil.move(copy, moved)
    result = train_bc(tiny_config(f"run.out={moved}", "run.resume=true", "optim.max_steps=50"))
    assert result.out == str(moved) and result.steps == 50
    assert load_checkpoint(moved / "last.pt")["step"] == 50
    assert load_checkpoint(moved / "last.pt")["config"]["run"]["out"] == str(moved)
    assert snapshot(original) == before  # the original run is untouched
    err = capsys.readouterr().err
    assert "resume: optim.max_steps 40 -> 50 (applied)" in err
    assert f"resume: the run was started in {original}; it goes on in {moved}" in err


def test_a_changed_setting_that_is_not_safe_is_refused_with_the_differences(bc_run,
                                                                          tiny_config,
                                                                          tmp_path):
    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    with pytest.raises(TrainError, match=r"--resume: 2 setting\(s\) differ from the run's own "
                                         r".*: data.lanes 4 -> 6; optim.lr 0.003 -> 0.001; "
                                         r"expected only \['optim.max_steps'"):
        train_bc(tiny_config(f"run.out={copy}", "run.resume=true", "optim.lr=1e-3",
                             "data.lanes=6"))


def test_resume_and_force_together_are_refused(bc_run, tiny_config, tmp_path):
    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    with pytest.raises(TrainError, match="expected one of them"):
        train_bc(tiny_config(f"run.out={copy}", "run.resume=true", "run.force=true"))


def test_a_new_run_refuses_a_folder_of_other_files_or_a_file(tiny_config, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds earlier results; pass --force"):
        train_bc(tiny_config())
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        train_bc(tiny_config(f"run.out={tmp_path / 'file'}"))


def test_force_keeps_the_earlier_run_when_the_new_one_fails(bc_run, tiny_config, tmp_path):
    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    before = snapshot(copy)
    with pytest.raises(TrainError, match="has no split"):
        train_bc(tiny_config(f"run.out={copy}", "run.force=true", "data.split=nosuch"))
    assert snapshot(copy) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


def test_a_negative_seed_in_a_config_is_refused(tiny_config):
    with pytest.raises(TrainError, match=r"run.seed: expected an integer >= 0, got -1"):
        tiny_config("run.seed=-1")


def test_force_is_never_saved_with_the_run(tiny_config, tmp_path):
    from agents.train.resume import prepare_run

    config, notes = prepare_run(tiny_config("run.force=true"))
    assert config.run.force is False and notes == []


def test_force_replaces_an_earlier_run_once_the_new_one_ends(bc_run, tiny_config, tmp_path):
    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    (copy / "mine.txt").write_text("an earlier file")
    result = train_bc(tiny_config(f"run.out={copy}", "run.force=true", "optim.max_steps=4",
                                  "optim.warmup_steps=1"))
    assert result.steps == 4 and load_checkpoint(copy / "last.pt")["step"] == 4
    assert not (copy / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]
    assert load_checkpoint(copy / "last.pt")["config"]["run"]["force"] is False


def test_force_never_deletes_the_run_dagger_starts_from(bc_run, tiny_config, tmp_path):
    from agents.train.resume import prepare_run

    copy = shutil.copytree(bc_run.out, tmp_path / "copy")
    with pytest.raises(OutputError, match="an input of this run; --force would delete it"):
        prepare_run(tiny_config(f"run.out={copy}", "run.force=true",
                                f"dagger.init={copy / 'last.pt'}"))
