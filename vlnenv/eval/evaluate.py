"""Running a policy over a suite split and scoring every episode.

:func:`evaluate` (or :func:`evaluate_episodes`, for episode records of one's own) keeps
``batch`` environments in lock-step, one :class:`GridHouseEnv` per slot; when a slot's
episode ends it takes the next one, until every chosen episode has run. It returns one
record per episode, in episode order, with the path, the actions and every metric of
:func:`vlnenv.eval.metrics.episode_metrics`:

* distances are geodesic cell distances in the episode's house
  (:func:`vlnenv.eval.distances.geodesic`); the reference is the record's ``reference_path`` and
  the goal its ``goal`` cells; success needs ``stop`` on a goal cell (threshold 0,
  inclusive);
* ``sr`` is the environment's verdict at stop, which for ``fetch`` (carry the object) and
  ``sequence`` (parts in order) is stricter than standing on a goal cell; that looser
  success is kept as ``sr_goal``. ``spl`` and ``sdtw``, being success-weighted, are 0
  whenever the verdict is failure;
* SPL's shortest length ``l`` is the length of the reference path (the oracle's route,
  which for ``fetch`` and ``sequence`` passes the object or the earlier parts), not the
  distance from the start to the goal cells.

Records do not depend on ``batch`` or on how the episodes are sharded, provided the
policy draws randomness per episode (see :mod:`vlnenv.eval.protocol`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.errors import EvaluationError
from vlnenv.eval.distances import Distance, geodesic
from vlnenv.eval.metrics import episode_metrics, path_length
from vlnenv.eval.protocol import Policy, expert_kind
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode

Progress = Callable[[int], None]

#: Record keys besides the metrics, in the order records list them.
RECORD_KEYS: tuple[str, ...] = (
    "episode_id", "episode_index", "family", "house", "success", "stopped", "steps",
    "path", "actions",
)


def episode_seed(seed: int, index: int) -> int:
    """The per-episode seed handed to policies: a uint32 drawn from ``SeedSequence(seed)``
    with spawn key ``(index,)``."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(int(index),))
    return int(seq.generate_state(1, np.uint32)[0])


def select_episodes(total: int, episodes: int | Sequence[int] | None) -> list[int]:
    """Indices into a split of ``total`` episodes: all (``None``), the first ``N``, or the
    given indices.

    Raises:
        EvaluationError: a negative count or an index out of range.
    """
    if episodes is None:
        return list(range(total))
    if isinstance(episodes, int | np.integer):
        if episodes < 0:
            raise EvaluationError(f"episodes = {episodes}: expected a count >= 0")
        return list(range(min(int(episodes), total)))
    indices = [int(i) for i in episodes]
    bad = [i for i in indices if not 0 <= i < total]
    if bad:
        raise EvaluationError(f"episode indices {bad[:5]} out of range 0..{total - 1}")
    return indices


def stack_obs(observations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Batch single observations: arrays stacked along a new first axis, instructions in
    a list; ``gps`` when the observations have it (an environment's always do).

    Raises:
        EvaluationError: some observations have ``gps`` and others do not.
    """
    batch = {
        "image": np.stack([o["image"] for o in observations]),  # (B, H, W, 3)
        "direction": np.array([o["direction"] for o in observations], np.int64),  # (B,)
        "carrying": np.array([o["carrying"] for o in observations], np.int64),  # (B,)
        "instruction": [o["instruction"] for o in observations],
    }
    with_gps = sum("gps" in o for o in observations)
    if with_gps not in (0, len(observations)):
        raise EvaluationError(f"{with_gps} of {len(observations)} observations have 'gps': "
                              f"all or none must")
    if with_gps:
        batch["gps"] = np.stack([o["gps"] for o in observations]).astype(np.int64)  # (B, 2)
    return batch


def score_episode(
    episode: Episode, index: int, env: GridHouseEnv, actions: Sequence[int], dist: Distance
) -> dict[str, Any]:
    """The record of an episode that ``env`` has just finished (see the module
    docstring)."""
    state = env.state
    path = [tuple(cell) for cell in state.path]
    reference = list(episode.reference_path)
    metrics = episode_metrics(path, reference, episode.goal, dist, stopped=state.stopped,
                              shortest=path_length(reference, dist))
    success = bool(env.success)
    reached = metrics["sr"]
    metrics["sr"] = float(success)
    if not success:
        metrics["spl"] = metrics["sdtw"] = 0.0
    return {
        "episode_id": episode.episode_id,
        "episode_index": index,
        "family": episode.family,
        "house": episode.house,
        "success": success,
        "stopped": bool(state.stopped),
        "steps": int(state.step),
        "path": [list(cell) for cell in path],
        "actions": [int(a) for a in actions],
        **metrics,
        "sr_goal": reached,
    }


class _Slots:
    """The ``B`` environments and what each is running."""

    def __init__(self, envs: list[GridHouseEnv], episodes: list[Episode], indices: list[int],
                 houses: Mapping[str, Any], seed: int) -> None:
        self.envs, self.episodes, self.indices = envs, episodes, indices
        self.houses, self.seed = houses, seed
        self.next = 0  # next position in ``episodes`` to start
        self.current: list[int | None] = [None] * len(envs)  # position run by each slot
        self.obs: list[dict[str, Any]] = [{}] * len(envs)
        self.infos: list[dict[str, Any]] = [{}] * len(envs)
        self.actions: list[list[int]] = [[] for _ in envs]

    def start(self, b: int) -> None:
        """Give slot ``b`` the next episode, or mark it inactive."""
        if self.next >= len(self.episodes):
            self.current[b] = None
            self.infos[b] = {**self.infos[b], "active": False}
            return
        pos = self.next
        self.next += 1
        ep = self.episodes[pos]
        obs, info = self.envs[b].reset(options={"episode": ep, "house": self.houses[ep.house]})
        self.current[b], self.actions[b] = pos, []
        self.obs[b] = obs
        self.infos[b] = self.decorate(info, pos)

    def decorate(self, info: dict[str, Any], pos: int) -> dict[str, Any]:
        index = self.indices[pos]
        return {**info, "active": True, "episode_index": index,
                "episode_seed": episode_seed(self.seed, index)}


def evaluate(
    policy: Policy,
    suite: Suite | str,
    split: str,
    episodes: int | Sequence[int] | None = None,
    batch: int = 16,
    seed: int = 0,
    progress: Progress | None = None,
    env_config: EnvConfig | None = None,
) -> list[dict[str, Any]]:
    """Run ``policy`` on episodes of a suite split and score each.

    Args:
        policy: the policy (see :mod:`vlnenv.eval.protocol`).
        suite: a loaded suite, or its name or folder.
        split: the split (``train``, ``val_seen``, ``val_unseen``, ``test``).
        episodes: all episodes (``None``), the first ``N``, or these indices of the split.
        batch: environments run in lock-step.
        seed: evaluation seed; policies get ``info["episode_seed"]`` derived from it and
            the episode's index.
        progress: called with 1 each time an episode finishes.
        env_config: the environments' :class:`EnvConfig` (``view``, ``tile``, ...); its
            ``expert`` is set to what the policy needs.

    Returns:
        One record per episode, in the order of ``episodes`` (see the module docstring).

    Raises:
        EvaluationError: bad ``batch`` or episode selection, or an action out of range.
    """
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    split_episodes = suite.episodes(split)
    indices = select_episodes(len(split_episodes), episodes)
    chosen = [split_episodes[i] for i in indices]
    houses = {hid: suite.houses[hid] for hid in sorted({ep.house for ep in chosen})}
    return evaluate_episodes(policy, chosen, houses, indices, batch, seed, progress,
                             env_config)


def evaluate_episodes(
    policy: Policy,
    episodes: Sequence[Episode],
    houses: Mapping[str, Any],
    indices: Sequence[int] | None = None,
    batch: int = 16,
    seed: int = 0,
    progress: Progress | None = None,
    env_config: EnvConfig | None = None,
) -> list[dict[str, Any]]:
    """Run ``policy`` on these episode records (not a suite split's: e.g. the parts of
    routes cut apart, ``scripts/route_part_modes.py``) and score each, as :func:`evaluate`
    does; ``houses`` holds each episode's house by id, and ``indices`` are the episodes'
    indices (their seeds; default ``0 .. n-1``).

    Raises:
        EvaluationError: bad ``batch`` or ``indices``, or an action out of range.
    """
    if not isinstance(batch, int | np.integer) or batch < 1:
        raise EvaluationError(f"batch = {batch!r}: expected an integer >= 1")
    chosen = list(episodes)
    indices = list(range(len(chosen))) if indices is None else [int(i) for i in indices]
    if len(indices) != len(chosen):
        raise EvaluationError(f"{len(indices)} indices for {len(chosen)} episodes")
    if not chosen:
        return []
    config = dataclasses.replace(env_config or EnvConfig(), expert=expert_kind(policy))
    envs = [GridHouseEnv(EpisodeSource.episodes(chosen, dict(houses)), config)
            for _ in range(min(int(batch), len(chosen)))]
    try:
        return _run(policy, _Slots(envs, chosen, indices, houses, seed), progress)
    finally:
        for env in envs:
            env.close()


def _run(policy: Policy, slots: _Slots, progress: Progress | None) -> list[dict[str, Any]]:
    n = len(slots.envs)
    dists: dict[str, Distance] = {}
    records: dict[int, dict[str, Any]] = {}
    for b in range(n):
        slots.start(b)
    state = policy.initial_state(n)
    while any(pos is not None for pos in slots.current):
        actions, state = policy.act(stack_obs(slots.obs), state, list(slots.infos))
        actions = np.asarray(actions).reshape(-1)
        if actions.shape != (n,):
            raise EvaluationError(f"policy returned {actions.shape[0]} actions for a batch "
                                  f"of {n}")
        done = np.zeros(n, bool)  # (B,)
        for b in range(n):
            pos = slots.current[b]
            if pos is None:
                continue
            action = int(actions[b])
            if not 0 <= action < len(Action):
                raise EvaluationError(f"policy returned action {action} in slot {b}; "
                                      f"expected 0..{len(Action) - 1}")
            obs, _, terminated, truncated, info = slots.envs[b].step(action)
            slots.actions[b].append(action)
            if terminated or truncated:
                ep = slots.episodes[pos]
                dist = dists.setdefault(ep.house, geodesic(slots.houses[ep.house]))
                records[pos] = score_episode(ep, slots.indices[pos], slots.envs[b],
                                             slots.actions[b], dist)
                done[b] = True
                slots.obs[b], slots.infos[b] = obs, slots.decorate(info, pos)
                slots.start(b)
                if progress is not None:
                    progress(1)
            else:
                slots.obs[b], slots.infos[b] = obs, slots.decorate(info, pos)
        if done.any():
            state = policy.reset_done(state, done)
    return [records[pos] for pos in range(len(slots.episodes))]
