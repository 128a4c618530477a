"""The benchmark runner behind ``vln benchmark``: a policy on a suite split, optionally
over several worker processes, summarised per task family.

Workers (``spawn`` processes) each evaluate a contiguous shard of the episodes and the
records are merged in episode order. Since every episode's randomness derives from the
seed and the episode's index (see :mod:`vlnenv.eval.evaluate`), the records, and so every
number, are the same for any number of workers and any batch size; neither is saved in
the results, which hold only what determines the numbers.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.benchmark.registry import make_policy
from vlnenv import __version__
from vlnenv.errors import VLNError
from vlnenv.eval.evaluate import evaluate, select_episodes
from vlnenv.eval.stats import aggregate
from vlnenv.suites.check import files_hash, verify_suite
from vlnenv.suites.load import load_suite

Progress = Callable[[int], None]

#: Version of the results-file layout.
RESULTS_FORMAT = 1
#: Metrics in table order, with their column labels.
METRICS: tuple[str, ...] = ("sr", "spl", "ne", "osr", "tl", "ndtw", "sdtw", "cls")
LABELS: dict[str, str] = {"sr": "SR", "spl": "SPL", "ne": "NE", "osr": "OSR", "tl": "TL",
                          "ndtw": "nDTW", "sdtw": "SDTW", "cls": "CLS"}


class BenchmarkError(VLNError):
    """A benchmark asked for something impossible (no episodes, bad worker count)."""


@dataclass(frozen=True)
class BenchmarkConfig:
    """One benchmark run."""

    suite: str = "small"
    """Suite name (under ``maps/suites``) or folder."""
    split: str = "val_unseen"
    """Split to evaluate on."""
    policy: str = "random"
    """Policy name in the registry, ``NAME`` or ``NAME:ARGUMENT`` (see
    :mod:`agents.benchmark.registry`)."""
    episodes: int | None = None
    """Evaluate the first ``N`` episodes of the split (of ``families``); ``None``: all."""
    families: tuple[str, ...] | None = None
    """Evaluate only the episodes of these task families, in split order; ``None``: every
    family."""
    workers: int = 1
    """Worker processes, each running a contiguous shard of the episodes."""
    batch: int = 16
    """Environments each worker runs in lock-step."""
    seed: int = 0
    """Seed of the policy and of the per-episode seeds (>= 0)."""
    verify: bool = True
    """Check the suite's files against its manifest's hashes before running (``False``:
    ``--no-verify``; the results then say so, and record the hash of the files as read)."""


def family_episodes(families_of: Sequence[str], families: Sequence[str] | None,
                    episodes: int | None) -> list[int]:
    """Indices of a split's episodes whose family (``families_of[i]``) is one of
    ``families`` (``None``: any), the first ``episodes`` of them (``None``: all).

    Raises:
        BenchmarkError: a family the split does not have.
    """
    if families is None:
        return select_episodes(len(families_of), episodes)
    unknown = sorted(set(families) - set(families_of))
    if unknown:
        raise BenchmarkError(f"families = {list(families)}: the split has no episodes of "
                             f"{unknown}; it has {sorted(set(families_of))}")
    chosen = [i for i, family in enumerate(families_of) if family in set(families)]
    return chosen if episodes is None else chosen[:episodes]


def shards(indices: Sequence[int], workers: int) -> list[list[int]]:
    """``indices`` cut into at most ``workers`` contiguous, non-empty runs whose lengths
    differ by at most one."""
    n = len(indices)
    k = max(1, min(workers, n))
    bounds = [n * i // k for i in range(k + 1)]
    return [list(indices[bounds[i]:bounds[i + 1]]) for i in range(k) if bounds[i] < bounds[i + 1]]


def run_shard(suite: str, split: str, policy: str, seed: int, indices: list[int], batch: int,
              progress_queue: Any = None, threads: int = 0) -> list[dict[str, Any]]:
    """Evaluate one shard (runs in a worker process; every argument pickles). ``threads``
    > 0 caps torch's intra-op threads, so that workers do not oversubscribe the cores (a
    model policy in two workers with two threads each ran many times slower than with
    one)."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    report = progress_queue.put if progress_queue is not None else None
    return evaluate(make_policy(policy, seed), suite, split, episodes=indices, batch=batch,
                    seed=seed, progress=report)


def _drain(progress_queue: Any, progress: Progress | None) -> None:
    while progress is not None:
        try:
            progress(progress_queue.get_nowait())
        except queue_module.Empty:
            return


def run_parallel(config: BenchmarkConfig, suite: str, parts: list[list[int]],
                 progress: Progress | None = None) -> list[dict[str, Any]]:
    """Evaluate ``parts`` in ``spawn`` worker processes; records merged in order."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(len(parts), mp_context=ctx) as pool:
        progress_queue = manager.Queue() if progress is not None else None
        threads = max(1, (os.cpu_count() or 1) // len(parts))
        futures = [pool.submit(run_shard, suite, config.split, config.policy, config.seed,
                               part, config.batch, progress_queue, threads) for part in parts]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            _drain(progress_queue, progress)
            for future in done:
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    raise future.exception()  # type: ignore[misc]
        return [record for future in futures for record in future.result()]


def code_version() -> dict[str, Any]:
    """The package version, and the git commit (and whether the tree has changes) of the
    checkout the package runs from, when there is one."""
    root = Path(__file__).resolve().parents[2]
    version: dict[str, Any] = {"vlnenv": __version__, "git": None, "git_dirty": None}
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10)
        if head.returncode == 0:
            version["git"] = head.stdout.strip()
            status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=root, capture_output=True, text=True, timeout=30)
            version["git_dirty"] = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per family, then ``overall``: episode count and each metric's mean and 95% CI
    half-width (``None`` for an unbounded interval, one episode)."""
    table = aggregate(records, METRICS, by="family")
    out: dict[str, dict[str, Any]] = {}
    for family, estimates in table.items():
        row: dict[str, Any] = {"episodes": estimates[METRICS[0]].n}
        for metric in METRICS:
            est = estimates[metric]
            row[metric] = {"mean": est.mean, "ci": est.ci if est.ci != float("inf") else None}
        out[str(family)] = row
    return out


def run_benchmark(config: BenchmarkConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Run ``config`` and return the results: suite, split, policy and its config, seed,
    code version, per-family summary and per-episode records.

    With ``config.verify`` the suite's files are first checked against its manifest
    (:func:`vlnenv.suites.check.verify_suite`) and ``suite_sha256`` is the hash verified;
    without, ``suite_verified`` is ``False`` and ``suite_sha256`` is the hash of the files as
    read.

    Raises:
        BenchmarkError: no episodes selected, more than the split has, a negative seed, or
            fewer than one worker or batch slot.
        SuiteError: the suite fails its hash check (``config.verify``).
        VLNError: an unknown suite, split or policy.
    """
    if config.workers < 1 or config.batch < 1:
        raise BenchmarkError(f"workers = {config.workers}, batch = {config.batch}: expected "
                             "integers >= 1")
    if config.seed < 0:
        raise BenchmarkError(f"seed = {config.seed}: expected an integer >= 0")
    suite = load_suite(config.suite)
    suite_sha256 = verify_suite(suite) if config.verify else files_hash(suite)
    policy = make_policy(config.policy, config.seed)  # fail early on a bad name
    families_of = [ep.family for ep in suite.episodes(config.split)]
    indices = family_episodes(families_of, config.families, None)
    total = len(indices)
    of = "" if config.families is None else f" of {', '.join(config.families)}"
    if config.episodes is not None and config.episodes > total:
        raise BenchmarkError(f"episodes = {config.episodes}: split {config.split} of suite "
                             f"{suite.name} has {total}{of}; expected 1..{total} (or all, "
                             "without a count)")
    indices = indices[:config.episodes] if config.episodes is not None else indices
    if not indices:
        raise BenchmarkError(f"no episodes to run: split {config.split} of suite {suite.name} "
                             f"with episodes = {config.episodes}")
    parts = shards(indices, config.workers)
    folder = str(suite.path.resolve())
    if len(parts) == 1:
        records = evaluate(policy, suite, config.split, episodes=indices, batch=config.batch,
                           seed=config.seed, progress=progress)
    else:
        records = run_parallel(config, folder, parts, progress)
    return {
        "format": RESULTS_FORMAT,
        "suite": suite.name,
        "suite_version": suite.spec.version,
        "suite_sha256": suite_sha256,
        "suite_verified": config.verify,
        "split": config.split,
        "episodes_of": suite.spec.split(config.split).episodes_from or config.split,
        "policy": config.policy,
        "policy_config": policy.config(),
        "seed": config.seed,
        "episodes": len(records),
        "families": None if config.families is None else list(config.families),
        "code_version": code_version(),
        "metrics": summarise(records),
        "records": records,
    }
