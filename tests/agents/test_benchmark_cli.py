"""``vln benchmark``: tables and files, identical numbers across runs and worker counts,
comparisons, and the policy registry."""

import csv
import json
import re

import pytest

from agents.benchmark.errors import PolicyLookupError
from agents.benchmark.registry import make_policy, register_policy
from agents.benchmark.runner import (
    METRICS,
    BenchmarkConfig,
    BenchmarkError,
    run_benchmark,
    shards,
)
from agents.cli import main
from vlnenv.eval.baselines import ForwardPolicy, OraclePolicy, RandomPolicy


def bench(out, *extra):
    return main(["benchmark", "--suite", "tiny", "--split", "val_unseen", "--out", str(out),
                 *extra])


def test_benchmark_prints_the_table_and_writes_md_csv_json(tmp_path, capsys):
    assert bench(tmp_path / "r", "--policy", "oracle") == 0
    out = capsys.readouterr().out
    assert "| family" in out and "**overall**" in out and "100.0 ± 0.0" in out
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["suite"] == "tiny" and results["split"] == "val_unseen"
    assert len(results["suite_sha256"]) == 64
    assert results["policy_config"] == {"name": "oracle"}
    assert results["code_version"]["vlnenv"]
    assert results["seed"] == 0 and results["episodes"] == 10 == len(results["records"])
    assert results["metrics"]["overall"]["sr"] == {"mean": 1.0, "ci": 0.0}
    rows = list(csv.DictReader((tmp_path / "r" / "results.csv").open()))
    assert [r["family"] for r in rows][-1] == "overall"
    assert set(rows[0]) == {"family", "episodes"} | {f"{m}{s}" for m in METRICS
                                                     for s in ("", "_ci")}
    md = (tmp_path / "r" / "results.md").read_text()
    assert "# oracle on tiny / val_unseen" in md and results["suite_sha256"] in md


def test_same_command_twice_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        assert bench(tmp_path / name, "--policy", "random", "--seed", "3") == 0
    for file in ("results.json", "results.md", "results.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_two_workers_give_the_numbers_of_one(tmp_path):
    assert bench(tmp_path / "one", "--policy", "random", "--batch", "3") == 0
    assert bench(tmp_path / "two", "--policy", "random", "--workers", "2") == 0
    one = (tmp_path / "one" / "results.json").read_bytes()
    assert one == (tmp_path / "two" / "results.json").read_bytes()


def test_episodes_limits_the_run(tmp_path):
    results = run_benchmark(BenchmarkConfig(suite="tiny", split="test", policy="forward:5",
                                            episodes=4))
    assert results["episodes"] == 4
    assert results["policy_config"] == {"name": "forward", "n_steps": 5}
    assert all(r["steps"] == 6 for r in results["records"])


def test_families_keeps_those_families_episodes_in_split_order(tmp_path, capsys):
    assert bench(tmp_path / "r", "--policy", "oracle", "--families", "follow_route,fetch",
                 "--episodes", "3") == 0
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    everything = run_benchmark(BenchmarkConfig(suite="tiny", split="val_unseen",
                                               policy="oracle"))["records"]
    wanted = [r["episode_id"] for r in everything if r["family"] in ("follow_route", "fetch")]
    assert [r["episode_id"] for r in results["records"]] == wanted[:3]
    assert results["families"] == ["follow_route", "fetch"] and results["episodes"] == 3
    assert "3 episodes of follow_route, fetch" in (tmp_path / "r" / "results.md").read_text()
    with pytest.raises(BenchmarkError, match=r"no episodes of \['walk'\]; it has \['fetch'"):
        run_benchmark(BenchmarkConfig(suite="tiny", split="val_unseen", policy="oracle",
                                      families=("walk",)))
    with pytest.raises(BenchmarkError, match="has 4 of follow_route, fetch; expected 1..4"):
        run_benchmark(BenchmarkConfig(suite="tiny", split="val_unseen", policy="oracle",
                                      families=("follow_route", "fetch"), episodes=5))


def test_compare_prints_each_family_and_metric_with_ci_and_p(tmp_path, capsys):
    bench(tmp_path / "o", "--policy", "oracle")
    bench(tmp_path / "r", "--policy", "random")
    capsys.readouterr()
    assert main(["benchmark", "--compare", str(tmp_path / "o" / "results.json"),
                 str(tmp_path / "r" / "results.json")]) == 0
    out = capsys.readouterr().out
    assert "paired t-test" in out
    assert re.search(r"\| \*\*overall\*\* +\| SR \(%\) +\| 100\.0 ", out)
    assert re.search(r"\| p +\|", out)
    assert out.count("\n| ") >= 8


def test_unknown_policy_exits_1_naming_the_registered_ones(tmp_path, capsys):
    assert bench(tmp_path / "x", "--policy", "genius") == 1
    err = capsys.readouterr().err
    assert "unknown policy 'genius'" in err and "oracle" in err


def test_policy_is_required_without_compare(tmp_path):
    with pytest.raises(SystemExit):
        main(["benchmark", "--suite", "tiny"])


def test_registry_builds_baselines_and_takes_new_entries():
    assert isinstance(make_policy("random", 7), RandomPolicy)
    assert make_policy("random", 7).config() == {"name": "random", "seed": 7}
    assert make_policy("forward:9").config()["n_steps"] == 9
    assert isinstance(make_policy("oracle"), OraclePolicy)
    with pytest.raises(PolicyLookupError, match="forward:N"):
        make_policy("forward:many")
    with pytest.raises(PolicyLookupError, match="takes no argument"):
        make_policy("oracle:x")
    with pytest.raises(PolicyLookupError, match="already registered"):
        register_policy("random", lambda argument, seed: RandomPolicy(seed))
    register_policy("test-forward-3", lambda argument, seed: ForwardPolicy(3))
    assert make_policy("test-forward-3").config()["n_steps"] == 3


def test_shards_are_contiguous_and_balanced():
    assert shards(list(range(7)), 3) == [[0, 1], [2, 3], [4, 5, 6]]
    assert shards([5, 6], 4) == [[5], [6]]
    assert shards(list(range(3)), 1) == [[0, 1, 2]]


def test_phrasing_twins_score_the_same_episodes_and_compare_paired():
    from agents.benchmark.report import same_episodes

    runs = {split: run_benchmark(BenchmarkConfig(suite="small", split=split, policy="oracle",
                                                 episodes=5, verify=False))
            for split in ("test_phrasing", "test_trained_phrasing", "test", "val_unseen")}
    assert runs["test_phrasing"]["episodes_of"] == "test" == runs["test"]["episodes_of"]
    assert same_episodes(runs["test_phrasing"], runs["test_trained_phrasing"])
    assert same_episodes(runs["test_phrasing"], runs["test"])
    assert not same_episodes(runs["test_phrasing"], runs["val_unseen"])
    assert runs["test_phrasing"]["metrics"]["overall"]["sr"] == {"mean": 1.0, "ci": 0.0}
