"""Every shipped suite is intact and solvable: its files match the manifest and the
oracle solves every episode (``vln suite check``)."""

import pytest

from vlnenv.suites.check import check_suite
from vlnenv.suites.load import load_suite


@pytest.mark.parametrize(
    "name",
    ["tiny", "handmade", pytest.param("large", marks=pytest.mark.slow),
     pytest.param("small", marks=pytest.mark.slow)],
)
def test_shipped_suite_passes_check(name):
    assert check_suite(name) == []


@pytest.mark.parametrize("name", ["tiny", "handmade", "large", "small"])
def test_shipped_suite_hashes_match(name):
    assert check_suite(name, solve_episodes=False) == []


@pytest.mark.parametrize(("twin", "source"), [
    ("test_phrasing", "test"), ("test_trained_phrasing", "test"),
    ("val_unseen_phrasing", "val_unseen"), ("val_unseen_trained_phrasing", "val_unseen")])
def test_small_phrasing_splits_hold_the_source_episodes_in_order_said_otherwise(twin, source):
    suite = load_suite("small")
    said, want = suite.episodes(twin), suite.episodes(source)
    assert [e.to_json() | {"instruction": ""} for e in said] == [
        e.to_json() | {"instruction": ""} for e in want]
    assert sum(a.instruction != b.instruction for a, b in zip(said, want, strict=True)) > 450
