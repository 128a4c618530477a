"""Expert demonstrations: generated in parallel, stored as action sequences.

A demonstration is an episode and the actions a teacher takes in it; observations are not
stored but re-rendered by replaying the actions in the batched environment
(:mod:`agents.train.data.replay`), which is cheaper than reading them from disk (see
``docs/training.md`` for the measurement). One file per (suite, split, teacher)
(:mod:`agents.train.data.demo_set` has its arrays).

Files of an older version (version 1 had no step records) are refused by
:func:`~agents.train.data.demo_set.load_demos` with
:class:`~agents.train.data.demo_set.StaleDemosError`; :func:`ensure_demos` regenerates them.

Teachers are the solver kinds of :mod:`vlnenv.tasks.solver`: ``oracle`` (knows the house),
``explorer`` (knows what the agent has seen) and ``reader`` (the explorer on the task as
its words read: a room told apart by its furniture or a neighbour is found once that is
seen; an episode whose words read as another task fails, as one the teacher cannot
finish). With a ``phrasing`` other than ``any``,
every episode (the split's or a sampled one) has its instruction said again in that
phrasing (:func:`vlnenv.tasks.rephrase.said_in`, generator ``SeedSequence(seed, (index,
1))``), so training can read only the trained phrasing (:mod:`vlnenv.language.phrasing`)
and the suite's ``*_phrasing`` splits stay unseen. Every episode is solved on its own (and
sampled episodes draw from their own generator), so the files are identical for any
number of workers.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from agents.train.data.demo_set import (
    FORMAT,
    FORMAT_VERSION,
    DemoSet,
    StaleDemosError,
    demo_path,
    load_demos,
    save_demos,
)
from agents.train.errors import TrainError
from vlnenv.errors import VLNError
from vlnenv.expert.oracle import Oracle
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.from_text import read_episode
from vlnenv.tasks.rephrase import said_in
from vlnenv.tasks.run import EpisodeRun, RunTrace
from vlnenv.tasks.sample import sample_episode
from vlnenv.tasks.solver import EXPERTS, oracle_actions, play_expert
from vlnenv.world.house import House

#: Draws per house before a sampled episode moves on to the next house.
MAX_DRAWS = 50

Progress = Callable[[int], None]


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
            oracle needs more than the budget; the reader cannot read the words as the
            episode's task).
    """
    read = read_episode(episode, house) if teacher == "reader" else None
    run = EpisodeRun(episode, house, instruction=read)
    run.trace = RunTrace(view=view)
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
                seed: int, progress_queue: Any = None, phrasing: str = "any",
                ) -> list[tuple[str, list[int], bool, RunTrace]]:
    """Demonstrations of the episodes at ``indices`` (runs in a worker; every argument
    pickles): ``(episode JSON line, actions, success, trace)`` each; an episode the
    teacher cannot finish has no actions (and an empty trace) and fails. A ``phrasing``
    other than ``any`` says each instruction again in it first."""
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
        ep = said_in(ep, house, phrasing, seed, i)
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
                   seed: int = 0, workers: int = 1, progress: Progress | None = None,
                   phrasing: str = "any") -> DemoSet:
    """The ``teacher``'s demonstrations of every episode of ``split`` (or of ``sampled``
    episodes sampled afresh on its houses with ``seed``), computed by ``workers``
    processes, merged in episode order; ``phrasing`` other than ``any``: each instruction
    said again in it (see the module docstring).

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
                           _Reporter(progress) if progress else None, phrasing)
    else:
        ctx = multiprocessing.get_context("spawn")
        with contextlib.ExitStack() as stack:
            queue = None
            if progress is not None:
                queue = stack.enter_context(ctx.Manager()).Queue()
            pool = stack.enter_context(ProcessPoolExecutor(len(parts), mp_context=ctx))
            futures = [pool.submit(solve_shard, path, split, teacher, part, sampled > 0, seed,
                                   queue, phrasing) for part in parts]
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
            "phrasing": phrasing,
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


def ensure_demos(suite: Suite, split: str, teacher: str, demos_dir: str | Path, sampled: int = 0,
                 seed: int = 0, workers: int = 1, progress: Progress | None = None,
                 log: Callable[[str], None] | None = None, phrasing: str = "any") -> DemoSet:
    """The demonstrations file of (suite, split, teacher[, phrasing]), generated and saved
    first when missing (or made for another version of the suite)."""
    path = demo_path(demos_dir, suite.name, split, teacher, sampled, seed, phrasing)
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
    demos = generate_demos(suite, split, teacher, sampled, seed, workers, progress, phrasing)
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
