"""scripts/rl_studies.py: the native run's evaluations read at their frame counts, SB3
snapshots found by their saved step counts, and the table's rows holding the last point
at or before each mark."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import load_script

studies = load_script("scripts/rl_studies.py")


def test_native_points_are_at_updates_times_lanes_times_rollout(tmp_path: Path):
    config = {"format": "vlnenv.TrainConfig", "kind": "ppo",
              "config": {"env": {"lanes": 16}, "ppo": {"rollout": 128}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    rows = [{"step": 50, "val_unseen": {"sr": 0.25, "spl": 0.2, "episodes": 100}},
            {"step": 100, "val_unseen": {"sr": 0.5, "spl": 0.4, "episodes": 100}}]
    (tmp_path / "evals.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    points = studies.native_points(tmp_path)
    assert [p["frames"] for p in points] == [102_400, 204_800]
    assert [p["sr"] for p in points] == [0.25, 0.5]


def test_sb3_snapshots_and_the_final_policy_are_ordered_by_their_steps(tmp_path: Path):
    for name, steps in (("at_200000", 200_000), ("at_100000", 100_000), (".", 250_000)):
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        (folder / "sb3_policy.json").write_text(json.dumps({"steps": steps}))
    (tmp_path / "at_300000").mkdir()  # no policy saved there: skipped
    assert [f for f, _ in studies.sb3_folders(tmp_path)] == [100_000, 200_000, 250_000]


def test_the_table_holds_the_last_point_at_or_before_each_mark():
    native = [{"frames": 102_400, "sr": 0.1}, {"frames": 204_800, "sr": 0.3}]
    sb3 = [{"frames": 100_000, "sr": 0.0}, {"frames": 300_000, "sr": 0.5}]
    rows = studies.table(native, sb3, 200_000).splitlines()[2:]
    assert rows == ["| 200,000 | 10 (102,400) | 0 (100,000) |",
                    "| 400,000 | 30 (204,800) | 50 (300,000) |"]


def benchmark_results(folder: Path, sr: list[float]) -> Path:
    """A results.json of ``vln benchmark`` with these SRs (the five families, overall)."""
    folder.mkdir(parents=True)
    metrics = {c: {"sr": {"mean": v, "ci": 0.0}} for c, v in zip(studies.COLUMNS, sr,
                                                                   strict=True)}
    (folder / "results.json").write_text(json.dumps({"metrics": metrics, "records": []}))
    return folder


def test_the_minutes_table_has_the_start_then_each_arm_by_minute(tmp_path: Path):
    start = studies.family_sr(benchmark_results(tmp_path / "s", [0.9, 0.8, 0.95, 0.7, 0.8,
                                                                  0.83]))
    later = studies.family_sr(benchmark_results(tmp_path / "p10", [1, 0.8, 0.9, 0.75, 0.8,
                                                                    0.85]))
    rows = studies.minutes_table(start, {"PPO": {10: later}}).splitlines()[2:]
    assert rows == ["| start | 0 | 90 | 80 | 95 | 70 | 80 | 83.0 |",
                    "| PPO | 10 | 100 | 80 | 90 | 75 | 80 | 85.0 |"]


def test_the_minutes_study_writes_its_table_and_plot_and_refuses_bad_arms(
        tmp_path: Path, monkeypatch, capsys):
    benchmark_results(tmp_path / "s", [0.5] * 6)
    for m in (10, 20):
        benchmark_results(tmp_path / f"b{m}", [0.5 + m / 100] * 6)
    out = tmp_path / "out"
    argv = ["rl_studies.py", "minutes", "--start", str(tmp_path / "s"), "--minutes", "10",
            "20", "--out", str(out), "--arm"]
    monkeypatch.setattr("sys.argv", [*argv, f"BC={tmp_path}/b{{m}}"])
    assert studies.main() == 0
    assert (out / "minutes.png").stat().st_size > 0
    assert (out / "minutes.md").read_text().splitlines()[-1] == (
        "| BC | 20 | 70 | 70 | 70 | 70 | 70 | 70.0 |")
    monkeypatch.setattr("sys.argv", [*argv, f"BC={tmp_path}/b10"])
    assert studies.main() == 2
    assert "expected NAME=PATTERN with {m}" in capsys.readouterr().err
    monkeypatch.setattr("sys.argv", [*argv, f"BC={tmp_path}/missing{{m}}"])
    assert studies.main() == 2
    assert "a benchmark result is missing" in capsys.readouterr().err
