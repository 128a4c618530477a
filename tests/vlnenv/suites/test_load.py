"""Loading built suites by name or path; houses read lazily."""

import json
import shutil

import pytest

from vlnenv.suites.load import list_suites, load_suite, suites_root
from vlnenv.suites.spec import SPLITS, SuiteError
from vlnenv.world.house import House


def test_every_shipped_suite_is_listed():
    assert {"tiny", "small", "large", "handmade"} <= set(list_suites())


def test_load_by_name_folder_or_spec_path_is_the_same_suite():
    by_name = load_suite("tiny")
    by_folder = load_suite(suites_root() / "tiny")
    by_spec = load_suite(suites_root() / "tiny" / "spec.toml")
    assert by_name.suite_hash == by_folder.suite_hash == by_spec.suite_hash
    assert by_name.splits == SPLITS


def test_houses_are_read_on_first_access_and_cover_every_episode():
    suite = load_suite("tiny")
    assert len(suite.houses) == 7
    assert suite.houses._loaded == {}
    for split in suite.splits:
        houses = suite.split_houses(split)
        assert all(isinstance(h, House) for h in houses.values())
        assert {ep.house for ep in suite.episodes(split)} <= set(houses)
    assert suite.houses["train-h0000"] is suite.houses["train-h0000"]


def test_episodes_are_returned_in_file_order_as_a_fresh_list():
    suite = load_suite("tiny")
    eps = suite.episodes("val_unseen")
    assert [e.episode_id for e in eps] == [f"val_unseen-e{i:05d}" for i in range(10)]
    eps.clear()
    assert len(suite.episodes("val_unseen")) == 10


def test_handmade_suite_has_only_unseen_splits_on_hand_made_houses():
    suite = load_suite("handmade")
    assert suite.splits == ("val_unseen", "test")
    assert not set(suite.house_ids("val_unseen")) & set(suite.house_ids("test"))
    assert suite.houses.path("studio").resolve() == (
        suites_root().parent / "houses" / "studio.toml").resolve()


def test_unknown_split_and_unbuilt_suite_are_suite_errors(tmp_path):
    with pytest.raises(SuiteError, match="no split 'dev'"):
        load_suite("tiny").episodes("dev")
    folder = tmp_path / "unbuilt"
    folder.mkdir()
    (folder / "spec.toml").write_text(
        'name = "unbuilt"\nseed = 1\n[splits.test]\nhouses = 1\nepisodes = 1\n')
    with pytest.raises(SuiteError, match="has the suite been built"):
        load_suite(folder)


@pytest.mark.parametrize("key, value", [("files", 5), ("houses", {"h": 3}), ("splits", []),
                                        ("suite_sha256", None),
                                        ("splits", {"train": {"houses": "h"}})])
def test_a_manifest_with_values_of_the_wrong_type_is_a_suite_error(tmp_path, key, value):
    folder = shutil.copytree(suites_root() / "tiny", tmp_path / "tiny")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SuiteError, match=f"manifest.json: {key}.*: expected .*; the manifest is "
                                         "damaged"):
        load_suite(folder)
