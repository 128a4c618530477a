"""Every shipped suite is intact and solvable: its files match the manifest and the
oracle solves every episode (``vln suite check``)."""

import numpy as np
import pytest

from vlnenv.suites.check import check_suite
from vlnenv.suites.load import load_suite


@pytest.mark.parametrize(
    "name",
    ["tiny", "handmade", pytest.param("large", marks=pytest.mark.slow),
     pytest.param("large_val", marks=pytest.mark.slow),
     pytest.param("small", marks=pytest.mark.slow)],
)
def test_shipped_suite_passes_check(name):
    assert check_suite(name) == []


@pytest.mark.parametrize("name", ["tiny", "handmade", "large", "large_val", "small"])
def test_shipped_suite_hashes_match(name):
    assert check_suite(name, solve_episodes=False) == []


def floor_plans(name: str, splits: list[str]) -> set[bytes]:
    """The walls-and-doors layers of a suite's houses, as bytes with their shape."""
    suite = load_suite(name)
    return {np.asarray(h.structure).tobytes() + repr(np.asarray(h.structure).shape).encode()
            for split in splits for h in suite.split_houses(split).values()}


def test_large_val_houses_are_none_of_larges():
    ours = floor_plans("large_val", ["val_unseen"])
    assert len(ours) == 60
    assert not ours & floor_plans("large", ["train", "val_unseen", "test"])


def test_large_val_has_two_hundred_episodes_of_every_family():
    episodes = load_suite("large_val").episodes("val_unseen")
    families = [e.family for e in episodes]
    assert {f: families.count(f) for f in set(families)} == {
        f: 200 for f in ("go_to_room", "go_to_object", "fetch", "follow_route", "sequence")}


@pytest.mark.parametrize(("twin", "source"), [
    ("test_phrasing", "test"), ("test_trained_phrasing", "test"),
    ("val_unseen_phrasing", "val_unseen"), ("val_unseen_trained_phrasing", "val_unseen")])
def test_small_phrasing_splits_hold_the_source_episodes_in_order_said_otherwise(twin, source):
    suite = load_suite("small")
    said, want = suite.episodes(twin), suite.episodes(source)
    assert [e.to_json() | {"instruction": ""} for e in said] == [
        e.to_json() | {"instruction": ""} for e in want]
    assert sum(a.instruction != b.instruction for a, b in zip(said, want, strict=True)) > 450
