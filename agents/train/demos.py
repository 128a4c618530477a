"""Expert demonstrations: generated in parallel, stored as action sequences.

A demonstration is an episode and the actions a teacher takes in it; observations are not
stored but re-rendered by replaying the actions in the batched environment
(:mod:`agents.train.replay`), which is cheaper than reading them from disk (see
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
* ``meta``: JSON text (suite, its sha256, split, teacher, sampling, counts).

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
from vlnenv.language.instructions import instruction_from_task
from vlnenv.language.verdict import Verdict
from vlnenv.state import EpisodeState
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import sample_episode
from vlnenv.tasks.solver import EXPERTS, TaskSolver
from vlnenv.vector.demos import oracle_actions
from vlnenv.world.house import House

#: Format tag and version written into ``meta``.
FORMAT = "vlnenv.demos"
FORMAT_VERSION = 1
#: Draws per house before a sampled episode moves on to the next house.
MAX_DRAWS = 50

Progress = Callable[[int], None]


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
                       self.expert[idx].copy(), dict(self.meta))

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
                       dict(meta or {}))


# ---------------------------------------------------------------------- one episode
def judge(episode: Episode, house: House, actions: Sequence[int]) -> bool:
    """Whether taking ``actions`` from the episode's start carries out its task (the
    environment's verdict at ``stop``)."""
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    state = EpisodeState.initial(house, episode.start)
    instruction.reset(state)
    verdict = Verdict.CONTINUE
    for action in actions:
        if state.stopped:
            return False
        state.step_action(int(action))
        verdict = instruction.verify(state)
    return verdict is Verdict.SUCCESS


def teacher_actions(episode: Episode, house: House, teacher: str, oracle: Oracle,
                    view: int = 7) -> list[int]:
    """The actions ``teacher`` takes in ``episode`` until it stops (or its budget ends).

    Raises:
        VLNError: the teacher cannot finish (the explorer finds no way to the goal).
    """
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    if teacher == "oracle":
        return oracle_actions(instruction, episode.start, oracle, max_steps=episode.max_steps)
    state = EpisodeState.initial(house, episode.start)
    instruction.reset(state)
    solver = TaskSolver(instruction, teacher, view, oracle)
    actions: list[int] = []
    while not state.stopped and len(actions) < episode.max_steps:
        action = solver.act(state)
        actions.append(action)
        state.step_action(action)
        instruction.verify(state)
    return actions


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
                seed: int, progress_queue: Any = None) -> list[tuple[str, list[int], bool]]:
    """Demonstrations of the episodes at ``indices`` (runs in a worker; every argument
    pickles): ``(episode JSON line, actions, success)`` each; an episode the teacher
    cannot finish has no actions and fails."""
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
            actions = teacher_actions(ep, house, teacher, oracle)
        except VLNError:
            actions = []
        ok = bool(actions) and judge(ep, house, actions)
        out.append((ep.dumps(), actions, ok))
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
        raise TrainError(f"teacher {teacher!r}: expected one of {list(EXPERTS)}")
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
    episodes = [Episode.from_json(json.loads(line), "demo") for line, _, _ in rows]
    actions = [np.asarray(a, np.uint8) for _, a, _ in rows]
    success = np.array([ok for _, _, ok in rows], bool)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "suite": suite.name,
            "suite_sha256": suite.suite_hash, "split": split, "teacher": teacher,
            "sampled_episodes": int(sampled), "sample_seed": int(seed), "episodes": n,
            "successful": int(success.sum()), "steps": int(sum(len(a) for a in actions))}
    return DemoSet(episodes, actions, [a.copy() for a in actions], success,
                   np.ones(n, bool), meta)


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
    sampled = demos.meta.get("sampled_episodes", 0) > 0
    arrays = {
        "episode_ids": np.array([ep.episode_id for ep in demos.episodes], dtype=str),
        "records": np.array([ep.dumps() for ep in demos.episodes] if sampled else [], dtype=str),
        "offsets": offsets,
        "actions": _concat(demos.actions),
        "labels": _concat(demos.labels),
        "success": demos.success.astype(bool),
        "expert": demos.expert.astype(bool),
        "meta": np.array(json.dumps(demos.meta, sort_keys=True)),
    }
    from agents.models.model_folder import write_bytes_atomic  # torch: only where files are written

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    write_bytes_atomic(path, buf.getvalue())
    return Path(path)


def _concat(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate(list(arrays)).astype(np.uint8) if arrays else np.zeros(0, np.uint8)


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
    missing = [k for k in ("episode_ids", "records", "offsets", "actions", "labels", "success",
                           "expert", "meta") if k not in data]
    if missing:
        raise TrainError(f"{path}: missing array(s) {missing}")
    meta = json.loads(str(data["meta"]))
    if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
        raise TrainError(f"{path}: format {meta.get('format')!r} version "
                         f"{meta.get('version')!r}; expected {FORMAT!r} {FORMAT_VERSION}")
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
    return DemoSet(episodes, actions, labels, data["success"].astype(bool),
                   data["expert"].astype(bool), meta)


def ensure_demos(suite: Suite, split: str, teacher: str, demos_dir: str | Path, sampled: int = 0,
                 seed: int = 0, workers: int = 1, progress: Progress | None = None,
                 log: Callable[[str], None] | None = None) -> DemoSet:
    """The demonstrations file of (suite, split, teacher), generated and saved first when
    missing (or made for another version of the suite)."""
    path = demo_path(demos_dir, suite.name, split, teacher, sampled, seed)
    if path.is_file():
        demos = load_demos(path, suite)
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
                  {**first.meta, "teacher": dict(teacher)})
    return out.successful()
