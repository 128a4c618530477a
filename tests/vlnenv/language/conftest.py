"""Hand-built houses with known answers, and a task enumerator for the language tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
import pytest
from helpers import TWO_BEDROOMS, make_house

from vlnenv.errors import TaskError
from vlnenv.language.instructions import (
    Fetch,
    FollowRoute,
    GoToObject,
    GoToRoom,
    Instruction,
    SequenceInstr,
)
from vlnenv.language.refer import object_descriptions, room_descriptions
from vlnenv.world.house import House, Pos

#: Two bedrooms that nothing tells apart, each with a white pillow on its bed.
TWINS = make_house(
    [
        "#########",
        "#AAb#BBb#",
        "#AAA#BBB#",
        "##/###/##",
        "#HHHHHHH#",
        "#########",
    ],
    {"A": "bedroom", "B": "bedroom", "H": "hallway"},
    {"b": "bed"},
    [("pillow", "white", (1, 3)), ("pillow", "white", (1, 7)), ("cup", "red", (4, 4))],
)

#: A bedroom and a kitchen off a corridor with a plant at its east end.
CORRIDOR = make_house(
    [
        "###########",
        "#AAAb#KKKf#",
        "#AAAA#KKKK#",
        "###/####/##",
        "#HHHHHHHHp#",
        "#HHHHHHHHH#",
        "###########",
    ],
    {"A": "bedroom", "K": "kitchen", "H": "hallway"},
    {"b": "bed", "f": "fridge", "p": "plant"},
    [("cup", "red", (2, 7)), ("apple", "green", (1, 6))],
)

#: A house with many room and furniture kinds, for vocabulary coverage.
BIG = make_house(
    [
        "#################",
        "#LLLsL#KKfv#OOdO#",
        "#LeLLL#KKKK#OOOO#",
        "#LLLtL/KKKw#OOOc#",
        "###/#####/###/###",
        "#HHHHHHHHHHHHHHp#",
        "#HHHHHHHHHHHHHHH#",
        "##/##/####/###/##",
        "#GG#BBBb#NNr#DDa#",
        "#kG#BBBB#NNN#DDD#",
        "#GG#nBBB#NNN#uDD#",
        "#################",
    ],
    {"L": "living_room", "K": "kitchen", "O": "office", "H": "hallway", "G": "garage",
     "B": "bedroom", "N": "nursery", "D": "dining_room"},
    {"s": "sofa", "e": "coffee_table", "t": "tv_stand", "f": "fridge", "v": "stove",
     "w": "sink", "d": "desk", "c": "bookshelf", "p": "plant", "k": "workbench",
     "b": "bed", "n": "nightstand", "r": "crib", "a": "armchair", "u": "table"},
    [
        ("remote", "black", (2, 2)), ("pillow", "blue", (1, 4)), ("cup", "white", (1, 10)),
        ("plate", "yellow", (2, 9)), ("laptop", "purple", (1, 14)), ("pen", "pink", (3, 15)),
        ("keys", "brown", (6, 6)), ("wrench", "orange", (8, 2)), ("soap", "green", (3, 8)),
        ("teddy_bear", "brown", (8, 11)), ("ball", "red", (9, 10)), ("book", "blue", (10, 4)),
        ("candle", "white", (10, 13)), ("spoon", "pink", (9, 14)), ("bowl", "green", (8, 14)),
        ("cup", "red", (2, 13)), ("toy", "yellow", (10, 10)), ("shoe", "black", (5, 2)),
    ],
)

HOUSES: dict[str, House] = {
    "two_bedrooms": TWO_BEDROOMS, "twins": TWINS, "corridor": CORRIDOR, "big": BIG,
}


def shortest_route(house: House, start: Pos, goal: Pos) -> list[Pos]:
    """A shortest 4-connected route over floor and doors (breadth-first search)."""
    walk = house.traversable_mask()
    parent: dict[Pos, Pos | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            break
        for nb in house.neighbours4(cell):
            if walk[nb] and nb not in parent:
                parent[nb] = cell
                queue.append(nb)
    route = [goal]
    while parent[route[-1]] is not None:
        route.append(parent[route[-1]])  # type: ignore[arg-type]
    return route[::-1]


def random_instructions(house: House, rng: np.random.Generator, n: int) -> list[Instruction]:
    """``n`` random instructions of every family whose referents can be described."""
    rooms = [i for i in range(len(house.rooms)) if room_descriptions(house, i)]
    items = [it for it in house.objects if object_descriptions(house, it)
             and house.neighbours(it.cell)]
    floor = [c for i in range(len(house.rooms)) for c in house.room_cells(i)]

    def simple() -> Instruction:
        if rng.random() < 0.5 and rooms:
            return GoToRoom(house, rooms[int(rng.integers(len(rooms)))])
        return GoToObject(house, items[int(rng.integers(len(items)))])

    def route() -> FollowRoute:
        a, b = (floor[int(i)] for i in rng.choice(len(floor), 2, replace=False))
        return FollowRoute(house, shortest_route(house, a, b), int(rng.integers(4)))

    out: list[Instruction] = []
    while len(out) < n:
        family = int(rng.integers(5))
        start = floor[int(rng.integers(len(floor)))]
        if family == 0:
            out.append(GoToRoom(house, rooms[int(rng.integers(len(rooms)))]))
        elif family == 1:
            out.append(GoToObject(house, items[int(rng.integers(len(items)))]))
        elif family == 2:
            item = house.objects[int(rng.integers(len(house.objects)))]
            color = item.color if rng.random() < 0.5 else None
            room = house.room_of(item.cell) if rng.random() < 0.5 else None
            out.append(Fetch(house, item.kind, start, color, room))
        elif family == 3:
            out.append(route())
        else:
            last = rng.random()
            parts = [route() if rng.random() < 0.2 else simple() for _ in range(2)]
            if last < 0.3:
                item = house.objects[int(rng.integers(len(house.objects)))]
                parts[-1] = Fetch(house, item.kind, start)
            connective = ("then", "after")[int(rng.integers(2))]
            out.append(SequenceInstr(house, parts, connective))
    return out


def realisable(instructions: list[Instruction], rng: np.random.Generator) -> list[str]:
    """Surfaces of the instructions whose referents can be described."""
    texts = []
    for instruction in instructions:
        try:
            texts.append(instruction.surface(rng))
        except TaskError:
            continue
    return texts


@pytest.fixture
def houses() -> dict[str, House]:
    return HOUSES


@pytest.fixture
def two_bedrooms() -> House:
    return TWO_BEDROOMS


@pytest.fixture
def twins() -> House:
    return TWINS


@pytest.fixture
def corridor() -> House:
    return CORRIDOR


@pytest.fixture
def big() -> House:
    return BIG


@pytest.fixture
def make_instructions() -> Callable[[House, np.random.Generator, int], list[Instruction]]:
    return random_instructions


@pytest.fixture
def route_between() -> Callable[[House, Pos, Pos], list[Pos]]:
    return shortest_route


@pytest.fixture
def surfaces() -> Callable[[list[Instruction], np.random.Generator], list[str]]:
    return realisable
