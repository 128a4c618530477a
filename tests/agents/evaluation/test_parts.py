"""Reading a sequence one part at a time: the model reads part 1, its stop there moves it
to part 2 on the same view with a cleared state, a stop on the last part ends the episode,
and every other instruction (and every other slot of the batch) is read as before."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.evaluation.model_policy import ModelPolicy, SampledModelPolicy
from agents.evaluation.parts import Reading
from agents.models import ModelConfig, RecurrentState
from agents.models.errors import ModelError
from vlnenv.actions import Action

SEQUENCE = "Go to the kitchen, then go to the nursery."
PART_1, PART_2 = "Go to the kitchen.", "Go to the nursery."
SINGLE = "Walk to the bedroom where the dresser is."


class ScriptedModel:
    """Stands in for the model: its state counts the steps since it was cleared, and it
    stops once it has read a text for ``stops[text]`` steps (else moves forward). Every
    call's texts and counts are kept in ``calls``."""

    def __init__(self, stops: dict[str, int], read_parts: bool = True) -> None:
        self.config = ModelConfig(read_parts=read_parts)
        self.device = torch.device("cpu")
        self.stops = stops
        self.calls: list[tuple[list[str], list[int]]] = []

    def eval(self) -> ScriptedModel:
        return self

    def initial_state(self, batch: int) -> RecurrentState:
        return RecurrentState(torch.zeros(batch, 1))

    def act(self, obs, state):
        texts = list(obs["instruction"])
        hidden = state.hidden + 1  # (B, 1) steps since cleared
        counts = [int(c) for c in hidden[:, 0]]
        self.calls.append((texts, counts))
        logits = torch.zeros(len(texts), len(Action))  # (B, A)
        for b, (text, count) in enumerate(zip(texts, counts, strict=True)):
            stop = isinstance(text, str) and count >= self.stops.get(text, 10**6)
            logits[b, Action.STOP if stop else Action.FORWARD] = 50.0  # sampled: sure
        return logits, None, RecurrentState(hidden)


def obs_of(texts: list[str]) -> dict:
    n = len(texts)
    return {"image": np.zeros((n, 56, 56, 3), np.uint8), "direction": np.zeros(n, np.int64),
            "carrying": np.zeros(n, np.int64), "gps": np.zeros((n, 2), np.int64),
            "instruction": np.array(texts, dtype=object)}


def play(policy: ModelPolicy, texts: list[str], steps: int, state=None):
    state = policy.initial_state(len(texts)) if state is None else state
    actions = []
    for _ in range(steps):
        acted, state = policy.act(obs_of(texts), state, [{} for _ in texts])
        actions.append(acted.tolist())
    return actions, state


def test_the_stop_on_part_one_is_taken_as_done_and_part_two_is_read_on_the_same_view():
    model = ScriptedModel({PART_1: 3, PART_2: 2})
    actions, _ = play(ModelPolicy(model), [SEQUENCE], 4)
    f, s = int(Action.FORWARD), int(Action.STOP)
    assert actions == [[f], [f], [f], [s]]  # step 3's stop became part 2's first move
    assert model.calls == [([PART_1], [1]), ([PART_1], [2]), ([PART_1], [3]),
                           ([PART_2], [1]),  # same step, cleared state, part 2
                           ([PART_2], [2])]


def test_other_slots_and_one_part_instructions_are_read_as_before():
    model = ScriptedModel({PART_1: 1, PART_2: 5, SINGLE: 3})
    actions, state = play(ModelPolicy(model), [SEQUENCE, SINGLE], 3)
    assert [a[1] for a in actions] == [Action.FORWARD, Action.FORWARD, Action.STOP]
    assert model.calls[1] == ([PART_2], [1])  # only the switching slot is read again
    assert [c for texts, c in model.calls if texts == [PART_2, SINGLE]] == [[2, 2], [3, 3]]
    assert state.model.hidden[:, 0].tolist() == [3, 3]


def test_without_read_parts_the_sequence_is_read_whole_and_its_stop_is_sent():
    model = ScriptedModel({SEQUENCE: 2}, read_parts=False)
    actions, _ = play(ModelPolicy(model), [SEQUENCE], 2)
    assert actions[-1] == [Action.STOP]
    assert {t for texts, _ in model.calls for t in texts} == {SEQUENCE}
    forced = ScriptedModel({PART_1: 1, PART_2: 1}, read_parts=False)
    actions, _ = play(ModelPolicy(forced, read_parts=True), [SEQUENCE], 1)
    assert actions == [[Action.STOP]]  # part 1 done at once, part 2 done at once
    assert [texts for texts, _ in forced.calls] == [[PART_1], [PART_2]]


def test_a_new_episode_in_the_slot_starts_again_at_part_one():
    model = ScriptedModel({PART_1: 1, PART_2: 9})
    policy = ModelPolicy(model)
    _, state = play(policy, [SEQUENCE], 2)
    assert state.readings[0].current == 1
    state = policy.reset_done(state, np.array([True]))
    play(policy, [SEQUENCE], 1, state)
    assert model.calls[-2:] == [([PART_1], [1]), ([PART_2], [1])]


def test_sampled_decoding_reads_parts_too_and_keeps_each_slots_generator():
    model = ScriptedModel({PART_1: 1, PART_2: 2})
    policy = SampledModelPolicy(model, seed=0)
    actions, state = play(policy, [SEQUENCE, SINGLE], 2)
    assert actions[1][0] == Action.STOP and actions[1][1] == Action.FORWARD
    assert state.own[0][1] is not state.own[1][1]
    assert policy.config()["read_parts"] is True


def test_an_instruction_the_parser_cannot_cut_is_read_as_given():
    assert Reading.of("go to the bedrom, then the kitchen").parts == [
        "go to the bedrom, then the kitchen"]
    assert Reading.of(SINGLE).parts == [SINGLE]  # one part: the words as typed
    assert Reading.of(SEQUENCE).parts == [PART_1, PART_2]


def test_token_ids_cannot_be_read_part_by_part_and_say_so():
    policy = ModelPolicy(ScriptedModel({}))
    obs = {**obs_of([SEQUENCE]), "instruction": np.ones((1, 12), np.int64)}
    with pytest.raises(ModelError, match="read_parts reads instructions as text; slot 0"):
        policy.act(obs, policy.initial_state(1), [{}])
    whole = ModelPolicy(ScriptedModel({}, read_parts=False))
    actions, _ = whole.act(obs, whole.initial_state(1), [{}])  # passed through untouched
    assert actions.tolist() == [Action.FORWARD]


ROUTE = "Turn left, walk two steps and stop."
TURN, WALK = "turn left", "walk two steps and stop"


class GpsModel(ScriptedModel):
    """The scripted model, keeping the ``gps`` it is given with each call."""

    def __init__(self, stops: dict[str, int], **flags: bool) -> None:
        super().__init__(stops)
        self.config = ModelConfig(**flags)
        self.gps: list[list[list[int]]] = []

    def act(self, obs, state):
        self.gps.append(np.asarray(obs["gps"]).tolist())
        return super().act(obs, state)


def walk(policy: ModelPolicy, texts: list[str], gps_per_step: list[list[list[int]]]):
    state, actions = policy.initial_state(len(texts)), []
    for gps in gps_per_step:
        obs = {**obs_of(texts), "gps": np.asarray(gps, np.int64)}
        acted, state = policy.act(obs, state, [{} for _ in texts])
        actions.append(acted.tolist())
    return actions, state


def test_a_route_is_read_part_by_part_with_gps_counted_from_where_the_part_began():
    model = GpsModel({TURN: 1, WALK: 3}, read_route_parts=True)
    gps = [[[0, 0], [0, 0]], [[0, 1], [1, 0]], [[0, 2], [2, 0]]]
    actions, state = walk(ModelPolicy(model), [ROUTE, SEQUENCE], gps)
    assert [texts for texts, _ in model.calls] == [
        [TURN, SEQUENCE], [WALK],  # the turn is done at once: the walk is read on that view
        [WALK, SEQUENCE], [WALK, SEQUENCE]]  # the sequence is read whole (no read_parts)
    assert model.gps == [[[0, 0], [0, 0]], [[0, 0]], [[0, 1], [1, 0]], [[0, 2], [2, 0]]]
    assert state.readings[0].route and state.readings[0].origin == (0, 0)
    assert actions[-1] == [Action.STOP, Action.FORWARD]  # walk read 3 steps: the real stop


def test_the_gps_origin_moves_to_where_each_route_part_begins():
    model = GpsModel({TURN: 2, WALK: 2}, read_route_parts=True)
    gps = [[[5, 5]], [[5, 6]], [[5, 7]], [[5, 8]]]
    walk(ModelPolicy(model), [ROUTE], gps)
    # step 2 ends the turn at gps (5, 6): the walk then counts from there
    assert model.gps == [[[5, 5]], [[5, 6]], [[0, 0]], [[0, 1]], [[0, 2]]]
    assert [t for texts, _ in model.calls for t in texts] == [TURN, TURN, WALK, WALK, WALK]


def test_routes_are_read_whole_unless_asked_and_the_whole_policy_never_cuts_them():
    assert Reading.of(ROUTE).parts == [ROUTE]
    assert Reading.of(ROUTE, routes=True).parts == [TURN, WALK]
    assert Reading.of(SEQUENCE, sequences=False, routes=True).parts == [SEQUENCE]
    plain = GpsModel({ROUTE: 1}, read_parts=True)
    actions, _ = walk(ModelPolicy(plain), [ROUTE], [[[0, 0]]])
    assert actions == [[Action.STOP]] and plain.calls[0][0] == [ROUTE]


def test_vln_runs_driver_reads_routes_part_by_part_too():
    from agents.viz.attention import TransformerDriver

    model = GpsModel({TURN: 1, WALK: 2}, read_route_parts=True)
    driver = TransformerDriver(model)
    driver.begin(0)
    obs = {k: v[0] for k, v in obs_of([ROUTE]).items()}
    first = driver.act(obs, {})
    second = driver.act(obs, {})
    assert (first.action, second.action) == (Action.FORWARD, Action.STOP)
    assert [texts for texts, _ in model.calls] == [[TURN], [WALK], [WALK]]


def test_moving_on_starts_the_next_part_where_the_reader_is_and_only_routes_count_gps_there():
    sequence = Reading(SEQUENCE, [PART_1, PART_2], origin=(1, 2))
    assert sequence.moved_on(np.array([5, -3])) == Reading(SEQUENCE, [PART_1, PART_2], 1,
                                                          origin=(1, 2))
    route = Reading("r", ["turn left", "walk two steps"], route=True)
    moved = route.moved_on(np.array([5, -3]))
    assert (moved.current, moved.origin, moved.now, moved.more) == (
        1, (5, -3), "walk two steps", False)
    assert route.moved_on(None).origin == (0, 0)  # observations without gps
