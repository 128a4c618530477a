"""``EgocentricObserver``: its cached images are the one-off renderer's pixels, however the
house changed, and every call hands out an array of its own."""

from __future__ import annotations

import numpy as np

from vlnenv.actions import Action
from vlnenv.env.observer import EgocentricObserver
from vlnenv.render.egocentric import egocentric_view
from vlnenv.suites.load import load_suite
from vlnenv.world.dynamics import EpisodeState

VIEW, TILE = 7, 8


def episode_state(index: int = 0) -> EpisodeState:
    suite = load_suite("tiny")
    episode = suite.episodes("train")[index]
    return EpisodeState.initial(suite.houses[episode.house], episode.start)


def test_cached_images_are_the_renderers_after_pickups_drops_and_toggles():
    changes = 0
    for index in range(4):
        state = episode_state(index)
        observer = EgocentricObserver(state.house, state.structure, state.objects, VIEW, TILE)
        rng = np.random.default_rng(index)
        for action in rng.integers(0, int(Action.STOP), 400).tolist():
            changed = state.step_action(action)
            if changed is not None:
                observer.changed(changed)
                changes += 1
            want = egocentric_view(state.house, state.pos, state.heading, VIEW, TILE,
                                   state.structure, state.objects)
            assert np.array_equal(observer.image(state.pose), want), (index, state.step)
    assert changes >= 10  # the run opened, closed, picked up or dropped things


def test_each_image_is_an_array_of_its_own():
    state = episode_state()
    observer = EgocentricObserver(state.house, state.structure, state.objects, VIEW, TILE)
    first = observer.image(state.pose)
    want = first.copy()
    first[:] = 0
    second = observer.image(state.pose)
    assert second.flags.writeable
    assert np.array_equal(second, want)
