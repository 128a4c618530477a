"""Checking built suites: hashes, unlisted files, and episodes the oracle must solve."""

import json
import shutil

import pytest

from vlnenv.suites.build import dumps_json, suite_hash
from vlnenv.suites.check import check_episode, check_suite
from vlnenv.suites.load import load_suite, suites_root
from vlnenv.suites.spec import SuiteError, sha256_bytes


@pytest.fixture
def tiny(tmp_path):
    """A private copy of the shipped tiny suite, safe to damage."""
    return shutil.copytree(suites_root() / "tiny", tmp_path / "tiny")


def test_an_intact_suite_has_no_problems(tiny):
    assert check_suite(tiny) == []


def test_a_corrupted_file_is_named(tiny):
    target = tiny / "houses" / "test" / "test-h0001.toml"
    target.write_text(target.read_text().replace("name =", "name  ="))
    problems = check_suite(tiny)
    assert len(problems) == 1
    assert "houses/test/test-h0001.toml" in problems[0]
    assert "differs from the manifest" in problems[0]


def test_a_missing_and_an_unlisted_file_are_named(tiny):
    (tiny / "episodes" / "val_seen.jsonl").unlink()
    (tiny / "houses" / "train" / "extra.toml").write_text("")
    problems = "\n".join(check_suite(tiny))
    assert "val_seen.jsonl: missing" in problems
    assert "extra.toml: not listed in manifest.json" in problems


def test_an_edited_spec_is_reported(tiny):
    spec = tiny / "spec.toml"
    spec.write_text(spec.read_text().replace("seed = 7", "seed = 8"))
    problems = check_suite(tiny)
    assert any("spec.toml: differs from the spec the suite was built from" in p
               for p in problems)


def rehash(folder, rel):
    """Update the manifest after editing ``rel`` on purpose (so only solving can fail)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][rel] = sha256_bytes((folder / rel).read_bytes())
    manifest["suite_sha256"] = suite_hash(manifest["files"])
    (folder / "manifest.json").write_text(dumps_json(manifest))


def test_an_episode_the_oracle_cannot_solve_is_named(tiny):
    rel = "episodes/test.jsonl"
    lines = (tiny / rel).read_text().splitlines()
    record = json.loads(lines[0])
    record["goal"] = record["goal"][:1] if len(record["goal"]) > 1 else [record["start"][:2]]
    lines[0] = json.dumps(record, separators=(",", ":"))
    (tiny / rel).write_text("\n".join(lines) + "\n")
    rehash(tiny, rel)
    problems = check_suite(tiny)
    assert len(problems) == 1
    assert f"episode {record['episode_id']}" in problems[0]
    assert "goal" in problems[0]


def test_hashes_only_skips_the_oracle(tiny):
    assert check_suite(tiny, solve_episodes=False) == []


def test_check_episode_passes_every_tiny_episode():
    suite = load_suite("tiny")
    for split in suite.splits:
        for ep in suite.episodes(split):
            assert check_episode(ep, suite.houses[ep.house]) is None


def test_an_unknown_suite_is_a_suite_error():
    with pytest.raises(SuiteError, match="no suite 'nonesuch'"):
        check_suite("nonesuch")


def wall_start(folder):
    """Move the first test episode's start onto a wall cell beside it (its reference path
    now begins there too, so only the wall is wrong); rehashed. Returns the episode id and
    the cell."""
    rel = "episodes/test.jsonl"
    lines = (folder / rel).read_text().splitlines()
    record = json.loads(lines[0])
    house = load_suite(folder).houses[record["house"]]
    r, c = record["start"][:2]
    wall = next(cell for cell in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
                if not house.passable(cell))
    record["start"] = [*wall, 0]
    record["reference_path"] = [list(wall), *record["reference_path"]]
    lines[0] = json.dumps(record, separators=(",", ":"))
    (folder / rel).write_text("\n".join(lines) + "\n")
    rehash(folder, rel)
    return record["episode_id"], wall


def test_a_start_cell_on_a_wall_is_a_problem_not_a_value_error(tiny):
    episode, wall = wall_start(tiny)
    problems = check_suite(tiny)
    assert len(problems) == 1
    assert f"test.jsonl: episode {episode} (house " in problems[0]
    assert f"start cell {wall} is not passable" in problems[0]


def test_verify_suite_returns_the_hash_of_an_intact_suite_and_refuses_a_tampered_one(tiny):
    from vlnenv.suites.check import files_hash, verify_suite

    suite = load_suite(tiny)
    assert verify_suite(suite) == suite.suite_hash == files_hash(suite)
    target = tiny / "houses" / "test" / "test-h0001.toml"
    target.write_bytes(target.read_bytes().replace(b"name =", b"name  ="))
    suite = load_suite(tiny)
    with pytest.raises(SuiteError, match="fails its hash check: .*test-h0001.toml: sha256"):
        verify_suite(suite)
    assert files_hash(suite) != suite.suite_hash
