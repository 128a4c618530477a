"""The output rule (vlnenv.fileio): folders created if missing, refused if a file, earlier
results replaced only with force and only once the new ones are whole."""

import pytest

from vlnenv.errors import OutputError
from vlnenv.fileio import check_output, output_file, output_folder


def earlier(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("old")
    return out


def test_a_missing_folder_is_created_with_the_results(tmp_path):
    out = tmp_path / "a" / "b"
    with output_folder(out) as work:
        (work / "r.txt").write_text("new")
    assert (out / "r.txt").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]  # no temporary left


def test_a_file_is_refused_as_an_output_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file; expected a folder"):
        check_output(tmp_path / "f")
    with pytest.raises(OutputError, match="is a file"):
        check_output(tmp_path / "f" / "sub")


def test_earlier_results_are_refused_without_force(tmp_path):
    out = earlier(tmp_path)
    with pytest.raises(OutputError, match="holds earlier results; pass --force"):
        with output_folder(out):
            pass
    assert (out / "results.json").read_text() == "old"


def test_an_empty_folder_is_used_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    with output_folder(tmp_path / "out") as work:
        (work / "r.txt").write_text("new")
    assert (tmp_path / "out" / "r.txt").read_text() == "new"


def test_earlier_results_survive_a_failed_run_even_with_force(tmp_path):
    out = earlier(tmp_path)
    for in_place in (False, True):
        with pytest.raises(RuntimeError):
            with output_folder(out, force=True, in_place=in_place) as work:
                (work / "half.txt").write_text("half")
                raise RuntimeError("the run failed")
        assert sorted(p.name for p in out.iterdir()) == ["results.json"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_replaces_earlier_results_once_the_new_ones_are_whole(tmp_path):
    out = earlier(tmp_path)
    with output_folder(out, force=True) as work:
        assert (out / "results.json").read_text() == "old"  # still there while writing
        (work / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_in_place_writes_into_the_folder_itself(tmp_path):
    out = earlier(tmp_path)
    with output_folder(out, force=True, in_place=True) as work:
        assert work == out and not (out / "results.json").exists()
        (work / "new.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]


def test_an_output_file_is_replaced_only_with_force(tmp_path):
    path = tmp_path / "sub" / "x.png"
    with output_file(path) as tmp:
        tmp.write_text("one")
    with pytest.raises(OutputError, match="exists; pass --force"):
        with output_file(path):
            pass
    with output_file(path, force=True) as tmp:
        tmp.write_text("two")
    assert path.read_text() == "two"
    with pytest.raises(OutputError, match="is a folder; expected a file"):
        check_output(tmp_path / "sub", folder=False)


def test_an_unwritable_folder_is_an_output_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError):
        with output_file(tmp_path / "f" / "x.png", force=True):
            pass


def test_force_never_replaces_the_current_folder_one_above_it_or_home(tmp_path, monkeypatch):
    out = earlier(tmp_path)
    (out / "sub").mkdir()
    monkeypatch.chdir(out / "sub")
    for folder in (out / "sub", out, tmp_path):
        with pytest.raises(OutputError, match="is the folder you are in"):
            check_output(folder, force=True)
    monkeypatch.setenv("HOME", str(out))
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(OutputError, match="or your home folder"):
        check_output(out, force=True)
    assert (out / "results.json").read_text() == "old"
