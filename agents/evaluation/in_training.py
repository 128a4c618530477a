"""Evaluation during training: the greedy policy on the first ``N`` episodes of each
validation split, through :func:`vlnenv.eval.evaluate.evaluate` (the benchmark's own loop), so
the numbers in the log are the benchmark's numbers on a subset. Suites assign families in
turn (episode ``j`` is of family ``j % F``), so the first ``N`` episodes cover every
family equally."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agents.evaluation.model_policy import ModelPolicy, SampledModelPolicy
from agents.models import MultimodalTransformer
from vlnenv.eval.evaluate import evaluate
from vlnenv.suites.load import Suite


def summarise_records(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean success rate and SPL over ``records``, the success rate per family, and the
    number of episodes."""
    by_family: dict[str, list[float]] = defaultdict(list)
    for r in records:
        by_family[r["family"]].append(float(r["sr"]))
    n = max(len(records), 1)
    return {
        "episodes": len(records),
        "sr": sum(float(r["sr"]) for r in records) / n,
        "spl": sum(float(r["spl"]) for r in records) / n,
        "by_family": {f: sum(v) / len(v) for f, v in sorted(by_family.items())},
    }


def family_indices(suite: Suite, split: str, families: Sequence[str], count: int) -> list[int]:
    """Indices of the first ``count`` episodes of ``split`` whose family is in
    ``families``."""
    keep = set(families)
    return [j for j, ep in enumerate(suite.episodes(split)) if ep.family in keep][:count]


def evaluate_model(model: MultimodalTransformer, suite: Suite, splits: Sequence[str],
                   episodes: int, batch: int, seed: int,
                   families: Sequence[str] | None = None,
                   decoding: str = "greedy") -> dict[str, dict[str, Any]]:
    """``{split: summary}`` (see :func:`summarise_records`) of the policy (greedy, or
    ``decoding="sample"``: sampled with per-episode generators from ``seed``) on the first
    ``episodes`` episodes of each split (of ``families`` only, when given). The model is
    left in train mode."""
    policy = (SampledModelPolicy(model, seed=seed) if decoding == "sample"
              else ModelPolicy(model))
    try:
        return {split: summarise_records(evaluate(
                    policy, suite, split, batch=batch, seed=seed,
                    episodes=episodes if families is None
                    else family_indices(suite, split, families, episodes)))
                for split in splits}
    finally:
        model.train()
