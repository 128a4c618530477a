"""Cutting demonstrations into ``(B, T)`` training batches for truncated backpropagation
through time.

Each of the ``B`` rows (lanes) plays demonstrations back to back; a batch is the next
``T`` steps of every lane. A lane's recurrent state is carried from one batch to the next
by the trainer, and ``done[b, t]`` is true where step ``t`` starts an episode, so the model
resets the state there (``MultimodalTransformer.forward_sequence``). Gradients flow within
a chunk of ``T`` steps only.

Lanes take episodes from one order: a permutation of this rank's shard (``indices[rank ::
world]``) drawn from the loader's ``np.random.Generator`` at the start of every epoch. The
loader's whole state (generator, order, position, what each lane plays and where) is a
plain dict (:meth:`SequenceLoader.state_dict`), so a resumed run sees the same batches.

Episodes are re-rendered ``render_batch`` at a time, in order. With ``workers > 0`` a pool of
that many processes renders the coming groups of this epoch's order ahead of training (the
groups are a pure function of their indices), so the batches are the same for any number
of workers; only the time to make them changes.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from agents.train.data.demo_set import DemoSet
from agents.train.data.legs import ROUTES_ONLY, pointer_targets
from agents.train.data.replay import Rendered, Replayer
from agents.train.data.targets import trace_view_targets
from agents.train.data.word_targets import word_targets
from agents.train.errors import TrainError
from agents.train.losses import progress_targets
from vlnenv.render.decode import symbolic_cells
from vlnenv.world.house import House


@dataclass
class Batch:
    """``B`` lanes of ``T`` steps (numpy)."""

    image: np.ndarray
    """``(B, T, S, S, 3)`` uint8."""
    direction: np.ndarray
    """``(B, T)`` int64."""
    carrying: np.ndarray
    """``(B, T)`` int64."""
    gps: np.ndarray
    """``(B, T, 2)`` int64 cell minus start cell."""
    instruction: list[list[str]]
    """``B`` lists of ``T`` instructions (one per step: a lane changes episode mid-chunk)."""
    labels: np.ndarray
    """``(B, T)`` int64 actions to imitate."""
    done: np.ndarray
    """``(B, T)`` bool: step ``t`` starts an episode."""
    progress: np.ndarray
    """``(B, T)`` float32 progress targets (:func:`~agents.train.losses.progress_targets`)."""
    progress_mask: np.ndarray
    """``(B, T)`` bool: the step has a progress target (a teacher's own demonstration)."""
    goal: np.ndarray
    """``(B, T, V*V)`` bool: the view cells showing the current target
    (:mod:`agents.train.data.targets`); all false when the loader makes no goal targets."""
    goal_mask: np.ndarray
    """``(B, T)`` bool: the step has goal targets (its episode's family is one the loader
    makes them for)."""
    cells: np.ndarray
    """``(B, T, V*V, 3)`` uint8: what each view cell shows (base, object kind + 1, colour
    + 1; :func:`vlnenv.render.decode.symbolic_cells`); zeros when the loader makes no cell
    targets."""
    leg: np.ndarray
    """``(B, T, L)`` bool: the instruction tokens of the route leg (or sequence part) the
    step is in (:mod:`agents.train.data.legs`); ``L = 0`` when the loader makes no leg
    targets."""
    leg_mask: np.ndarray
    """``(B, T)`` bool: the step has leg targets (a teacher's walk of a pointed family
    whose words were aligned)."""
    words: np.ndarray
    """``(B, T, 4)`` int64: what the step's words name (base, object kind + 1, colour + 1,
    and the cue; :mod:`agents.train.data.word_targets`), ``-1`` for none."""

    @property
    def samples(self) -> int:
        """Labelled steps in the batch."""
        return int(self.labels.size)


@dataclass
class _Playing:
    """An episode a lane plays: its rendered observations and targets."""

    index: int
    rendered: Rendered
    labels: np.ndarray
    progress: np.ndarray
    expert: bool
    instruction: str
    goal: np.ndarray | None
    cells: np.ndarray | None
    leg: np.ndarray | None = None
    words: np.ndarray | None = None  # (4,) what the words name, -1 for none


def prepare_episodes(demos: DemoSet, replayer: Replayer, goal_targets: bool,
                     indices: list[int], cell_targets: bool = False,
                     goal_families: frozenset[str] | None = None,
                     leg_len: int = 0, leg_families: frozenset[str] = ROUTES_ONLY,
                     leg_cache: dict[int, np.ndarray | None] | None = None,
                     word_cache: dict[int, np.ndarray] | None = None,
                     cue_targets: bool = False) -> list[_Playing]:
    """The rendered observations and targets of demonstrations ``indices``, in order; goal
    targets (with ``goal_targets``) only for episodes of ``goal_families`` (``None``:
    every family); leg targets over ``leg_len`` tokens (> 0) for the teacher's own
    demonstrations of ``leg_families``, kept in ``leg_cache`` (demonstration index ->
    targets) when given, so a demonstration's are made once, not every epoch; word targets
    (:mod:`agents.train.data.word_targets`, with the cue label when ``cue_targets``) only
    with a ``word_cache``, where they are kept the same way."""
    rendered = replayer.render([(demos.episodes[i], demos.actions[i]) for i in indices])
    out = []
    for i, r in zip(indices, rendered, strict=True):
        labels = demos.labels[i].astype(np.int64)
        ep = demos.episodes[i]
        house = replayer.houses[ep.house]
        wanted = goal_targets and (goal_families is None or ep.family in goal_families)
        goal = (trace_view_targets(demos.traces[i], (house.height, house.width),
                                   replayer.view) if wanted else None)
        cells = symbolic_cells(r.image, replayer.tile) if cell_targets else None  # (n, V*V, 3)
        leg = None  # (n, L) or None
        if leg_len > 0 and demos.expert[i]:
            kept = {} if leg_cache is None else leg_cache
            if i not in kept:
                kept[i] = pointer_targets(ep, house, demos.traces[i].poses, demos.actions[i],
                                          leg_len, leg_families)
            leg = kept[i]
        words = None  # (4,) or None
        if word_cache is not None:
            if i not in word_cache:
                word_cache[i] = word_targets(ep, house, cue_targets)
            words = word_cache[i]
        out.append(_Playing(i, r, labels, progress_targets(len(labels)).numpy(),
                            bool(demos.expert[i]), ep.instruction, goal, cells, leg, words))
    return out


_WORKER: dict[str, Any] = {}  # a pool process's demonstrations and replayer


def _init_worker(demos: DemoSet, houses: dict[str, House], render_batch: int,
                 goal_targets: bool, cell_targets: bool,
                 goal_families: frozenset[str] | None, leg_len: int,
                 leg_families: frozenset[str], words: bool, cue: bool) -> None:
    torch.set_num_threads(1)
    _WORKER.update(demos=demos, replayer=Replayer(houses, render_batch),
                   goal_targets=goal_targets, cell_targets=cell_targets,
                   goal_families=goal_families, leg_len=leg_len, leg_families=leg_families,
                   leg_cache={}, word_cache={} if words else None, cue_targets=cue)


def _prepare_in_worker(indices: list[int]) -> list[_Playing]:
    return prepare_episodes(_WORKER["demos"], _WORKER["replayer"], _WORKER["goal_targets"],
                            indices, _WORKER["cell_targets"], _WORKER["goal_families"],
                            _WORKER["leg_len"], _WORKER["leg_families"], _WORKER["leg_cache"],
                            _WORKER["word_cache"], _WORKER["cue_targets"])


class SequenceLoader:
    """Endless ``(B, T)`` batches of a rank's shard of demonstrations.

    Args:
        demos: the demonstrations (all ranks pass the same set).
        houses: house id -> house for every demonstration's episode.
        lanes: ``B``.
        chunk: ``T``.
        seed: seed of the data order (combined with ``rank``).
        rank: this process's rank.
        world: number of ranks.
        render_batch: demonstrations re-rendered together.
        goal_targets: also make the goal-in-view targets (:mod:`agents.train.data.targets`).
        goal_families: make them only for episodes of these families (``None``: all).
        cell_targets: also make the cell-recognition labels
            (:func:`vlnenv.render.decode.symbolic_cells`).
        workers: processes rendering upcoming episodes ahead (0: render in this process
            when needed); the batches do not depend on it. Call :meth:`close` to stop them.
        leg_len: also make the pointer targets over this many instruction tokens (the
            model's ``max_text_len``; 0: none).
        leg_families: the families given pointer targets (route legs, sequence parts).
        word_targets: also make what each demonstration's words name, for the word-reader
            loss (``-1`` everywhere otherwise).
        cue_targets: with ``word_targets``, also the cue label (for ``model.memory.cue``).

    Raises:
        TrainError: the shard holds no demonstration.
    """

    def __init__(self, demos: DemoSet, houses: dict[str, House], lanes: int, chunk: int,
                 seed: int = 0, rank: int = 0, world: int = 1, render_batch: int = 64,
                 goal_targets: bool = False, workers: int = 0,
                 cell_targets: bool = False,
                 goal_families: frozenset[str] | None = None, leg_len: int = 0,
                 leg_families: frozenset[str] = ROUTES_ONLY, word_targets: bool = False,
                 cue_targets: bool = False) -> None:
        self.demos = demos
        self.lanes, self.chunk = int(lanes), int(chunk)
        self.shard = np.arange(len(demos), dtype=np.int64)[rank::world]  # (N_r,)
        if len(self.shard) == 0:
            raise TrainError(f"rank {rank} of {world} has no demonstrations "
                             f"({len(demos)} in all); use fewer ranks or more data")
        self.replayer = Replayer(houses, render_batch)
        self.goal_targets = bool(goal_targets)
        self.goal_families = None if goal_families is None else frozenset(goal_families)
        self.cell_targets = bool(cell_targets)
        self.leg_len = int(leg_len)
        self.leg_families = frozenset(leg_families)
        self._leg_cache: dict[int, np.ndarray | None] = {}  # demonstration -> its targets
        self._word_cache: dict[int, np.ndarray] | None = {} if word_targets else None  # as legs
        self.cue_targets = bool(cue_targets)
        self.render_batch = int(render_batch)
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, rank])))
        self.epoch = -1
        self.order = np.zeros(0, np.int64)  # this epoch's permutation of the shard
        self.cursor = 0  # next position of ``order`` to hand to a lane
        self.lane_index = np.full(self.lanes, -1, np.int64)  # episode each lane plays
        self.lane_pos = np.zeros(self.lanes, np.int64)  # next step of it
        self._playing: list[_Playing | None] = [None] * self.lanes
        self._ready: deque[_Playing] = deque()  # rendered for order[cursor:cursor + k]
        self._ahead: dict[int, Future[list[_Playing]]] = {}  # group start -> its rendering
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(workers, mp_context=context,
                                             initializer=_init_worker,
                                             initargs=(demos, houses, self.render_batch,
                                                       self.goal_targets, self.cell_targets,
                                                       self.goal_families, self.leg_len,
                                                       self.leg_families,
                                                       self._word_cache is not None,
                                                       self.cue_targets))
        self._depth = 2 * workers  # groups rendered ahead

    def close(self) -> None:
        """Stop the rendering processes (if any)."""
        self._drop_ahead()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # ------------------------------------------------------------------ episodes
    def _new_epoch(self) -> None:
        self.epoch += 1
        self.order = self.rng.permutation(self.shard)
        self.cursor = 0
        self._ready.clear()
        self._drop_ahead()

    def _drop_ahead(self) -> None:
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()

    def _prepare(self, indices: list[int]) -> list[_Playing]:
        return prepare_episodes(self.demos, self.replayer, self.goal_targets, indices,
                                self.cell_targets, self.goal_families, self.leg_len,
                                self.leg_families, self._leg_cache, self._word_cache,
                                self.cue_targets)

    def _group(self, start: int) -> list[_Playing]:
        """The rendered group of ``order[start:start + render_batch]``; with a pool, the
        next groups of the epoch are set rendering too."""
        if self._pool is None:
            return self._prepare(self._indices(start))
        for first in range(start, min(start + (self._depth + 1) * self.render_batch,
                                      len(self.order)), self.render_batch):
            if first not in self._ahead:
                self._ahead[first] = self._pool.submit(_prepare_in_worker,
                                                       self._indices(first))
        return self._ahead.pop(start).result()

    def _indices(self, start: int) -> list[int]:
        """The demonstrations of the group that starts at ``order[start]``."""
        return self.order[start:start + self.render_batch].tolist()

    def _next_episode(self) -> _Playing:
        if self.cursor >= len(self.order):
            self._new_epoch()
        if not self._ready:
            self._ready.extend(self._group(self.cursor))
        self.cursor += 1
        return self._ready.popleft()

    # ------------------------------------------------------------------ batches
    def next_batch(self) -> Batch:
        """The next ``T`` steps of every lane."""
        B, T = self.lanes, self.chunk
        side = self.replayer.view * self.replayer.tile
        image = np.empty((B, T, side, side, 3), np.uint8)
        direction = np.empty((B, T), np.int64)
        carrying = np.empty((B, T), np.int64)
        gps = np.empty((B, T, 2), np.int64)
        labels = np.empty((B, T), np.int64)
        done = np.zeros((B, T), bool)
        progress = np.zeros((B, T), np.float32)
        progress_mask = np.zeros((B, T), bool)
        goal = np.zeros((B, T, self.replayer.view ** 2), bool)
        goal_mask = np.zeros((B, T), bool)
        cells = np.zeros((B, T, self.replayer.view ** 2, 3), np.uint8)
        leg = np.zeros((B, T, self.leg_len), bool)
        leg_mask = np.zeros((B, T), bool)
        words = np.full((B, T, 4), -1, np.int64)
        instruction = [[""] * T for _ in range(B)]
        for b in range(B):
            t = 0
            while t < T:
                playing = self._playing[b]
                if playing is None or self.lane_pos[b] >= len(playing.labels):
                    playing = self._playing[b] = self._next_episode()
                    self.lane_index[b], self.lane_pos[b] = playing.index, 0
                    done[b, t] = True
                pos = int(self.lane_pos[b])
                n = min(T - t, len(playing.labels) - pos)
                src, dst = slice(pos, pos + n), slice(t, t + n)
                image[b, dst] = playing.rendered.image[src]
                direction[b, dst] = playing.rendered.direction[src]
                carrying[b, dst] = playing.rendered.carrying[src]
                gps[b, dst] = playing.rendered.gps[src]
                labels[b, dst] = playing.labels[src]
                progress[b, dst] = playing.progress[src]
                progress_mask[b, dst] = playing.expert
                if playing.goal is not None:
                    goal[b, dst] = playing.goal[src]
                    goal_mask[b, dst] = True
                if playing.cells is not None:
                    cells[b, dst] = playing.cells[src]
                if playing.leg is not None:
                    leg[b, dst] = playing.leg[src]
                    leg_mask[b, dst] = True
                if playing.words is not None:
                    words[b, dst] = playing.words
                instruction[b][t:t + n] = [playing.instruction] * n
                self.lane_pos[b] += n
                t += n
        return Batch(image, direction, carrying, gps, instruction, labels, done, progress,
                     progress_mask, goal, goal_mask, cells, leg, leg_mask, words)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything that decides the coming batches (plain types and tensors)."""
        return {
            "rng": self.rng.bit_generator.state,
            "epoch": self.epoch,
            "order": torch.from_numpy(self.order.copy()),
            "cursor": self.cursor,
            "lane_index": self.lane_index.tolist(),
            "lane_pos": self.lane_pos.tolist(),
            "playing": [p is not None for p in self._playing],
            "shard_size": len(self.shard),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` (lanes' episodes are rendered again).

        Raises:
            TrainError: the state belongs to a shard of another size.
        """
        if int(state["shard_size"]) != len(self.shard):
            raise TrainError(f"data-loader state is for a shard of {state['shard_size']} "
                             f"demonstrations; this shard has {len(self.shard)} (same data, "
                             "same number of ranks needed to resume)")
        self.rng.bit_generator.state = state["rng"]
        self.epoch = int(state["epoch"])
        self.order = state["order"].numpy().astype(np.int64)
        self.cursor = int(state["cursor"])
        self.lane_index = np.array(state["lane_index"], np.int64)
        self.lane_pos = np.array(state["lane_pos"], np.int64)
        self._ready.clear()
        self._drop_ahead()
        lanes = [b for b, p in enumerate(state["playing"]) if p]
        prepared = self._prepare([int(self.lane_index[b]) for b in lanes]) if lanes else []
        self._playing = [None] * self.lanes
        for b, playing in zip(lanes, prepared, strict=True):
            self._playing[b] = playing


def batch_tensors(batch: Batch, encode: Any, device: torch.device) -> dict[str, torch.Tensor]:
    """The batch as tensors on ``device``: ``image``, ``direction``, ``carrying``, ``gps``,
    ``instruction`` (``(B, T, L)`` token ids from ``encode``, the model's instruction
    cache), ``labels``, ``done``, ``progress``, ``progress_mask``, ``goal``, ``goal_mask``,
    ``cells``, ``leg``, ``leg_mask``, ``words``."""
    def put(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).to(device, non_blocking=True)

    return {
        "image": put(batch.image),  # (B, T, S, S, 3)
        "direction": put(batch.direction),  # (B, T)
        "carrying": put(batch.carrying),  # (B, T)
        "gps": put(batch.gps),  # (B, T, 2)
        "instruction": put(encode(batch.instruction)),  # (B, T, L)
        "labels": put(batch.labels),  # (B, T)
        "done": put(batch.done),  # (B, T)
        "progress": put(batch.progress),  # (B, T)
        "progress_mask": put(batch.progress_mask),  # (B, T)
        "goal": put(batch.goal),  # (B, T, V*V)
        "goal_mask": put(batch.goal_mask),  # (B, T)
        "cells": put(batch.cells),  # (B, T, V*V, 3)
        "leg": put(batch.leg),  # (B, T, L)
        "leg_mask": put(batch.leg_mask),  # (B, T)
        "words": put(batch.words),  # (B, T, 4)
    }
