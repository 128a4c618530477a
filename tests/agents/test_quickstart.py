"""``vln quickstart`` end to end on the tiny suite with tiny budgets: every report file is
written and the report's model row is what the benchmark reproduces."""

import dataclasses
import json

import pytest

from agents.benchmark.report import load_results
from agents.cli import main
from agents.models import ModelConfig


@pytest.mark.slow
def test_quickstart_writes_a_report_that_the_benchmark_reproduces(tmp_path):
    out = tmp_path / "qs"
    code = main(["quickstart", "--suite", "tiny", "--out", str(out), "--bc-budget", "3",
                 "--dagger-budget", "3", "--workers", "1",
                 "--set", "eval.episodes=4", "--set", f"data.demos_dir={tmp_path / 'demos'}",
                 "--set", "dagger.rollouts=8", "--set", "dagger.steps_per_iteration=2",
                 "--set", "run.threads=1"])
    assert code == 0
    for name in ("report.md", "curves.png", "success.gif", "quickstart.json",
                 "model/config.json", "benchmark/test/model/results.json",
                 "benchmark/test/model_sampled/results.json",
                 "benchmark/test/random/results.json", "benchmark/test/oracle/results.json",
                 "benchmark/test/rules/results.json",
                 "benchmark/val_unseen/model/results.json",
                 "benchmark/val_unseen/model_sampled/results.json"):
        assert (out / name).is_file(), name
    report = (out / "report.md").read_text()
    assert "| go_to_room" in report and "SR oracle" in report
    assert "on `test` (95% CI)" in report and "SR model (val_unseen)" in report
    assert "SR rules" in report and "symbolic" in report
    assert json.loads((out / "quickstart.json").read_text())["model"] in ("BC", "BC + DAgger")
    oracle = load_results(out / "benchmark" / "test" / "oracle" / "results.json")
    assert oracle["metrics"]["overall"]["sr"]["mean"] == 1.0
    for split in ("test", "val_unseen"):
        again = tmp_path / f"again_{split}"
        assert main(["benchmark", "--suite", "tiny", "--split", split, "--policy",
                     str(out / "model"), "--out", str(again)]) == 0
        first = load_results(out / "benchmark" / split / "model" / "results.json")
        assert first["split"] == split
        assert load_results(again / "results.json")["metrics"] == first["metrics"]


def test_a_config_file_replaces_the_shipped_one_under_the_quickstarts_settings(tmp_path):
    from agents.quickstart import QuickstartConfig, train_config

    shipped = train_config(QuickstartConfig(), tmp_path / "a", 10.0)
    gpu = train_config(QuickstartConfig(config_file="configs/gpu_large.toml",
                                        overrides=("optim.lr=0.0005",)), tmp_path / "b", 10.0)
    assert shipped.model.n_embd == 64 and shipped.model.gps and shipped.data.lanes == 8
    assert shipped.model.memory and shipped.model.memory.distance
    assert shipped.model.match and shipped.model.match.reader == "attend"
    assert shipped.model.explore and shipped.model.explore.goal_path
    assert shipped.model.explore.home_path  # the way home, read while an object is held
    assert shipped.model == dataclasses.replace(
        ModelConfig.preset("quickstart", explore={"home_path": True}), read_parts=True,
        read_route_parts=True, n_vision_layer=0, mlp_ratio=2)  # lighter: page 46
    assert shipped.optim.fit_budget and shipped.run.time_budget_s == 10.0
    assert gpu.model.n_embd == 128 and gpu.model.cells and gpu.data.lanes == 128
    assert gpu.run.time_budget_s == 10.0 and gpu.run.out == str(tmp_path / "b")
    assert gpu.optim.lr == 0.0005  # overrides still come last


def test_the_report_says_where_the_fitted_cosine_ended():
    from types import SimpleNamespace

    from agents.quickstart import fitted_clause

    fitted = SimpleNamespace(extra={"fit_budget": {"timed_steps": [20, 200], "steps_per_s": 9.876,
                                                   "max_steps": 7512, "cap": 100000}})
    assert fitted_clause(fitted) == (", the cosine fitted to it: 9.88 steps/s timed over steps "
                                     "20-200, so it ends at step 7512")
    assert fitted_clause(SimpleNamespace(extra={})) == ""
    refitted = SimpleNamespace(extra={"fit_budget": {
        "timed_steps": [20, 200], "steps_per_s": 3.57, "max_steps": 8100, "cap": 100000,
        "refits": 41, "final_steps_per_s": 6.4}})
    assert fitted_clause(refitted) == (", the cosine fitted to it: 3.57 steps/s timed over "
                                       "steps 20-200, re-aimed 40 time(s) as the pace changed "
                                       "(6.40 steps/s at the end), so it ends at step 8100")


def test_the_report_says_how_the_model_read_sequences_and_routes():
    from agents.quickstart import reading_sentence

    both = reading_sentence({"policy_config": {"read_parts": True, "read_route_parts": True}})
    assert both.startswith("The model reads a sequence and a route description one part at "
                           "a time (`model.read_parts` and `model.read_route_parts`:")
    routes = reading_sentence({"policy_config": {"read_route_parts": True}})
    assert routes.startswith("The model reads a route description one part at a time "
                             "(`model.read_route_parts`:")
    assert reading_sentence({"policy_config": {}}) == (
        "The model reads every instruction whole (`model.read_parts = false`). ")
