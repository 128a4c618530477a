"""Re-rendering a demonstration's observations by replaying its actions.

Demonstrations store actions only (:mod:`agents.train.data.demos`). The observation before
step ``t`` is what the environment shows after the first ``t`` actions, so an ``n``-step
demonstration needs its first ``n - 1`` actions replayed (the last, usually ``stop``, is
never taken: no episode ends during a replay). :class:`Replayer` replays ``batch``
demonstrations at a time in one :class:`~vlnenv.vector.BatchedGridHouseEnv`, which gives
bitwise the observations of single environments.

:func:`measure_rerender` times that against reading pre-rendered uint8 observations from a
memory-mapped ``.npy`` file (``docs/experiments/`` has the numbers).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.tasks.episode import Episode
from vlnenv.vector.batched import BatchedGridHouseEnv
from vlnenv.world.house import House

#: Action replayed in lanes whose demonstration is already complete (outputs ignored).
_FILLER = 0


@dataclass
class Rendered:
    """The observations of one demonstration, one row per step."""

    image: np.ndarray
    """``(n, S, S, 3)`` uint8 egocentric views."""
    direction: np.ndarray
    """``(n,)`` int64 headings."""
    carrying: np.ndarray
    """``(n,)`` int64 carried-object ids."""
    gps: np.ndarray
    """``(n, 2)`` int64 cell minus start cell (the ``gps`` observation)."""


class Replayer:
    """Replays demonstrations ``batch`` at a time in one batched environment.

    Args:
        houses: house id -> house, for every episode to be replayed.
        batch: demonstrations replayed together (lanes of the batched env).
        view: view size in cells (the environment's default 7).
        tile: pixels per cell (8).
    """

    def __init__(self, houses: Mapping[str, House], batch: int = 64, view: int = 7,
                 tile: int = 8) -> None:
        self.houses = dict(houses)
        self.batch = int(batch)
        self.view, self.tile = view, tile
        self._env: BatchedGridHouseEnv | None = None

    def _environment(self, episodes: Sequence[Episode]) -> BatchedGridHouseEnv:
        if self._env is None:
            self._env = BatchedGridHouseEnv(
                self.batch, EpisodeSource.episodes(list(episodes), self.houses),
                EnvConfig(view=self.view, tile=self.tile), copy=False)
        return self._env

    def render(self, items: Sequence[tuple[Episode, np.ndarray]]) -> list[Rendered]:
        """The observations of each ``(episode, actions)`` demonstration, in order."""
        out: list[Rendered] = []
        for start in range(0, len(items), self.batch):
            out.extend(self._render_group(items[start:start + self.batch]))
        return out

    def _render_group(self, group: Sequence[tuple[Episode, np.ndarray]]) -> list[Rendered]:
        k = self.batch
        padded = list(group) + [group[0]] * (k - len(group))  # idle lanes replay a copy
        episodes = [ep for ep, _ in padded]
        env = self._environment(episodes)
        obs, _ = env.reset(options={"episodes": episodes,
                                    "houses": [self.houses[ep.house] for ep in episodes]})
        lengths = np.array([len(a) for _, a in group])  # (G,)
        side = obs["image"].shape[1]
        out = [Rendered(np.empty((n, side, side, 3), np.uint8), np.empty(n, np.int64),
                        np.empty(n, np.int64), np.empty((n, 2), np.int64))
               for n in lengths.tolist()]
        horizon = int(lengths.max())
        actions = np.full((k, horizon), _FILLER, np.int64)  # (K, T)
        for b, (_, acts) in enumerate(group):
            actions[b, :len(acts)] = acts
        for t in range(horizon):
            if t > 0:
                obs, *_ = env.step(actions[:, t - 1])
            for b in np.flatnonzero(lengths > t).tolist():
                out[b].image[t] = obs["image"][b]
                out[b].direction[t] = obs["direction"][b]
                out[b].carrying[t] = obs["carrying"][b]
                out[b].gps[t] = obs["gps"][b]
        return out


def replay_single(env: GridHouseEnv, episode: Episode, house: House,
                  actions: Sequence[int]) -> Rendered:
    """The observations of one demonstration replayed in a single environment (the
    reference :class:`Replayer` is checked against, and a row of the measurement)."""
    obs, _ = env.reset(options={"episode": episode, "house": house})
    frames = [obs]
    for action in list(actions)[:-1]:
        obs, *_ = env.step(int(action))
        frames.append(obs)
    return Rendered(np.stack([f["image"] for f in frames]),
                    np.array([f["direction"] for f in frames], np.int64),
                    np.array([f["carrying"] for f in frames], np.int64),
                    np.stack([f["gps"] for f in frames]).astype(np.int64))


def measure_rerender(episodes: Sequence[Episode], actions: Sequence[np.ndarray],
                     houses: Mapping[str, House], batch: int = 64,
                     folder: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Observations per second three ways, over the same demonstrations:

    * ``rerender_batched``: :class:`Replayer` with ``batch`` lanes;
    * ``rerender_single``: :func:`replay_single` in one :class:`GridHouseEnv`;
    * ``disk_memmap``: reading the same observations, written once as one uint8 ``.npy``
      array, through ``np.load(mmap_mode="r")``, episode by episode in a shuffled order
      (as training reads them), copied into memory. The file was just written, so it is
      read from the page cache: the best case for disk.

    Returns:
        The three rates, the steps and episodes timed, and the bytes of the array on disk
        against the bytes of the actions.
    """
    items = list(zip(episodes, actions, strict=True))
    steps = int(sum(len(a) for a in actions))
    replayer = Replayer(houses, batch)
    replayer.render(items[:batch])  # warm the caches (episode compilation, visibility)
    t0 = time.perf_counter()
    rendered = replayer.render(items)
    batched = steps / (time.perf_counter() - t0)
    env = GridHouseEnv(EpisodeSource.episodes(list(episodes), dict(houses)))
    t0 = time.perf_counter()
    for ep, acts in items:
        replay_single(env, ep, houses[ep.house], acts)
    single = steps / (time.perf_counter() - t0)
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in actions])])
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = os.path.join(tmp, "obs.npy")
        side = rendered[0].image.shape[1]
        arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8,
                                        shape=(steps, side, side, 3))
        for i, r in enumerate(rendered):
            arr[offsets[i]:offsets[i + 1]] = r.image
        arr.flush()
        del arr
        order = np.random.default_rng(seed).permutation(len(items))
        t0 = time.perf_counter()
        disk = np.load(path, mmap_mode="r")
        total = 0
        for i in order.tolist():
            total += int(np.array(disk[offsets[i]:offsets[i + 1]]).shape[0])
        memmap = total / (time.perf_counter() - t0)
        nbytes = os.path.getsize(path)
        del disk
    return {"episodes": len(items), "steps": steps, "batch": batch,
            "rerender_batched_obs_per_s": batched, "rerender_single_obs_per_s": single,
            "disk_memmap_obs_per_s": memmap, "disk_bytes": nbytes,
            "action_bytes": steps}
