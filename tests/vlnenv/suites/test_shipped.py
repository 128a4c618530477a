"""Every shipped suite is intact and solvable: its files match the manifest and the
oracle solves every episode (``vln suite check``)."""

import pytest

from vlnenv.suites.check import check_suite


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
