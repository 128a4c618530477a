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
