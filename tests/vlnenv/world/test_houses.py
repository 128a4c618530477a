"""The hand-made houses in ``maps/houses``: they load, round-trip and look like homes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vlnenv.shipped import houses_root
from vlnenv.world import dumps_house, load_house, loads_house, save_house
from vlnenv.world.house import Cell, House
from vlnenv.world.priors import ROOM_PRIORS
from vlnenv.world.rooms import RoomType

HOUSES_DIR = houses_root()
EXPECTED = ["big_house", "family_house", "l_shaped_house", "office_floor", "open_plan_loft",
            "shared_house", "studio", "two_bedroom_apartment"]
PATHS = sorted(HOUSES_DIR.glob("*.toml"))


def house(stem: str) -> House:
    """The shipped house of one file stem."""
    return load_house(HOUSES_DIR / f"{stem}.toml")


def test_every_expected_house_is_shipped() -> None:
    assert set(EXPECTED) <= {path.stem for path in PATHS}


def test_house_names_are_distinct() -> None:
    names = [load_house(path).name for path in PATHS]
    assert len(set(names)) == len(names)


@pytest.fixture(params=PATHS, ids=lambda path: path.stem)
def shipped(request: pytest.FixtureRequest) -> House:
    return load_house(request.param)


# ---------------------------------------------------------------------- round trips
def test_shipped_house_round_trips_through_text(shipped: House) -> None:
    text = dumps_house(shipped)
    assert loads_house(text) == shipped
    assert dumps_house(loads_house(text)) == text


def test_shipped_house_round_trips_through_a_saved_file(shipped: House, tmp_path: Path) -> None:
    target = tmp_path / "copy.toml"
    save_house(shipped, target)
    assert load_house(target) == shipped


# ---------------------------------------------------------------------- plausibility
def test_shipped_house_size_is_between_10_and_40(shipped: House) -> None:
    assert 10 <= shipped.height <= 40 and 10 <= shipped.width <= 40


def test_doors_lead_from_floor_to_floor_and_are_not_blocked(shipped: House) -> None:
    s = shipped.structure
    for r, c in shipped.doors():
        north_south = s[r - 1, c] == Cell.FLOOR and s[r + 1, c] == Cell.FLOOR
        east_west = s[r, c - 1] == Cell.FLOOR and s[r, c + 1] == Cell.FLOOR
        assert north_south != east_west, (r, c)
        beside = [s[r, c - 1], s[r, c + 1]] if north_south else [s[r - 1, c], s[r + 1, c]]
        assert Cell.FLOOR not in beside and Cell.FURNITURE not in beside, (r, c)


def test_rooms_meet_only_at_doors(shipped: House) -> None:
    floor = shipped.structure == Cell.FLOOR
    rooms = shipped.room_map
    across = floor[:, :-1] & floor[:, 1:] & (rooms[:, :-1] != rooms[:, 1:])
    down = floor[:-1, :] & floor[1:, :] & (rooms[:-1, :] != rooms[1:, :])
    assert not across.any() and not down.any()


def test_every_room_has_its_signature_furniture(shipped: House) -> None:
    for i, room in enumerate(shipped.rooms):
        kinds = {piece.kind for piece in shipped.furniture_in_room(i)}
        missing = set(ROOM_PRIORS[room.type].signature) - kinds
        assert not missing, (room, missing)


def test_furniture_belongs_in_its_room(shipped: House) -> None:
    for piece in shipped.pieces:
        prior = ROOM_PRIORS[shipped.rooms[piece.room].type]
        assert piece.kind in prior.signature + prior.furniture, piece


def test_objects_lie_where_they_belong(shipped: House) -> None:
    for item in shipped.objects:
        room = shipped.rooms[shipped.room_of(item.cell)]
        assert item.kind in ROOM_PRIORS[room.type].objects, (item, room)


def test_objects_are_varied_and_on_furniture_and_floors(shipped: House) -> None:
    assert len(shipped.objects) >= 5
    assert len({item.color for item in shipped.objects}) >= 4
    on = {Cell(int(shipped.structure[item.cell])) for item in shipped.objects}
    assert on == {Cell.FLOOR, Cell.FURNITURE}


def test_house_has_closed_and_open_doors(shipped: House) -> None:
    assert (shipped.structure == Cell.DOOR_CLOSED).any()
    assert (shipped.structure == Cell.DOOR_OPEN).any()


# ---------------------------------------------------------------------- each house's shape
def types(h: House) -> list[RoomType]:
    return [room.type for room in h.rooms]


def test_studio_is_small() -> None:
    studio = house("studio")
    assert studio.shape == (10, 10) and len(studio.rooms) <= 5


def test_two_bedroom_apartment_has_two_bedrooms() -> None:
    assert types(house("two_bedroom_apartment")).count(RoomType.BEDROOM) == 2


def test_family_house_rooms_open_off_the_hallway() -> None:
    h = house("family_house")
    hall = h.rooms_of_type(RoomType.HALLWAY)[0]
    off_hall = {room for door in h.doors() if hall in h.door_rooms(door)
                for room in h.door_rooms(door) if room != hall}
    assert len(off_hall) >= 6


def test_open_plan_loft_joins_living_kitchen_and_dining_through_wide_openings() -> None:
    h = house("open_plan_loft")
    living, kitchen, dining = (h.rooms_of_type(t)[0] for t in
                               (RoomType.LIVING_ROOM, RoomType.KITCHEN, RoomType.DINING_ROOM))
    openings: dict[tuple[int, ...], int] = {}
    for door in h.doors():
        if h.structure[door] == Cell.DOOR_OPEN:
            key = tuple(h.door_rooms(door))
            openings[key] = openings.get(key, 0) + 1
    for pair in ((living, kitchen), (living, dining), (kitchen, dining)):
        assert openings.get(tuple(sorted(pair)), 0) >= 3, pair


def test_l_shaped_house_fills_one_corner_with_wall() -> None:
    h = house("l_shaped_house")
    half_h, half_w = h.height // 2, h.width // 2
    corners = [h.structure[:half_h, :half_w], h.structure[:half_h, -half_w:],
               h.structure[-half_h:, :half_w], h.structure[-half_h:, -half_w:]]
    assert any(np.all(corner == Cell.WALL) for corner in corners)


def test_office_floor_has_a_long_corridor_and_work_rooms() -> None:
    h = house("office_floor")
    kinds = types(h)
    assert kinds.count(RoomType.OFFICE) >= 3 and kinds.count(RoomType.MEETING_ROOM) >= 2
    assert RoomType.KITCHEN in kinds and kinds.count(RoomType.BATHROOM) >= 2
    corridor = h.room_cells(h.rooms_of_type(RoomType.HALLWAY)[0])
    span = max(c for _, c in corridor) - min(c for _, c in corridor) + 1
    assert span >= 0.8 * h.width


def test_big_house_has_at_least_twelve_rooms() -> None:
    assert len(house("big_house").rooms) >= 12


def test_shared_house_has_three_bedrooms_and_two_bathrooms() -> None:
    kinds = types(house("shared_house"))
    assert kinds.count(RoomType.BEDROOM) == 3 and kinds.count(RoomType.BATHROOM) == 2
