"""Referring expressions: every description returned picks out exactly its target, and
known houses give the descriptions worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.errors import TaskError
from vlnenv.language.refer import (
    FLOOR,
    ObjectDesc,
    RoomDesc,
    describe_object,
    describe_room,
    fetch_descriptions,
    object_descriptions,
    room_descriptions,
    room_neighbours,
)
from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import House, Item
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType


def item(house: House, cell: tuple[int, int]) -> Item:
    found = house.object_at(cell)
    assert found is not None
    return found


def test_room_neighbours_follow_doors(two_bedrooms):
    a, b, c, hall = (two_bedrooms.room_index(x) for x in "ABCH")
    assert room_neighbours(two_bedrooms, a) == {hall}
    assert room_neighbours(two_bedrooms, b) == {c, hall}
    assert room_neighbours(two_bedrooms, c) == {b, hall}


def test_bedroom_with_the_desk_is_a_description_and_the_bedroom_is_not(two_bedrooms):
    descs = room_descriptions(two_bedrooms, two_bedrooms.room_index("A"))
    assert RoomDesc(RoomType.BEDROOM, furniture=Furniture.DESK) in descs
    assert RoomDesc(RoomType.BEDROOM) not in descs
    assert RoomDesc(RoomType.BEDROOM, furniture=Furniture.BED) not in descs


def test_bedroom_next_to_the_bathroom(two_bedrooms):
    descs = room_descriptions(two_bedrooms, two_bedrooms.room_index("B"))
    assert descs == [RoomDesc(RoomType.BEDROOM, neighbour=RoomType.BATHROOM)]
    assert descs[0].neighbour_definite


def test_single_room_of_a_type_is_named_by_its_type(two_bedrooms):
    bathroom = room_descriptions(two_bedrooms, two_bedrooms.room_index("C"))
    assert RoomDesc(RoomType.BATHROOM) in bathroom
    assert room_descriptions(two_bedrooms, two_bedrooms.room_index("H"))[0] == RoomDesc(
        RoomType.HALLWAY)


def test_signature_furniture_is_not_said_of_the_only_room_of_a_type(corridor):
    descs = room_descriptions(corridor, corridor.room_index("K"))
    assert RoomDesc(RoomType.KITCHEN, furniture=Furniture.FRIDGE) not in descs


def test_indistinguishable_rooms_have_no_description(twins):
    assert room_descriptions(twins, twins.room_index("A")) == []
    with pytest.raises(TaskError, match="no unambiguous description"):
        describe_room(twins, twins.room_index("B"), np.random.default_rng(0))


def test_every_room_description_matches_exactly_its_room(houses):
    for house in houses.values():
        for room in range(len(house.rooms)):
            for desc in room_descriptions(house, room):
                assert desc.matches(house) == {room}


def test_every_object_description_matches_exactly_its_object(houses):
    for house in houses.values():
        for it in house.objects:
            for desc in object_descriptions(house, it):
                assert desc.matches(house) == [it]


def test_unique_object_is_named_by_its_kind(two_bedrooms):
    descs = object_descriptions(two_bedrooms, item(two_bedrooms, (3, 2)))
    assert descs[0] == ObjectDesc(ObjectKind.BOOK)
    assert ObjectDesc(ObjectKind.BOOK, place=Furniture.DESK) in descs


def test_twin_of_other_colour_needs_colour_or_place(two_bedrooms):
    descs = object_descriptions(two_bedrooms, item(two_bedrooms, (5, 5)))  # the blue cup
    assert ObjectDesc(ObjectKind.CUP) not in descs
    assert ObjectDesc(ObjectKind.CUP, Color.BLUE) in descs
    assert ObjectDesc(ObjectKind.CUP, room=RoomDesc(RoomType.HALLWAY)) in descs


def test_same_colour_twins_need_an_unambiguous_room(two_bedrooms):
    descs = object_descriptions(two_bedrooms, item(two_bedrooms, (1, 3)))  # pillow in A
    assert ObjectDesc(ObjectKind.PILLOW, Color.WHITE) not in descs
    assert ObjectDesc(ObjectKind.PILLOW, place=Furniture.BED) not in descs
    assert ObjectDesc(ObjectKind.PILLOW, room=RoomDesc(RoomType.BEDROOM)) not in descs
    assert ObjectDesc(ObjectKind.PILLOW,
                      room=RoomDesc(RoomType.BEDROOM, furniture=Furniture.DESK)) in descs


def test_room_type_suffices_when_no_other_room_of_that_type_holds_a_match(two_bedrooms):
    descs = object_descriptions(two_bedrooms, item(two_bedrooms, (3, 5)))  # twin in hall
    assert ObjectDesc(ObjectKind.HAT, room=RoomDesc(RoomType.BEDROOM)) in descs
    assert ObjectDesc(ObjectKind.HAT, place=FLOOR, room=RoomDesc(RoomType.BEDROOM)) in descs
    assert ObjectDesc(ObjectKind.HAT, place=FLOOR) not in descs


def test_object_in_indistinguishable_rooms_raises(twins):
    pillow = item(twins, (1, 3))
    assert object_descriptions(twins, pillow) == []
    with pytest.raises(TaskError, match="no unambiguous description"):
        describe_object(twins, pillow, np.random.default_rng(0))


def test_object_description_of_missing_item_raises(two_bedrooms):
    with pytest.raises(TaskError):
        object_descriptions(two_bedrooms, Item((2, 2), ObjectKind.CUP, Color.RED))


def test_surface_of_nested_description_varies_and_keeps_its_parts():
    desc = ObjectDesc(ObjectKind.BOOK, Color.GREEN, Furniture.DESK,
                      RoomDesc(RoomType.BEDROOM, neighbour=RoomType.BATHROOM))
    texts = {desc.surface(np.random.default_rng(s)) for s in range(40)}
    assert all(t.startswith("the green book ") and "desk" in t and "bedroom" in t
               for t in texts)
    assert len(texts) >= 5


def test_articles_agree_with_the_noun():
    rng = np.random.default_rng(1)
    texts = {RoomDesc(RoomType.BEDROOM, furniture=Furniture.ARMCHAIR).surface(rng)
             for _ in range(40)}
    assert not any(" a armchair" in t for t in texts)
    assert any(" an armchair" in t for t in texts)


def test_fetch_from_a_room_that_cannot_be_described_is_refused(twins):
    assert fetch_descriptions(twins, ObjectKind.PILLOW, None, twins.room_index("A")) == []
    assert fetch_descriptions(twins, ObjectKind.PILLOW, None, None) != []


def test_fetch_may_name_the_room_type_when_only_that_room_has_a_match(two_bedrooms):
    a = two_bedrooms.room_index("A")
    descs = fetch_descriptions(two_bedrooms, ObjectKind.BOOK, None, a)
    assert descs[0].room == RoomDesc(RoomType.BEDROOM)
    descs = fetch_descriptions(two_bedrooms, ObjectKind.PILLOW, None, a)
    assert RoomDesc(RoomType.BEDROOM) not in [d.room for d in descs]


def test_indefinite_descriptions_use_the_right_determiner(two_bedrooms):
    rng = np.random.default_rng(0)
    keys = {fetch_descriptions(two_bedrooms, ObjectKind.KEYS, None, None)[0].phrase(rng)
            for _ in range(40)}
    assert ("some keys", "them") in keys
    assert ("a set of keys", "it") in keys
    apples = {fetch_descriptions(two_bedrooms, ObjectKind.APPLE, Color.ORANGE, None)[0]
              .surface(rng) for _ in range(5)}
    assert apples == {"an orange apple"}
