"""Expert demonstrations: generated in parallel, stored as action sequences.

A demonstration is an episode and the actions a teacher takes in it; observations are not
stored but re-rendered by replaying the actions in the batched environment
(:mod:`agents.train.data.replay`), which is cheaper than reading them from disk (see
``docs/training.md`` for the measurement). One file per (suite, split, teacher), an
``.npz`` of plain arrays (read with ``allow_pickle=False``):

* ``episode_ids`` (str, ``(n,)``), and ``records`` (the episodes' JSON lines, only for
  episodes sampled afresh, which the split does not hold);
* ``offsets`` (int64, ``(n + 1,)``): episode ``i``'s steps are ``offsets[i]:offsets[i+1]``
  of ``actions`` (uint8, the actions taken, which are replayed) and ``labels`` (uint8,
  the actions to imitate: the same for a teacher's own demonstrations, the teacher's
  labels of a learner's states for DAgger);
* ``success`` (bool, ``(n,)``): whether the actions carry out the instruction; ``expert``
  (bool, ``(n,)``): the labels are the teacher's own run (progress targets apply);
* what each step looked like, recorded while the demonstration was played
  (:class:`~vlnenv.tasks.run.RunTrace`), so that its training targets
  (:mod:`agents.train.data.targets`) need no second simulation: ``poses`` (int16,
  ``(S, 3)``, the pose before each action, ``S = offsets[-1]``), ``stages`` (int32,
  ``(S,)``, per step an index into its episode's stage cell sets), ``stage_counts``
  (int64, ``(n,)``, cell sets per episode), ``cell_offsets`` (int64, ``(K + 1,)``) and
  ``cells`` (int16, ``(C, 2)``): cell set ``k`` (episodes' sets one after another) is
  ``cells[cell_offsets[k]:cell_offsets[k+1]]``;
* ``meta``: JSON text (suite, its sha256, split, teacher, sampling, counts).

Files of an older version (version 1 had no step records) are refused by
:func:`load_demos` with :class:`StaleDemosError`; :func:`ensure_demos` regenerates them.

Teachers are the solver kinds of :mod:`vlnenv.tasks.solver`: ``oracle`` (knows the house)
and ``explorer`` (knows what the agent has seen). Every episode is solved on its own (and
sampled episodes draw from their own generator), so the files are identical for any
number of workers.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.train.errors import TrainError
from vlnenv.errors import VLNError
from vlnenv.expert.oracle import Oracle
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun, RunTrace
from vlnenv.tasks.sample import sample_episode
from vlnenv.tasks.solver import EXPERTS, play_expert
from vlnenv.vector.oracle_demos import oracle_actions
from vlnenv.world.house import House

#: Format tag and version written into ``meta``.
FORMAT = "vlnenv.demos"
FORMAT_VERSION = 2
#: Draws per house before a sampled episode moves on to the next house.
MAX_DRAWS = 50

Progress = Callable[[int], None]


class StaleDemosError(TrainError):
    """A demonstrations file of an older format version (made again, not read)."""


@dataclass
class DemoSet:
    """Demonstrations: per episode, the actions taken and the actions to imitate."""

    episodes: list[Episode]
    """The episode records."""
    actions: list[np.ndarray]
    """Per episode, ``(n_i,)`` uint8 actions taken (replayed to render observations)."""
    labels: list[np.ndarray]
    """Per episode, ``(n_i,)`` uint8 actions to imitate at each visited state."""
    success: np.ndarray
    """``(N,)`` bool: the actions carry out the instruction."""
    expert: np.ndarray
    """``(N,)`` bool: the labels are the teacher's own run (progress targets apply)."""
    traces: list[RunTrace]
    """Per episode, the pose and stage cells before each action taken (as many entries as
    ``actions``), recorded as it was played."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Where the demonstrations come from (suite, split, teacher, sampling, counts)."""

    def __len__(self) -> int:
        return len(self.episodes)

    @property
    def steps(self) -> int:
        """Labelled steps in total."""
        return int(sum(len(a) for a in self.labels))

    def subset(self, keep: Sequence[int] | np.ndarray) -> DemoSet:
        """The demonstrations at indices ``keep``, in that order."""
        idx = [int(i) for i in keep]
        return DemoSet([self.episodes[i] for i in idx], [self.actions[i] for i in idx],
                       [self.labels[i] for i in idx], self.success[idx].copy(),
                       self.expert[idx].copy(), [self.traces[i] for i in idx], dict(self.meta))

    def successful(self) -> DemoSet:
        """Only the demonstrations that succeed (what behaviour cloning imitates)."""
        return self.subset(np.flatnonzero(self.success))

    @staticmethod
    def concat(sets: Sequence[DemoSet], meta: dict[str, Any] | None = None) -> DemoSet:
        """The demonstrations of ``sets`` one after another."""
        return DemoSet([e for s in sets for e in s.episodes], [a for s in sets for a in s.actions],
                       [y for s in sets for y in s.labels],
                       np.concatenate([s.success for s in sets]) if sets else np.zeros(0, bool),
                       np.concatenate([s.expert for s in sets]) if sets else np.zeros(0, bool),
                       [t for s in sets for t in s.traces], dict(meta or {}))


# ---------------------------------------------------------------------- one episode
def teacher_run(episode: Episode, house: House, teacher: str, oracle: Oracle,
                view: int = 7) -> tuple[list[int], EpisodeRun]:
    """``teacher`` plays ``episode`` until it stops (or its budget ends), recording a
    :class:`~vlnenv.tasks.run.RunTrace`.

    Returns:
        The actions taken and the run (its verdict says whether they succeed; its trace
        has one entry per action).

    Raises:
        VLNError: the teacher cannot finish (the explorer finds no way to the goal; the
            oracle needs more than the budget).
    """
    run = EpisodeRun(episode, house, trace=True)
    if teacher == "oracle":
        return oracle_actions(run, oracle, max_steps=episode.max_steps), run
    return play_expert(run, teacher, view, episode.max_steps, oracle, strict=False), run


def sample_split_episode(suite: Suite, split: str, index: int, seed: int,
                         oracles: dict[str, Oracle]) -> Episode:
    """Episode ``index`` of the fresh episodes sampled with ``seed`` on ``split``'s
    houses: family ``families[index % F]`` in house ``(index // F) % H`` (the next house
    when that one cannot hold it), from the generator ``SeedSequence(seed, (index,))``,
    with at least the suite's ``min_reference_cells``; id ``<split>-s<seed>-<index>``.

    Raises:
        TrainError: no house of the split can hold it.
    """
    families = suite.spec.families
    house_ids = suite.house_ids(split)
    family = families[index % len(families)]
    first = (index // len(families)) % len(house_ids)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    reason = "no house"
    for k in range(len(house_ids)):
        hid = house_ids[(first + k) % len(house_ids)]
        house = suite.houses[hid]
        oracle = oracles.setdefault(hid, Oracle(house))
        for _ in range(MAX_DRAWS):
            try:
                ep = sample_episode(house, rng, (family,), house_id=hid,
                                    episode_id=f"{split}-s{seed}-{index:06d}", oracle=oracle)
            except VLNError as err:
                reason = f"house {hid}: {err}"
                break
            if len(ep.reference_path) >= suite.spec.min_reference_cells:
                return ep
            reason = f"house {hid}: reference paths too short"
    raise TrainError(f"suite {suite.name}, split {split}: cannot sample episode {index} "
                     f"({family}) with seed {seed}; last reason: {reason}")


def solve_shard(suite_path: str, split: str, teacher: str, indices: list[int], sampled: bool,
                seed: int, progress_queue: Any = None,
                ) -> list[tuple[str, list[int], bool, RunTrace]]:
    """Demonstrations of the episodes at ``indices`` (runs in a worker; every argument
    pickles): ``(episode JSON line, actions, success, trace)`` each; an episode the
    teacher cannot finish has no actions (and an empty trace) and fails."""
    suite = load_suite(suite_path)
    split_episodes = None if sampled else suite.episodes(split)
    oracles: dict[str, Oracle] = {}
    out = []
    for i in indices:
        if split_episodes is not None:
            ep = split_episodes[i]
        else:
            ep = sample_split_episode(suite, split, i, seed, oracles)
        house = suite.houses[ep.house]
        oracle = oracles.setdefault(ep.house, Oracle(house))
        try:
            actions, run = teacher_run(ep, house, teacher, oracle)
            ok, trace = bool(actions) and run.success, run.trace
        except VLNError:
            actions, ok, trace = [], False, RunTrace()
        out.append((ep.dumps(), actions, ok, trace))
        if progress_queue is not None:
            progress_queue.put(1)
    return out


def shard_indices(n: int, parts: int) -> list[list[int]]:
    """``range(n)`` cut into at most ``parts`` contiguous, non-empty runs."""
    k = max(1, min(parts, n))
    bounds = [n * i // k for i in range(k + 1)]
    return [list(range(bounds[i], bounds[i + 1])) for i in range(k) if bounds[i] < bounds[i + 1]]


# ---------------------------------------------------------------------- generation
def generate_demos(suite: Suite | str, split: str, teacher: str, sampled: int = 0,
                   seed: int = 0, workers: int = 1, progress: Progress | None = None) -> DemoSet:
    """The ``teacher``'s demonstrations of every episode of ``split`` (or of ``sampled``
    episodes sampled afresh on its houses with ``seed``), computed by ``workers``
    processes, merged in episode order.

    Raises:
        TrainError: an unknown teacher, or no episodes.
        VLNError: an unknown suite or split.
    """
    if teacher not in EXPERTS:
        raise TrainError(f"teacher {teacher!r}: expected one of {[k.value for k in EXPERTS]}")
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    n = sampled if sampled > 0 else len(suite.episodes(split))
    if n == 0:
        raise TrainError(f"suite {suite.name}, split {split}: no episodes to demonstrate")
    parts = shard_indices(n, workers)
    path = str(suite.path.resolve())
    if len(parts) == 1:
        rows = solve_shard(path, split, teacher, parts[0], sampled > 0, seed,
                           _Reporter(progress) if progress else None)
    else:
        ctx = multiprocessing.get_context("spawn")
        with contextlib.ExitStack() as stack:
            queue = None
            if progress is not None:
                queue = stack.enter_context(ctx.Manager()).Queue()
            pool = stack.enter_context(ProcessPoolExecutor(len(parts), mp_context=ctx))
            futures = [pool.submit(solve_shard, path, split, teacher, part, sampled > 0, seed,
                                   queue) for part in parts]
            while not all(f.done() for f in futures):
                time.sleep(0.2)
                _drain(queue, progress)
            _drain(queue, progress)
            rows = [row for f in futures for row in f.result()]
    episodes = [Episode.from_json(json.loads(line), "demo") for line, _, _, _ in rows]
    actions = [np.asarray(a, np.uint8) for _, a, _, _ in rows]
    success = np.array([ok for _, _, ok, _ in rows], bool)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "suite": suite.name,
            "suite_sha256": suite.suite_hash, "split": split, "teacher": teacher,
            "sampled_episodes": int(sampled), "sample_seed": int(seed), "episodes": n,
            "successful": int(success.sum()), "steps": int(sum(len(a) for a in actions))}
    return DemoSet(episodes, actions, [a.copy() for a in actions], success,
                   np.ones(n, bool), [trace for _, _, _, trace in rows], meta)


class _Reporter:
    """A queue look-alike whose ``put`` calls a progress callback (in one process)."""

    def __init__(self, progress: Progress) -> None:
        self.put = progress


def _drain(queue: Any, progress: Progress | None) -> None:
    while queue is not None and progress is not None:
        try:
            progress(queue.get_nowait())
        except queue_module.Empty:
            return


# ---------------------------------------------------------------------- files
def demo_path(demos_dir: str | Path, suite: str, split: str, teacher: str, sampled: int = 0,
              seed: int = 0) -> Path:
    """``<demos_dir>/<suite>-<split>[-sampled<N>-seed<S>]-<teacher>.npz``."""
    extra = f"-sampled{sampled}-seed{seed}" if sampled > 0 else ""
    return Path(demos_dir) / f"{Path(suite).name}-{split}{extra}-{teacher}.npz"


def save_demos(demos: DemoSet, path: str | Path) -> Path:
    """Write ``demos`` to ``path`` (``.npz``, atomically)."""
    offsets = np.zeros(len(demos) + 1, np.int64)
    offsets[1:] = np.cumsum([len(a) for a in demos.actions])
    label_lengths = [len(y) for y in demos.labels]
    if label_lengths != [len(a) for a in demos.actions]:
        raise TrainError(f"{path}: every episode needs as many labels as actions")
    if [len(t) for t in demos.traces] != label_lengths:
        raise TrainError(f"{path}: every episode needs as many recorded steps as actions")
    sampled = demos.meta.get("sampled_episodes", 0) > 0
    arrays = {
        "episode_ids": np.array([ep.episode_id for ep in demos.episodes], dtype=str),
        "records": np.array([ep.dumps() for ep in demos.episodes] if sampled else [], dtype=str),
        "offsets": offsets,
        "actions": _concat(demos.actions),
        "labels": _concat(demos.labels),
        "success": demos.success.astype(bool),
        "expert": demos.expert.astype(bool),
        **trace_arrays(demos.traces),
        "meta": np.array(json.dumps(demos.meta, sort_keys=True)),
    }
    from agents.models.model_folder import write_bytes_atomic  # torch: only where files are written

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    write_bytes_atomic(path, buf.getvalue())
    return Path(path)


def _concat(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate(list(arrays)).astype(np.uint8) if arrays else np.zeros(0, np.uint8)


#: The arrays :func:`trace_arrays` writes.
TRACE_ARRAYS = ("poses", "stages", "stage_counts", "cell_offsets", "cells")


def trace_arrays(traces: Sequence[RunTrace]) -> dict[str, np.ndarray]:
    """The step records of ``traces`` as the file's plain arrays (see the module
    docstring): ``poses``, ``stages``, ``stage_counts``, ``cell_offsets``, ``cells``."""
    sets = [sorted(cells) for t in traces for cells in t.cells]
    cell_offsets = np.zeros(len(sets) + 1, np.int64)
    cell_offsets[1:] = np.cumsum([len(c) for c in sets])
    poses = [p for t in traces for p in t.poses]
    return {
        "poses": np.array(poses, np.int16).reshape(len(poses), 3),
        "stages": np.array([k for t in traces for k in t.stages], np.int32),
        "stage_counts": np.array([len(t.cells) for t in traces], np.int64),
        "cell_offsets": cell_offsets,
        "cells": np.array([c for cells in sets for c in cells], np.int16).reshape(-1, 2),
    }


def traces_from_arrays(data: Mapping[str, np.ndarray], offsets: np.ndarray,
                       where: str) -> list[RunTrace]:
    """The per-episode :class:`RunTrace` of :func:`trace_arrays`' arrays; episode ``i``'s
    steps are ``offsets[i]:offsets[i+1]``.

    Raises:
        TrainError: the arrays do not fit one another or the offsets.
    """
    poses, stages, counts = data["poses"], data["stages"], data["stage_counts"]
    cell_offsets, cells = data["cell_offsets"], data["cells"]
    steps, n = int(offsets[-1]), len(offsets) - 1
    sets = int(counts.sum()) if len(counts) else 0
    if (poses.shape != (steps, 3) or stages.shape != (steps,) or counts.shape != (n,)
            or cell_offsets.shape != (sets + 1,) or cells.ndim != 2 or cells.shape[1] != 2
            or int(cell_offsets[-1]) != len(cells)):
        raise TrainError(f"{where}: the step records (poses, stages, cells) do not fit the "
                         f"{n} episodes' {steps} steps")
    out, first = [], 0
    for i in range(n):
        k = int(counts[i])
        own = [frozenset(map(tuple, cells[cell_offsets[j]:cell_offsets[j + 1]].tolist()))
               for j in range(first, first + k)]
        first += k
        span = slice(int(offsets[i]), int(offsets[i + 1]))
        local = stages[span].tolist()
        if local and not 0 <= min(local) <= max(local) < k:
            raise TrainError(f"{where}: episode {i} refers to stage cell sets outside its "
                             f"{k}")
        out.append(RunTrace([tuple(p) for p in poses[span].tolist()], local, own))
    return out


def load_demos(path: str | Path, suite: Suite | None = None) -> DemoSet:
    """Read a demonstrations file; episodes of the split are looked up in ``suite`` (the
    one named in the file when ``None``).

    Raises:
        TrainError: the file is missing, malformed, of another format, or names episodes
            the suite's split does not hold.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError) as err:
        raise TrainError(f"{path}: cannot read demonstrations ({err})") from None
    if "meta" not in data:
        raise TrainError(f"{path}: missing array(s) ['meta']")
    meta = json.loads(str(data["meta"]))
    if meta.get("format") == FORMAT and isinstance(meta.get("version"), int) and \
            meta["version"] < FORMAT_VERSION:
        raise StaleDemosError(f"{path}: demonstrations format version {meta['version']} "
                              f"(no step records); expected version {FORMAT_VERSION}: delete "
                              "the file to have it made again")
    if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
        raise TrainError(f"{path}: format {meta.get('format')!r} version "
                         f"{meta.get('version')!r}; expected {FORMAT!r} {FORMAT_VERSION}")
    missing = [k for k in ("episode_ids", "records", "offsets", "actions", "labels", "success",
                           "expert", *TRACE_ARRAYS) if k not in data]
    if missing:
        raise TrainError(f"{path}: missing array(s) {missing}")
    ids = [str(x) for x in data["episode_ids"]]
    if len(data["records"]):
        episodes = [Episode.from_json(json.loads(str(r)), f"{path}: records[{i}]")
                    for i, r in enumerate(data["records"])]
    else:
        suite = suite or load_suite(meta["suite"])
        by_id = {ep.episode_id: ep for ep in suite.episodes(meta["split"])}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise TrainError(f"{path}: episode(s) {unknown[:3]} are not in suite "
                             f"{suite.name} split {meta['split']}")
        episodes = [by_id[i] for i in ids]
    off = data["offsets"]
    if off.shape != (len(ids) + 1,) or int(off[-1]) != len(data["actions"]) or \
            len(data["labels"]) != len(data["actions"]):
        raise TrainError(f"{path}: offsets do not fit the actions and labels")
    actions = [data["actions"][off[i]:off[i + 1]] for i in range(len(ids))]
    labels = [data["labels"][off[i]:off[i + 1]] for i in range(len(ids))]
    traces = traces_from_arrays(data, off, str(path))
    return DemoSet(episodes, actions, labels, data["success"].astype(bool),
                   data["expert"].astype(bool), traces, meta)


def ensure_demos(suite: Suite, split: str, teacher: str, demos_dir: str | Path, sampled: int = 0,
                 seed: int = 0, workers: int = 1, progress: Progress | None = None,
                 log: Callable[[str], None] | None = None) -> DemoSet:
    """The demonstrations file of (suite, split, teacher), generated and saved first when
    missing (or made for another version of the suite)."""
    path = demo_path(demos_dir, suite.name, split, teacher, sampled, seed)
    if path.is_file():
        try:
            demos = load_demos(path, suite)
        except StaleDemosError as err:
            if log is not None:
                log(f"{err}: making it again")
        else:
            if demos.meta.get("suite_sha256") == suite.suite_hash:
                return demos
    if log is not None:
        log(f"generating {teacher} demonstrations of {suite.name}/{split} into {path}")
    demos = generate_demos(suite, split, teacher, sampled, seed, workers, progress)
    save_demos(demos, path)
    return demos


def select_teachers(sets: Mapping[str, DemoSet], teacher: Mapping[str, str]) -> DemoSet:
    """One demonstration per episode, from the set of the teacher its family names; only
    successful demonstrations are kept.

    Args:
        sets: teacher -> demonstrations of the same episodes, in the same order.
        teacher: family -> teacher.

    Raises:
        TrainError: the sets hold different episodes, or a family's teacher has no set.
    """
    names = list(sets)
    first = sets[names[0]]
    for name in names[1:]:
        if [e.episode_id for e in sets[name].episodes] != [e.episode_id for e in first.episodes]:
            raise TrainError(f"demonstrations of {names[0]} and {name} hold different episodes")
    chosen = []
    for ep in first.episodes:
        kind = teacher.get(ep.family)
        if kind not in sets:
            raise TrainError(f"family {ep.family!r} is taught by {kind!r}, but only "
                             f"{names} demonstrations were loaded")
        chosen.append(sets[kind])
    out = DemoSet(list(first.episodes), [s.actions[i] for i, s in enumerate(chosen)],
                  [s.labels[i] for i, s in enumerate(chosen)],
                  np.array([s.success[i] for i, s in enumerate(chosen)], bool),
                  np.array([s.expert[i] for i, s in enumerate(chosen)], bool),
                  [s.traces[i] for i, s in enumerate(chosen)],
                  {**first.meta, "teacher": dict(teacher)})
    return out.successful()
