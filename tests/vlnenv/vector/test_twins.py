"""Each batched module against its single-episode twin, step by step, with exact equality,
on episodes of the shipped ``tiny`` and ``small`` suites:

* :mod:`vlnenv.vector.dynamics` (``BatchedWorld.step``) against
  :mod:`vlnenv.world.dynamics` (``EpisodeState.step_action``): the whole state;
* :mod:`vlnenv.vector.layout` (the packed layers) against :mod:`vlnenv.render.codes` and
  the state's structure: every cell's code and kind;
* :mod:`vlnenv.vector.egocentric` (``BatchedViews``) against :mod:`vlnenv.env.observer`
  (``EgocentricObserver``, which draws with :mod:`vlnenv.render.egocentric`): images and
  symbolic views;
* :mod:`vlnenv.vector.outcomes` with :mod:`vlnenv.vector.flat_tasks` (``BatchedJudge.success``)
  against :meth:`Instruction.verify` (:mod:`vlnenv.language.instructions`): the verdict.

(``tests/vlnenv/vector/test_batched.py`` compares the whole batched environment with
single environments; these tests pin each pair on its own.)
"""

from __future__ import annotations

import numpy as np
import pytest

from vlnenv.actions import Action
from vlnenv.env.observer import EgocentricObserver
from vlnenv.expert.oracle import Oracle
from vlnenv.language.instructions import instruction_from_task
from vlnenv.language.verdict import Verdict
from vlnenv.render.codes import cell_codes, symbolic_view
from vlnenv.suites.load import load_suite
from vlnenv.tasks.solver import TaskSolver
from vlnenv.vector.dynamics import NOOP, BatchedWorld
from vlnenv.vector.outcomes import BatchedJudge
from vlnenv.world.dynamics import EpisodeState

VIEW, TILE = 7, 8
SUITES = ("tiny", "small")
N_ENVS = 12


class Twin:
    """One episode run by the single-episode code: state, observer, instruction, oracle."""

    def __init__(self, house, episode):
        self.house, self.episode = house, episode
        self.state = EpisodeState.initial(house, episode.start)
        self.instruction = instruction_from_task(episode.task, house, episode.episode_id)
        self.instruction.reset(self.state)
        self.observer = EgocentricObserver(house, self.state.structure, self.state.objects,
                                           VIEW, TILE)
        self.solver = TaskSolver(self.instruction, "oracle", VIEW, Oracle(house))
        self.done = False

    def step(self, action: int) -> bool:
        """One action; returns the verdict's success, as ``GridHouseEnv.step`` reads it."""
        changed = self.state.step_action(action)
        if changed is not None:
            self.observer.changed(changed)
        success = self.instruction.verify(self.state) is Verdict.SUCCESS
        self.done = self.state.stopped or self.state.step >= self.episode.max_steps
        return success


def start(suite_name: str, split: str = "val_unseen"):
    """A batched world and judge with the split's first episodes loaded, and their twins."""
    suite = load_suite(suite_name)
    houses = suite.split_houses(split)
    episodes = suite.episodes(split)[:N_ENVS]
    shape = max(houses[e.house].shape for e in episodes)
    world = BatchedWorld(len(episodes), VIEW, TILE, capacity=shape)
    judge = BatchedJudge(world, dense_reward=0.0, expert=None)
    twins = []
    for i, episode in enumerate(episodes):
        house = houses[episode.house]
        state = EpisodeState.initial(house, episode.start)
        instruction = instruction_from_task(episode.task, house, episode.episode_id)
        instruction.reset(state)
        world.load(i, house, episode)
        judge.load(i, house, judge.compile(instruction, state), instruction, state)
        twins.append(Twin(house, episode))
    return world, judge, twins


def choose(rng: np.random.Generator, twins: list[Twin], p_oracle: float,
           p_stop: float) -> np.ndarray:
    """The oracle's action with probability ``p_oracle`` (so episodes get done), else
    ``stop`` with probability ``p_stop``, else a random action (pickups, drops and toggles
    included); NOOP once done."""
    actions = rng.integers(0, int(Action.STOP), len(twins))
    actions[rng.random(len(twins)) < p_stop] = Action.STOP
    use = rng.random(len(twins)) < p_oracle
    for i, twin in enumerate(twins):
        if twin.done:
            actions[i] = NOOP
        elif use[i]:
            actions[i] = twin.solver.act(twin.state)
    return actions


def assert_same_state(world: BatchedWorld, i: int, twin: Twin) -> None:
    got, want = world.state(i, path=True), twin.state
    assert got.house is want.house
    assert (got.pos, got.heading, got.start) == (want.pos, want.heading, want.start)
    assert (got.step, got.stopped, got.carrying) == (want.step, want.stopped, want.carrying)
    assert got.objects == want.objects
    assert np.array_equal(got.structure, want.structure)
    assert got.path == want.path


def run(suite_name: str, steps: int, p_oracle: float, p_stop: float, seed: int = 0):
    """Step both sides with the same actions, comparing each pair after every step;
    returns counts of what happened, to check the run covered it."""
    world, judge, twins = start(suite_name)
    rng = np.random.default_rng(seed)
    seen = {"moved": 0, "objects": 0, "toggled": 0, "success": 0, "failed": 0}
    for _ in range(steps):
        if all(t.done for t in twins):
            break
        actions = choose(rng, twins, p_oracle, p_stop)
        active = [i for i, t in enumerate(twins) if not t.done]
        before = [twin.state.structure.copy() for twin in twins]
        events = world.step(actions, noop=True)
        success = judge.success(events, None)
        images, symbols = world.images(), world.symbols()
        wide = world.views.symbol_buffer(len(twins))
        assert np.array_equal(world.symbols(out=wide), symbols)  # gathered a word per cell
        for i in active:
            twin = twins[i]
            want_success = twin.step(int(actions[i]))
            assert_same_state(world, i, twin)
            assert success[i] == want_success, (suite_name, i, twin.state.step)
            # layout: the packed code and kind layers are the house as it is now
            shape = twin.house.shape
            codes = world.grids.interior("codes", i, shape) // TILE
            assert np.array_equal(codes, cell_codes(twin.house, twin.state.structure,
                                                    twin.state.objects))
            assert np.array_equal(world.grids.interior("kind", i, shape), twin.state.structure)
            # egocentric views
            pose = twin.state.pose
            assert np.array_equal(images[i], twin.observer.image(pose))
            assert np.array_equal(symbols[i], symbolic_view(twin.observer.view_codes(pose)))
            seen["toggled"] += int(not np.array_equal(before[i], twin.state.structure))
            seen["success"] += int(want_success)
            seen["failed"] += int(twin.state.stopped and not want_success)
        seen["moved"] += len(events.moved)
        seen["objects"] += len(events.objects)
    return seen


@pytest.mark.parametrize("suite_name", SUITES)
def test_batched_twins_match_the_single_episode_code_step_by_step(suite_name):
    seen = run(suite_name, steps=400, p_oracle=0.4, p_stop=0.01)
    assert all(count > 0 for count in seen.values()), seen  # every kind of event was compared


@pytest.mark.parametrize("suite_name", SUITES)
def test_batched_twins_agree_on_expert_led_episodes(suite_name):
    seen = run(suite_name, steps=400, p_oracle=0.9, p_stop=0.0)
    assert seen["success"] > 0, seen
