"""``vln suite``: build, check and list, as a user runs them."""

import shutil

from agents.cli import main
from vlnenv.suites.load import suites_root


def test_build_then_check_a_suite(tmp_path, capsys):
    spec = tmp_path / "mini" / "spec.toml"
    spec.parent.mkdir()
    spec.write_text('name = "mini"\nseed = 2\nfamilies = ["go_to_room"]\n[splits.train]\n'
                    'houses = 1\nepisodes = 2\n')
    assert main(["suite", "build", str(spec)]) == 0
    assert "train: 1 houses, 2 episodes" in capsys.readouterr().out
    assert main(["suite", "check", str(spec.parent)]) == 0
    assert "ok: hashes and 2 episodes solved by the oracle" in capsys.readouterr().out


def test_build_into_another_folder(tmp_path, capsys):
    assert main(["suite", "build", str(suites_root() / "tiny" / "spec.toml"), "--out",
                 str(tmp_path / "copy")]) == 0
    assert (tmp_path / "copy" / "manifest.json").is_file()


def test_another_built_suite_is_replaced_only_with_force(tmp_path, capsys):
    spec = str(suites_root() / "tiny" / "spec.toml")
    out = tmp_path / "copy"
    assert main(["suite", "build", spec, "--out", str(out)]) == 0
    (out / "houses" / "note.txt").write_text("mine")
    capsys.readouterr()
    assert main(["suite", "build", spec, "--out", str(out)]) == 1
    assert "holds a built suite; pass --force" in capsys.readouterr().err
    assert (out / "houses" / "note.txt").is_file()
    assert main(["suite", "build", spec, "--out", str(out), "--force"]) == 0
    assert not (out / "houses" / "note.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


def test_check_names_a_corrupted_file_and_exits_1(tmp_path, capsys):
    tiny = shutil.copytree(suites_root() / "tiny", tmp_path / "tiny")
    (tiny / "episodes" / "train.jsonl").write_text("{}\n")
    assert main(["suite", "check", str(tiny)]) == 1
    err = capsys.readouterr().err
    assert "episodes/train.jsonl: sha256" in err and "1 problem(s)" in err


def test_list_shows_the_shipped_suites(capsys):
    assert main(["suite", "list"]) == 0
    out = capsys.readouterr().out
    for name, version in (("tiny", 1), ("small", 2), ("large", 1), ("handmade", 1)):
        assert f"{name} v{version}:" in out


def test_a_bad_spec_exits_1_with_the_field(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "x"\nseed = "one"\n[splits.test]\nhouses = 1\nepisodes = 1\n')
    assert main(["suite", "build", str(spec)]) == 1
    assert "seed = 'one'" in capsys.readouterr().err
