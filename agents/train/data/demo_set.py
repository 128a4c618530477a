"""A set of demonstrations (:class:`DemoSet`) and its file: one ``.npz`` of plain arrays
per (suite, split, teacher), read with ``allow_pickle=False``:

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
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.train.errors import TrainError
from vlnenv.fileio import write_bytes_atomic
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import RunTrace

#: Format tag and version written into ``meta``.
FORMAT = "vlnenv.demos"
FORMAT_VERSION = 2
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

    def repeated(self, times: Sequence[int] | np.ndarray) -> DemoSet:
        """Each demonstration ``times[i]`` times in a row (copies next to their original;
        0 leaves it out)."""
        return self.subset(np.repeat(np.arange(len(self)), np.asarray(times, np.int64)))

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


def demo_path(demos_dir: str | Path, suite: str, split: str, teacher: str, sampled: int = 0,
              seed: int = 0, phrasing: str = "any") -> Path:
    """``<demos_dir>/<suite>-<split>[-sampled<N>-seed<S>][-<phrasing>]-<teacher>.npz``
    (the phrasing part only when it is not ``any``)."""
    extra = f"-sampled{sampled}-seed{seed}" if sampled > 0 else ""
    extra += f"-{phrasing}" if phrasing != "any" else ""
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
