"""scripts/imitation_studies.py end to end on the tiny suite: every variant trains, is
scored both ways, and lands in the tables and the plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import load_script


def test_variants_change_one_thing_each():
    studies = load_script("scripts/imitation_studies.py")
    v = studies.variants(5000, [625, 1250, 5000])
    assert v["full"] == [] and v["mask_instruction"] == ["model.mask_instruction=true"]
    assert v["demos_625"] == ["data.max_episodes=625"] and "demos_5000" not in v
    assert all(s.endswith("=oracle") for s in v["teacher_oracle"]) and len(v["teacher_oracle"]) == 5


@pytest.mark.slow
def test_tiny_studies_write_tables_and_plot(tmp_path: Path):
    studies = load_script("scripts/imitation_studies.py")
    out = tmp_path / "studies"
    assert studies.main(["--out", str(out), "--suite", "tiny", "--steps", "3", "--lanes", "2",
                         "--chunk", "4", "--episodes", "5", "--held-out", "5",
                         "--scaling", "4", "--only", "full,mask_instruction,demos_4",
                         "--demos-dir", str(tmp_path / "demos"), "--threads", "1"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert set(results) == {"full", "mask_instruction", "demos_4"}
    for r in results.values():
        assert r["steps"] == 3 and r["held_out"]["overall"]["episodes"] == 5
        assert 0.0 <= r["held_out"]["overall"]["accuracy"] <= 1.0
    # the sampled scores reuse the training's final evaluation (eval.decoding = "sample"
    # in the quickstart config): they must be what evaluating the saved model gives
    from agents.evaluation.in_training import summarise_records
    from agents.evaluation.model_policy import SampledModelPolicy
    from agents.train.checkpoint import load_model
    from vlnenv.eval.evaluate import evaluate

    r = results["full"]
    assert r["config"]["eval"]["decoding"] == "sample"
    fresh = summarise_records(evaluate(SampledModelPolicy(load_model(r["last_model"]), seed=0),
                                       "tiny", "val_unseen", episodes=5, batch=32, seed=0))
    assert json.loads(json.dumps(fresh)) == r["sampled"]
    text = (out / "studies.md").read_text()
    assert "`mask_instruction`" in text and "`demos_4`" in text
    assert (out / "scaling.png").stat().st_size > 0
