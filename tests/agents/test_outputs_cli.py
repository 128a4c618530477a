"""Hostile-user probes of the command line: outputs are never deleted or replaced without
``--force``, damaged suites are refused, everyday mistakes are one-line errors (exit 1, or
argparse's usage error, exit 2), never tracebacks."""

import json
import shutil

import pytest

from agents.cli import main
from vlnenv.suites.load import suites_root


def one_line_error(capsys, starts: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"vln: error: {starts}"), err
    return err


def earlier_results(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    return out


def test_quickstart_leaves_an_earlier_folder_alone_when_it_fails(tmp_path, capsys):
    out = earlier_results(tmp_path)
    assert main(["quickstart", "--out", str(out), "--suite", "nosuch"]) == 1
    one_line_error(capsys, f"{out}: holds earlier results; pass --force")
    assert main(["quickstart", "--out", str(out), "--suite", "nosuch", "--force"]) == 1
    one_line_error(capsys, "no suite 'nosuch'")
    assert [p.name for p in out.iterdir()] == ["precious.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_quickstart_refuses_a_file_as_its_folder(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["quickstart", "--out", str(tmp_path / "f"), "--suite", "tiny"]) == 1
    one_line_error(capsys, f"{tmp_path / 'f'}: is a file; expected a folder")


def bench(out, *extra):
    return main(["benchmark", "--suite", "tiny", "--split", "val_unseen", "--policy", "random",
                 "--episodes", "2", "--out", str(out), *extra])


def test_benchmark_checks_its_output_before_it_runs(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert bench(tmp_path / "f") == 1
    one_line_error(capsys, f"{tmp_path / 'f'}: is a file")
    out = earlier_results(tmp_path)
    assert bench(out) == 1
    one_line_error(capsys, f"{out}: holds earlier results")
    assert bench(out, "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["results.csv", "results.json", "results.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "out"]


@pytest.mark.parametrize("argv", [
    ["benchmark", "--suite", "tiny", "--policy", "random", "--seed", "-1"],
    ["train", "bc", "--seed", "-1"],
    ["record", "--policy", "random", "--out", "x.gif", "--seed", "-1"],
    ["quickstart", "--seed", "-1"],
    ["house", "new", "--seed", "-1", "--out", "x.toml"],
])
def test_a_negative_seed_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "argument --seed: -1: expected a seed, an integer >= 0" in capsys.readouterr().err


def test_more_episodes_than_the_split_has_is_refused(tmp_path, capsys):
    assert main(["benchmark", "--suite", "tiny", "--policy", "random", "--episodes", "1000000",
                 "--out", str(tmp_path / "r")]) == 1
    one_line_error(capsys, "episodes = 1000000: split val_unseen of suite tiny has 10; "
                           "expected 1..10")
    assert not (tmp_path / "r").exists()


def test_quickstart_refuses_more_episodes_than_the_split_before_training(tmp_path, capsys):
    assert main(["quickstart", "--suite", "tiny", "--out", str(tmp_path / "q"), "--episodes",
                 "1000000"]) == 1
    one_line_error(capsys, "episodes = 1000000: the test and val_unseen splits of suite tiny "
                           "have 10")
    assert not (tmp_path / "q").exists()


def test_record_refuses_an_existing_video_before_it_runs(tmp_path, capsys):
    (tmp_path / "v.gif").write_bytes(b"old")
    assert main(["record", "--policy", "oracle", "--suite", "tiny", "--out",
                 str(tmp_path / "v.gif")]) == 1
    one_line_error(capsys, f"{tmp_path / 'v.gif'}: exists; pass --force")
    assert (tmp_path / "v.gif").read_bytes() == b"old"


def test_a_missing_policy_path_is_named_as_a_path(tmp_path, capsys):
    assert main(["benchmark", "--suite", "tiny", "--policy", str(tmp_path / "nosuch" / "model"),
                 "--out", str(tmp_path / "r")]) == 1
    one_line_error(capsys, f"{tmp_path / 'nosuch' / 'model'}: no model folder or training "
                           "checkpoint there")


def test_house_show_on_a_missing_file_or_an_unwritable_out_is_one_line(tmp_path, capsys):
    assert main(["house", "show", str(tmp_path / "nosuch.toml")]) == 1
    one_line_error(capsys, f"{tmp_path / 'nosuch.toml'}: cannot read the file")
    assert main(["house", "show", ""]) == 1  # found by tests/properties (was a ValueError)
    one_line_error(capsys, ".: cannot read the file")
    house = tmp_path / "h.toml"
    assert main(["house", "new", "--seed", "3", "--out", str(house)]) == 0
    (tmp_path / "f").write_text("x")
    capsys.readouterr()
    assert main(["house", "show", str(house), "--out", str(tmp_path / "f" / "x.png")]) == 1
    one_line_error(capsys, f"{tmp_path / 'f' / 'x.png'}: cannot write there, "
                           f"{tmp_path / 'f'} is a file")
    assert main(["house", "new", "--seed", "4", "--out", str(house)]) == 1
    one_line_error(capsys, f"{house}: exists; pass --force")
    assert main(["house", "new", "--seed", "4", "--out", str(house), "--force"]) == 0


@pytest.fixture
def tampered(tmp_path):
    """A copy of the tiny suite with one byte of a val_unseen house changed."""
    folder = shutil.copytree(suites_root() / "tiny", tmp_path / "tiny")
    manifest = json.loads((folder / "manifest.json").read_text())
    rel = next(r for r in sorted(manifest["files"]) if r.startswith("houses/val_unseen/"))
    data = (folder / rel).read_bytes()
    (folder / rel).write_bytes(data.replace(b"name = \"", b"name = \"X", 1))
    return folder, rel, manifest["suite_sha256"]


def test_benchmark_refuses_a_tampered_suite_unless_told_not_to_verify(tampered, tmp_path,
                                                                      capsys):
    folder, rel, claimed = tampered
    argv = ["benchmark", "--suite", str(folder), "--policy", "oracle", "--episodes", "2"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 1
    one_line_error(capsys, f"suite tiny fails its hash check: {folder / rel}: sha256")
    assert not (tmp_path / "a").exists()
    assert main([*argv, "--out", str(tmp_path / "b"), "--no-verify"]) == 0
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert results["suite_verified"] is False
    assert results["suite_sha256"] != claimed and len(results["suite_sha256"]) == 64
    assert "NOT verified" in capsys.readouterr().out
    assert "(NOT verified against the manifest: `--no-verify`" in (
        tmp_path / "b" / "results.md").read_text()


def test_benchmark_records_the_hash_it_verified(tmp_path):
    assert bench(tmp_path / "r") == 0
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    manifest = json.loads((suites_root() / "tiny" / "manifest.json").read_text())
    assert results["suite_verified"] is True
    assert results["suite_sha256"] == manifest["suite_sha256"]


def test_force_never_deletes_the_model_being_benchmarked(tmp_path, capsys):
    from agents.models import ModelConfig, MultimodalTransformer

    run = tmp_path / "run"
    MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                                      n_fusion_layer=1)).save_pretrained(run / "best")
    other = tmp_path / "other"
    MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                                      n_fusion_layer=1)).save_pretrained(other)
    for policy in (str(run / "best"), f"sampled:{run / 'best'}@0.5",
                   f"margin:{run / 'best'}@1", f"ensemble:{other}+{run / 'best'}"):
        assert main(["benchmark", "--suite", "tiny", "--policy", policy, "--episodes", "1",
                     "--out", str(run), "--force"]) == 1
        one_line_error(capsys, f"{run}: holds {run / 'best'}, an input of this run")
    assert (run / "best" / "model.pt").is_file()


def test_policy_inputs_name_every_member_with_and_without_its_value():
    from agents.commands.benchmark import policy_inputs

    assert policy_inputs("runs/a/best") == ["runs/a/best"]
    assert policy_inputs("sampled:runs/a/best@0.5") == [
        "sampled:runs/a/best@0.5", "runs/a/best@0.5", "runs/a/best"]
    assert policy_inputs("ensemble:runs/a/best+runs/b/last.pt") == [
        "ensemble:runs/a/best+runs/b/last.pt", "runs/a/best", "runs/b/last.pt"]
