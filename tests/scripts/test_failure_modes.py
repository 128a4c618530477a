"""scripts/failure_modes.py: outcome counts from benchmark records, checked on policies
whose outcomes are known (the oracle succeeds everywhere; a policy that stops at once
fails every family but fetch, whose requester waits at the start)."""

from __future__ import annotations

from collections import Counter

from helpers import load_script

from agents.eval.benchmark import BenchmarkConfig, run_benchmark
from vlnenv.suites.load import load_suite


def records(policy: str) -> list[dict]:
    config = BenchmarkConfig(suite="tiny", split="val_unseen", policy=policy)
    return run_benchmark(config)["records"]


def test_the_oracle_succeeds_and_picks_the_target_first():
    script = load_script("scripts/failure_modes.py")
    recs = records("oracle")
    counts = script.outcomes(recs, load_suite("tiny"), "val_unseen")
    families = Counter(r["family"] for r in recs)
    for family, n in families.items():
        assert counts[family]["success"] == n
        assert "timeout" not in counts[family] and "wrong stop" not in counts[family]
    assert counts["fetch"]["picked the target first"] == families["fetch"]


def test_stopping_at_once_is_a_wrong_stop_that_picked_nothing():
    script = load_script("scripts/failure_modes.py")
    recs = records("forward:0")
    counts = script.outcomes(recs, load_suite("tiny"), "val_unseen")
    for family, c in counts.items():
        assert c["success"] + c["wrong stop"] == sum(r["family"] == family for r in recs)
    assert counts["fetch"]["picked nothing"] == counts["fetch"]["wrong stop"]
