"""BatchedViews' visibility cache: a house played again is primed whole, and the primed
bits are the ones a miss computes, for every cell and heading of the house."""

import numpy as np
from helpers import make_house

from vlnenv.tasks.episode import Episode
from vlnenv.vector.dynamics import BatchedWorld
from vlnenv.world.generate import SMALL, generate_house

VIEW, TILE = 7, 8

#   012345678
# 0 #########
# 1 #BBB#KKK#
# 2 #BBB+KKK#
# 3 ##/######
# 4 #HHHHHHH#
# 5 #########
FLAT = make_house(
    ["#########", "#BBB#KKK#", "#BBB+KKK#", "##/######", "#HHHHHHH#", "#########"],
    {"B": "bedroom", "K": "kitchen", "H": "hallway"}, {}, [], name="two doors",
)


def episode_in(house, start=(1, 1, 0)) -> Episode:
    return Episode(episode_id="e", house=house.name, start=start, instruction="go",
                   task={"family": "go_to_room"}, reference_path=(start[:2],),
                   goal=(start[:2],), max_steps=10)


def every_slot(world: BatchedWorld, i: int, shape: tuple[int, int]):
    """Flat cells and headings of every (cell, heading) of environment ``i``'s house."""
    rows, cols = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
    pos = np.array([world.grids.flat(i, r, c) for r, c in zip(rows, cols, strict=True)])
    return np.repeat(pos, 4), np.tile(np.arange(4), len(pos))


def visibility(world: BatchedWorld, i: int, shape: tuple[int, int]) -> np.ndarray:
    pos, head = every_slot(world, i, shape)
    epoch = np.full(len(pos), world.views.epoch[i])
    return world.views.visible(pos, head, epoch, world.grids.layers["opaque"])


def cached(world: BatchedWorld, i: int, shape: tuple[int, int]) -> np.ndarray:
    """Whether each slot of the house holds an entry of environment ``i``'s epoch."""
    pos, head = every_slot(world, i, shape)
    return world.views._stamp[pos * 4 + head] == world.views.epoch[i]


def test_a_house_played_again_is_primed_with_the_bits_a_miss_computes():
    for house in (FLAT, generate_house(SMALL, 4)):
        primed = BatchedWorld(2, VIEW, TILE, capacity=house.shape)
        primed.load(0, house, episode_in(house))  # first episode here: nothing primed
        assert not cached(primed, 0, house.shape).any()
        primed.load(1, house, episode_in(house))  # played before: primed whole
        assert cached(primed, 1, house.shape).all()
        plain = BatchedWorld(2, VIEW, TILE, capacity=house.shape)
        plain.load(1, house, episode_in(house))
        want = visibility(plain, 1, house.shape)  # every slot a miss
        assert np.array_equal(visibility(primed, 1, house.shape), want)
        assert want.any() and not want.all()


def test_a_toggled_door_drops_the_primed_house():
    world = BatchedWorld(1, VIEW, TILE, capacity=FLAT.shape)
    world.load(0, FLAT, episode_in(FLAT, start=(1, 3, 0)))
    world._dirty[0] = True  # as a toggle leaves it
    world.load(0, FLAT, episode_in(FLAT, start=(1, 3, 0)))  # the house as it starts again
    assert cached(world, 0, FLAT.shape).all()
    world.views.invalidate(0)  # a toggle during the episode
    assert not cached(world, 0, FLAT.shape).any()
