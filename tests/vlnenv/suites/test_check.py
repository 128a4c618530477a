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
