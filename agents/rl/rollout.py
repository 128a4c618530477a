"""Roll-outs: ``N`` lanes of a :class:`~vlnenv.vector.BatchedGridHouseEnv` played ``T``
steps by the recurrent policy, its state carried from step to step (and from roll-out to
roll-out) and reset to zeros exactly where a lane starts a new episode.

The stored roll-out is time-major ``(T, N, ...)``; ``starts[t]`` marks the steps whose
observation begins an episode, where GAE stops flowing back (:func:`agents.rl.gae.gae`);
``resets[t]`` the steps before which the recurrent state is reset (the ``done_mask`` of
``forward_sequence``, so replaying a lane's sequence in the update gives the logits it
acted on): every start, and every step where the lane began a new part of its instruction.

A model that reads instructions part by part (``model.read_parts``,
``model.read_route_parts``) is played as the benchmark plays it
(:class:`agents.evaluation.model_policy.ModelPolicy`, :mod:`agents.evaluation.parts`):
each lane reads the current part of its episode's instruction (a route part's ``gps``
counted from where the part began); a ``stop`` sampled before the last part is not sent
to the environment but ends the part: the lane's state is reset, it reads the next part on
the same observation, and the action sampled there is the step's (and what is stored: the
next part's words, ``gps`` and a reset). Without this, PPO would train a part reader on
whole routes and sequences, which it never reads (routes 73 → 35 on ``small/val_unseen``
in 30 minutes: docs/experiments/47-held-out-words-and-rl-from-the-light-quickstart.md).

The stop that ended a part is a decision too, and PPO must credit it (without it, the
part-ending stops drift untrained: routes 73 → 7 in the same 30 minutes, page 47). Each is
kept as a *stop row* (:class:`StopRows`): the view and words it was taken on, the
recurrent state it read (the policy's, as stored recurrent-PPO implementations keep the
state a step began from), its log-probability and the value of the part it ended. The
env step's action is then ``(stop, a)``: ``pi_k(stop | h, o) * pi_{k+1}(a | 0, o)``, each
factor its own PPO row (:func:`agents.rl.gae.stop_targets` gives the stop its advantage).

:class:`Lanes` also keeps what it takes to put the environment back exactly where it
was (for ``--resume``): per lane, the state of its episode generator before it drew the
current episode, and the actions taken in that episode; :meth:`Lanes.restore` redraws
each episode and replays its actions, and where each lane is in its instruction's parts.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from gymnasium.utils import seeding
from torch import Tensor

from agents.evaluation.parts import Reading, as_read
from agents.models import MultimodalTransformer, RecurrentState, autocast_context
from agents.models.legacy import upgrade_state
from agents.rl.config import RLEnvConfig
from agents.train.errors import TrainError
from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig as HouseEnvConfig  # agents.rl.config has an EnvConfig
from vlnenv.env.sources import EpisodeSource
from vlnenv.registration import VECTOR_ENTRY_POINT
from vlnenv.suites.load import Suite
from vlnenv.tasks.rephrase import said_all
from vlnenv.vector import BatchedGridHouseEnv


def make_env(config: RLEnvConfig, suite: Suite, lanes: int) -> BatchedGridHouseEnv:
    """The batched environment of ``config``: a registered id's generated tasks, or the
    episodes of ``suite`` / ``config.split`` of ``config.families``.

    Raises:
        TrainError: an id that is not one of vlnenv's, or no episode left.
    """
    if config.id:
        try:
            spec = gym.spec(config.id)
        except gym.error.Error as err:
            raise TrainError(f"env.id {config.id!r}: {err}") from None
        if spec.vector_entry_point != VECTOR_ENTRY_POINT:
            raise TrainError(f"env.id {config.id!r} is not a vlnenv grid-house id (its "
                             f"vector entry point is {spec.vector_entry_point!r})")
        return BatchedGridHouseEnv(lanes, copy.deepcopy(spec.kwargs["source"]),
                                   HouseEnvConfig(dense_reward=config.dense_reward))
    if config.split not in suite.splits:
        raise TrainError(f"env.split: suite {suite.name} has no split {config.split!r}; it has "
                         f"{list(suite.splits)}")
    keep = set(config.families)
    # the text the BC demos of data.phrasing read (seed 0, data.sample_seed's default)
    episodes = said_all(suite.episodes(config.split), suite.houses, config.phrasing, 0)
    episodes = [ep for ep in episodes if ep.family in keep]
    if not episodes:
        raise TrainError(f"env: no episode of {list(config.families)} in "
                         f"{suite.name}/{config.split}")
    return BatchedGridHouseEnv(lanes, EpisodeSource.episodes(episodes, suite.houses),
                               HouseEnvConfig(dense_reward=config.dense_reward))


class StopRows(NamedTuple):
    """The ``M`` part-ending stops of a roll-out (see the module docstring), in the order
    they were taken; a lane that moved on twice in one step has two, the second read from
    the initial state."""

    step: Tensor
    """``(M,)`` int64 roll-out step ``t`` of each."""
    lane: Tensor
    """``(M,)`` int64 lane of each."""
    obs: dict[str, Tensor]
    """The view and words each was taken on, ``(M, ...)`` as ``model.forward`` reads them
    (``instruction`` ``(M, L)`` ids of the part it ended, ``gps`` counted from where that
    part began)."""
    state: RecurrentState
    """``(M, ...)`` the recurrent state each read."""
    logp: Tensor
    """``(M,)`` log-probability of the stop under the acting policy."""
    values: Tensor
    """``(M,)`` value of the part it ended (``V_k``)."""

    @property
    def count(self) -> int:
        """``M``."""
        return int(self.step.shape[0])

    def rows_of(self, lanes: Tensor) -> Tensor:
        """``(m,)`` the indices of the stop rows of ``lanes``."""
        return torch.isin(self.lane, lanes).nonzero()[:, 0]

    def select(self, rows: Tensor) -> StopRows:
        """The stop rows ``rows``."""
        return StopRows(self.step[rows], self.lane[rows],
                        {k: v[rows] for k, v in self.obs.items()}, self.state.select(rows),
                        self.logp[rows], self.values[rows])

    @classmethod
    def cat(cls, parts: list[StopRows]) -> StopRows | None:
        """The rows of ``parts``, one after the other; ``None`` when there are none."""
        if not parts:
            return None
        return cls(torch.cat([p.step for p in parts]), torch.cat([p.lane for p in parts]),
                   {k: torch.cat([p.obs[k] for p in parts]) for k in parts[0].obs},
                   RecurrentState.cat([p.state for p in parts]),
                   torch.cat([p.logp for p in parts]), torch.cat([p.values for p in parts]))


class Rollout(NamedTuple):
    """``T`` steps of ``N`` lanes (time-major), and what follows them."""

    image: Tensor
    """``(T, N, S, S, 3)`` uint8 views."""
    direction: Tensor
    """``(T, N)`` int64 headings."""
    carrying: Tensor
    """``(T, N)`` int64 carried object ids."""
    gps: Tensor
    """``(T, N, 2)`` int64 cell minus start cell."""
    ids: Tensor
    """``(T, N, L)`` int64 instruction ids."""
    starts: Tensor
    """``(T, N)`` bool: the step's observation begins an episode."""
    resets: Tensor
    """``(T, N)`` bool: the recurrent state is reset before the step (an episode's start, or
    a new part of its instruction)."""
    actions: Tensor
    """``(T, N)`` int64 sampled actions."""
    logp: Tensor
    """``(T, N)`` log-probability of each action under the acting policy."""
    values: Tensor
    """``(T, N)`` value estimates."""
    rewards: Tensor
    """``(T, N)`` rewards."""
    state0: RecurrentState
    """The recurrent state carried in before step 0 (before its reset)."""
    last_value: Tensor
    """``(N,)`` value of the observation after the last step."""
    last_start: Tensor
    """``(N,)`` whether that observation begins an episode."""
    stops: StopRows | None = None
    """The part-ending stops (a part reader's roll-out; ``None`` for one that reads whole
    instructions)."""

    def lanes(self, index: Tensor) -> dict[str, Tensor]:
        """The observation sequences of lanes ``index``, lane-major ``(n, T, ...)``, as
        ``forward_sequence`` reads them."""
        return {"image": self.image[:, index].transpose(0, 1),
                "direction": self.direction[:, index].T, "carrying": self.carrying[:, index].T,
                "gps": self.gps[:, index].transpose(0, 1),
                "instruction": self.ids[:, index].transpose(0, 1)}


@dataclass
class Episodes:
    """The episodes that ended during a roll-out."""

    returns: list[float]
    """Undiscounted return of each."""
    successes: list[bool]
    """Whether it succeeded."""
    lengths: list[int]
    """Its steps."""


def _rows_from(state: RecurrentState, rows: Tensor, other: RecurrentState) -> RecurrentState:
    """``state`` with its ``rows`` replaced by ``other``'s (one row each, in order); maps of
    different sizes (``config.far.grow``) are first re-embedded in one grid
    (:meth:`RecurrentState.cat`)."""
    both = RecurrentState.cat([state, other])
    full, part = both.select(slice(0, state.batch)), both.select(slice(state.batch, None))
    return RecurrentState(*(None if x is None else x.index_copy(0, rows.to(x.device), y)
                            for x, y in zip(full, part, strict=True)))


def _rng_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def _rng_of(state: str) -> np.random.Generator:
    data = json.loads(state)
    bit_gen = getattr(np.random, data["bit_generator"])()
    bit_gen.state = data
    return np.random.Generator(bit_gen)


class Lanes:
    """The environment's lanes as the policy plays them (see the module docstring).

    Args:
        env: the batched environment (same-step autoreset).
        model: the policy (its recurrent state shape, its instruction cache, and whether it
            reads instructions part by part: ``config.read_parts``, ``read_route_parts``).
        seed: lane ``i`` draws its episodes from a generator seeded ``seed + i``.
    """

    def __init__(self, env: BatchedGridHouseEnv, model: MultimodalTransformer,
                 seed: int) -> None:
        self.env, self.n, self.seed = env, env.num_envs, seed
        self.obs, _ = env.reset(seed=seed)
        self.starts = np.ones(self.n, bool)  # (N,) the current observation begins an episode
        self.state = model.initial_state(self.n)
        self.draw_state = [_rng_state(seeding.np_random(seed + i)[0]) for i in range(self.n)]
        self.next_draw = [_rng_state(env.generator(i)) for i in range(self.n)]
        self.actions: list[list[int]] = [[] for _ in range(self.n)]
        self.returns = np.zeros(self.n)  # (N,) return of the episode so far
        config = model.config
        self.by_parts = (bool(config.read_parts), bool(config.read_route_parts))
        self.readings: list[Reading | None] = [None] * self.n  # where each lane reads

    # ------------------------------------------------------------------ playing
    def collect(self, model: MultimodalTransformer, steps: int,
                gen: torch.Generator) -> tuple[Rollout, Episodes]:
        """Play ``steps`` steps of every lane with actions sampled from the policy (drawn
        with ``gen``, on the CPU), without gradients.

        Returns:
            The roll-out and the episodes that ended in it.
        """
        device, T, N = model.device, steps, self.n
        obs_t: list[dict[str, Tensor]] = []
        starts = torch.zeros(T, N, dtype=torch.bool)
        resets = torch.zeros(T, N, dtype=torch.bool)
        actions = torch.zeros(T, N, dtype=torch.long)
        logp = torch.zeros(T, N)
        values = torch.zeros(T, N)
        rewards = torch.zeros(T, N)
        state0 = self.state.clone()
        ended = Episodes([], [], [])
        stops: list[StopRows] = []  # the part-ending stops of each step, in order
        state = self.state
        was_training = model.training
        model.eval()
        try:
            for t in range(T):
                starts[t] = torch.from_numpy(self.starts)
                resets[t] = starts[t]
                state = state.reset(resets[t])
                obs = self._tensors(model, self._read(self.obs))
                with torch.no_grad(), autocast_context(device):
                    out = model(obs, state)  # logits (N, A), value (N,)
                dist = torch.log_softmax(out.logits.float().cpu(), dim=-1)  # (N, A)
                action = torch.multinomial(dist.exp(), 1, generator=gen)[:, 0]  # (N,)
                moving = self._part_done(action)
                read = state  # (N, ...) the state each lane's current row read
                state, value = out.state.float(), out.value.float().cpu()  # (N, ...), (N,)
                while moving.any():  # a stop before the last part: read the next one here
                    resets[t] |= moving
                    rows = moving.nonzero()[:, 0]  # (M,) the lanes that moved on
                    stops.append(StopRows(
                        torch.full((len(rows),), t, dtype=torch.long), rows,
                        {k: v[rows] for k, v in obs.items()},
                        read.select(rows).float().to("cpu"), dist[rows, int(Action.STOP)],
                        value[rows]))
                    fresh = model.initial_state(len(rows))
                    read = _rows_from(read.float(), rows, fresh.float())
                    obs = self._tensors(model, self._read(self.obs))
                    sub = {k: v[rows] for k, v in obs.items()}
                    with torch.no_grad(), autocast_context(device):
                        part = model(sub, fresh)  # logits (M, A)
                    sub_dist = torch.log_softmax(part.logits.float().cpu(), dim=-1)  # (M, A)
                    dist = dist.index_copy(0, rows, sub_dist)
                    again = torch.multinomial(sub_dist.exp(), 1, generator=gen)[:, 0]  # (M,)
                    action = action.index_copy(0, rows, again)
                    value = value.index_copy(0, rows, part.value.float().cpu())
                    state = _rows_from(state, rows, part.state.float())
                    moving = self._part_done(action) & moving  # only those can move on
                obs_t.append(obs)
                actions[t] = action
                logp[t] = dist.gather(1, action[:, None])[:, 0]
                values[t] = value
                rewards[t] = torch.from_numpy(self._step(action.numpy(), ended))
            with torch.no_grad(), autocast_context(device):
                last = model(self._tensors(model, self._read(self.obs)),
                             state.reset(self.starts))
        finally:
            model.train(was_training)
        self.state = state
        stacked = {k: torch.stack([o[k] for o in obs_t]) for k in obs_t[0]}  # (T, N, ...)
        rollout = Rollout(stacked["image"], stacked["direction"], stacked["carrying"],
                          stacked["gps"], stacked["instruction"], starts, resets, actions, logp,
                          values, rewards, state0, last.value.float().cpu(),
                          torch.from_numpy(self.starts.copy()), StopRows.cat(stops))
        return rollout, ended

    def _read(self, obs: Mapping[str, Any]) -> dict[str, Any]:
        """``obs`` as the model reads it: a lane whose episode has just begun starts reading
        its instruction (cut into parts when the model reads parts); each lane is given its
        current part (:func:`agents.evaluation.parts.as_read`)."""
        if not any(self.by_parts):
            return dict(obs)
        for i, text in enumerate(obs["instruction"]):
            if self.readings[i] is None:  # set to None where an episode ends
                self.readings[i] = Reading.of(text, *self.by_parts)
        return as_read(dict(obs), self.readings)

    def _part_done(self, action: Tensor) -> Tensor:
        """``(N,)`` bool: the lanes whose ``action`` is a stop before their last part; those
        lanes move on to their next part (a route part's ``gps`` origin: where it is now)."""
        done = torch.zeros(self.n, dtype=torch.bool)
        if not any(self.by_parts):
            return done
        for i in np.flatnonzero(action.numpy() == int(Action.STOP)).tolist():
            reading = self.readings[i]
            if reading is not None and reading.more:
                self.readings[i] = reading.moved_on(np.asarray(self.obs["gps"])[i])
                done[i] = True
        return done

    @staticmethod
    def _tensors(model: MultimodalTransformer, obs: Mapping[str, Any]) -> dict[str, Tensor]:
        """CPU tensors of a batched observation, the instruction as ids ``(N, L)``."""
        return {"image": torch.from_numpy(np.array(obs["image"])),  # (N, S, S, 3)
                "direction": torch.as_tensor(obs["direction"], dtype=torch.long),  # (N,)
                "carrying": torch.as_tensor(obs["carrying"], dtype=torch.long),  # (N,)
                "gps": torch.as_tensor(obs["gps"], dtype=torch.long),  # (N, 2)
                "instruction": torch.from_numpy(model.instructions.encode(
                    list(obs["instruction"])))}  # (N, L)

    def _step(self, action: np.ndarray, ended: Episodes) -> np.ndarray:
        """Step the environment, keep the books, and return the ``(N,)`` rewards."""
        self.obs, reward, terminated, truncated, info = self.env.step(action)
        done = terminated | truncated  # (N,)
        self.returns += reward
        for i in range(self.n):
            self.actions[i].append(int(action[i]))
        for i in np.flatnonzero(done).tolist():
            ended.returns.append(float(self.returns[i]))
            ended.successes.append(bool(info["final_info"]["success"][i]))
            ended.lengths.append(len(self.actions[i]))
            self.returns[i] = 0.0
            self.actions[i] = []
            self.readings[i] = None
            self.draw_state[i] = self.next_draw[i]
            self.next_draw[i] = _rng_state(self.env.generator(i))
        self.starts = done
        return reward.astype(np.float32)

    # ------------------------------------------------------------------ resuming
    def state_dict(self) -> dict[str, Any]:
        """What :meth:`load_state_dict` needs to put the lanes back (plain containers)."""
        return {"draw_state": list(self.draw_state), "actions": [list(a) for a in self.actions],
                "returns": torch.from_numpy(self.returns.copy()),
                "starts": torch.from_numpy(self.starts.copy()),
                "state": self.state.to("cpu").to_dict(),
                "readings": [None if r is None else [r.current, *r.origin]
                             for r in self.readings]}

    def load_state_dict(self, data: Mapping[str, Any]) -> None:
        """Put the environment and the books back as :meth:`state_dict` found them."""
        if len(data["actions"]) != self.n:
            raise TrainError(f"the checkpoint holds {len(data['actions'])} lanes; this run "
                             f"has {self.n} (env.lanes)")
        self.draw_state = list(data["draw_state"])
        self.actions = [list(a) for a in data["actions"]]
        self.returns = data["returns"].numpy().copy()
        self.starts = data["starts"].numpy().copy()
        fields = tuple(k for k in self.state.to_dict() if k != "hidden")
        self.state = upgrade_state(data["state"], fields, self.state.hidden.shape[1],
                                   "rollout state").to(self.state.hidden.device)
        self.obs = self.restore()
        self.next_draw = [_rng_state(self.env.generator(i)) for i in range(self.n)]
        # where each lane was in its instruction's parts (none saved: every lane at its
        # first part, as a checkpoint of a run that read whole instructions left them)
        saved = data.get("readings") or [None] * self.n
        self.readings = [None] * self.n
        for i, where in enumerate(saved):
            if where is not None and any(self.by_parts):
                reading = Reading.of(self.obs["instruction"][i], *self.by_parts)
                self.readings[i] = dataclasses.replace(reading, current=int(where[0]),
                                                       origin=(int(where[1]), int(where[2])))

    def restore(self) -> dict[str, Any]:
        """Redraw every lane's current episode from its generator state and replay its
        actions; the lanes start in turn so that all end their replay together (a lane
        waiting for its turn plays a throw-away episode). Returns the observation."""
        env, n = self.env, self.n
        lengths = np.array([len(a) for a in self.actions])  # (N,)
        horizon = int(lengths.max())
        first = horizon - lengths  # (N,) replay step at which lane i starts its episode
        drawn: list[np.random.Generator | None] = [None] * n
        obs, _ = env.reset(seed=self.seed)
        for k in range(horizon + 1):
            starting = first == k  # (N,)
            if starting.any():
                episodes: list[Any] = [None] * n
                houses: list[Any] = [None] * n
                for i in np.flatnonzero(starting).tolist():
                    drawn[i] = _rng_of(self.draw_state[i])
                    houses[i], episodes[i] = env.source.draw(drawn[i])
                obs, _ = env.reset(options={"reset_mask": starting, "episodes": episodes,
                                            "houses": houses})
            if k == horizon:
                break
            action = np.array([self.actions[i][k - first[i]] if k >= first[i] else 0
                               for i in range(n)], np.int64)
            obs, *_ = env.step(action)
        for i, rng in enumerate(drawn):
            assert rng is not None
            env.set_generator(i, rng)
        return obs
