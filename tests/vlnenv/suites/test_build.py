"""Building suites: byte-identical rebuilds, independent streams, atomic replacement."""

import json
import shutil
from pathlib import Path

import pytest

import vlnenv.suites.build as build
from vlnenv.suites.build import build_suite, house_seed, stream
from vlnenv.suites.load import load_suite, suites_root
from vlnenv.suites.spec import SuiteError

TINY = suites_root() / "tiny"

SPEC = """
name = "mini"
seed = 11
families = ["go_to_room", "fetch"]
[houses]
source = "generated"
preset = "small"
[splits.train]
houses = 2
episodes = {train}
[splits.val_seen]
episodes = 2
[splits.test]
houses = 1
episodes = {test}
"""


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_spec(folder: Path, train: int = 4, test: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "spec.toml"
    spec.write_text(SPEC.format(train=train, test=test))
    return spec


def test_rebuilding_tiny_gives_the_shipped_bytes(tmp_path):
    out = build_suite(TINY / "spec.toml", tmp_path / "tiny")
    assert files_of(out) == files_of(TINY)


def test_building_twice_gives_identical_files(tmp_path):
    spec = write_spec(tmp_path / "mini")
    first = files_of(build_suite(spec, tmp_path / "a"))
    second = files_of(build_suite(spec, tmp_path / "b"))
    assert first == second
    assert set(first) == {
        "spec.toml", "manifest.json", "episodes/train.jsonl", "episodes/val_seen.jsonl",
        "episodes/test.jsonl", "houses/train/train-h0000.toml", "houses/train/train-h0001.toml",
        "houses/test/test-h0000.toml",
    }


def test_growing_one_split_changes_no_other_and_keeps_its_first_episodes(tmp_path):
    small = files_of(build_suite(write_spec(tmp_path / "s1", test=3), tmp_path / "a"))
    grown = files_of(build_suite(write_spec(tmp_path / "s2", test=6), tmp_path / "b"))
    for name in ("episodes/train.jsonl", "episodes/val_seen.jsonl",
                 "houses/train/train-h0000.toml", "houses/test/test-h0000.toml"):
        assert small[name] == grown[name], name
    assert grown["episodes/test.jsonl"].startswith(small["episodes/test.jsonl"])


def test_families_get_equal_shares_and_the_manifest_counts_them(tmp_path):
    suite = load_suite(build_suite(write_spec(tmp_path / "mini", train=4), tmp_path / "out"))
    assert suite.manifest["splits"]["train"]["families"] == {"go_to_room": 2, "fetch": 2}
    assert [ep.family for ep in suite.episodes("train")] == ["go_to_room", "fetch"] * 2
    assert suite.house_ids("val_seen") == suite.house_ids("train")
    assert {ep.house for ep in suite.episodes("val_seen")} <= set(suite.house_ids("train"))


def test_streams_depend_only_on_seed_split_role_and_index():
    a = stream(3, "test", 1, 7).integers(1 << 30, size=4)
    b = stream(3, "test", 1, 7).integers(1 << 30, size=4)
    c = stream(3, "test", 1, 8).integers(1 << 30, size=4)
    assert a.tolist() == b.tolist() != c.tolist()
    assert house_seed(3, "train", 0) != house_seed(3, "val_unseen", 0)


def test_a_failed_build_leaves_the_old_suite_and_no_temporary_folder(tmp_path, monkeypatch):
    spec = write_spec(tmp_path / "mini")
    before = files_of(build_suite(spec))

    def broken(*args, **kwargs):
        raise SuiteError("simulated failure")

    monkeypatch.setattr(build, "sample_split", broken)
    with pytest.raises(SuiteError, match="simulated failure"):
        build_suite(spec)
    assert files_of(tmp_path / "mini") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini"]


def test_a_failed_write_leaves_the_old_suite_in_place(tmp_path, monkeypatch):
    spec = write_spec(tmp_path / "mini")
    before = files_of(build_suite(spec))
    real_replace = build.os.replace

    def failing_replace(src, dst):
        if Path(src).name.startswith(".mini.partial-"):  # the new suite, not the old
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(build.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        build_suite(spec)
    assert files_of(tmp_path / "mini") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini"]


def test_refuses_to_replace_a_folder_that_is_not_a_suite(tmp_path):
    spec = write_spec(tmp_path / "mini")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(SuiteError, match="refusing to replace"):
        build_suite(spec, precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_handmade_suites_refer_to_the_map_files_and_hash_them(tmp_path):
    root = tmp_path / "maps"
    shutil.copytree(suites_root().parent / "houses", root / "houses")
    folder = root / "suites" / "hm"
    folder.mkdir(parents=True)
    (folder / "spec.toml").write_text(
        'name = "hm"\nseed = 1\nfamilies = ["go_to_room"]\n[houses]\nsource = "handmade"\n'
        'dir = "../../houses"\n[splits.test]\nhouses = ["studio"]\nepisodes = 2\n')
    suite = load_suite(build_suite(folder / "spec.toml"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["houses"] == {"studio": "../../houses/studio.toml"}
    assert "../../houses/studio.toml" in manifest["files"]
    assert not (folder / "houses").exists()
    assert suite.houses["studio"].name == "studio apartment"


def test_a_handmade_house_that_is_missing_is_named(tmp_path):
    folder = tmp_path / "hm"
    folder.mkdir()
    (folder / "spec.toml").write_text(
        'name = "hm"\nseed = 1\n[houses]\nsource = "handmade"\ndir = "nowhere"\n'
        '[splits.test]\nhouses = ["castle"]\nepisodes = 2\n')
    with pytest.raises(SuiteError, match="names 'castle'"):
        build_suite(folder / "spec.toml")


def test_rephrased_splits_change_only_the_text_and_no_other_split(tmp_path):
    plain = files_of(build_suite(write_spec(tmp_path / "s1", test=6), tmp_path / "a"))
    spec = write_spec(tmp_path / "s2", test=6)
    spec.write_text(spec.read_text() + (
        '[splits.test_phrasing]\nepisodes_from = "test"\nphrasing = "held_out"\n'
        '[splits.test_trained_phrasing]\nepisodes_from = "test"\nphrasing = "trained"\n'))
    suite = load_suite(build_suite(spec, tmp_path / "b"))
    for name in ("episodes/train.jsonl", "episodes/val_seen.jsonl", "episodes/test.jsonl",
                 "houses/test/test-h0000.toml"):
        assert files_of(suite.path)[name] == plain[name], name
    test = suite.episodes("test")
    held, trained = suite.episodes("test_phrasing"), suite.episodes("test_trained_phrasing")
    for twin in (held, trained):
        assert [e.to_json() | {"instruction": ""} for e in twin] == [
            e.to_json() | {"instruction": ""} for e in test]
    assert all(h.instruction != t.instruction for h, t in zip(held, trained, strict=True))
    assert suite.house_ids("test_phrasing") == suite.house_ids("test")
    assert suite.manifest["splits"]["test_phrasing"]["episodes"] == 6
