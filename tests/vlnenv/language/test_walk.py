"""Route clauses walked literally: turns, counted steps, to the wall, up to furniture;
clauses whose way the words do not fix give None."""

from pathlib import Path

import pytest

from vlnenv.errors import RouteError
from vlnenv.language.walk import walk_atoms
from vlnenv.world.furniture import Furniture
from vlnenv.world.mapfile import load_house

HOUSE = load_house(Path(__file__).parents[3] / "maps" / "houses" / "family_house.toml")


def test_turns_and_counted_steps():
    atoms = [("turn_left",), ("steps", ("{steps}", 2)), ("turn_around",),
             ("steps", ("{steps}", 1)), ("stop",)]
    assert walk_atoms(HOUSE, (9, 10, 0), atoms) == [(9, 10), (8, 10), (7, 10), (8, 10)]


def test_to_the_wall_and_up_to_a_piece_of_furniture():
    assert walk_atoms(HOUSE, (9, 20, 0), [("wall",)]) == [(9, c) for c in range(20, 25)]
    assert walk_atoms(HOUSE, (9, 5, 2), [("up_to", ("{furniture}", Furniture.PLANT))]) == [
        (9, 5), (9, 4), (9, 3), (9, 2), (9, 1)]  # (9, 1) is next to the plant at (8, 1)


def test_a_step_into_a_wall_is_refused_and_other_clauses_are_not_literal():
    with pytest.raises(RouteError, match="runs into"):
        walk_atoms(HOUSE, (9, 10, 3), [("steps", ("{steps}", 8))])  # the bathtub at (1, 10)
    assert walk_atoms(HOUSE, (9, 10, 0), [("cross", ("{room}", None))]) is None
