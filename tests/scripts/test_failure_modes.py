"""scripts/failure_modes.py: outcome and cause counts from benchmark records, checked on
policies whose outcomes are known (the oracle succeeds everywhere; a policy that stops at
once fails every family but fetch, whose requester waits at the start). The causes
themselves are tested on hand-made episodes in tests/vlnenv/eval/test_failures.py."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import torch
from helpers import load_script

from agents.benchmark.runner import BenchmarkConfig, run_benchmark
from agents.models import (
    CellConfig,
    ExploreConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
    MultimodalTransformer,
)
from agents.train.data.room_balance import goal_room, goal_room_type
from vlnenv.suites.load import load_suite


def records(policy: str) -> list[dict]:
    config = BenchmarkConfig(suite="tiny", split="val_unseen", policy=policy)
    return run_benchmark(config)["records"]


def test_the_oracle_succeeds_and_has_no_failure_cause():
    script = load_script("scripts/failure_modes.py")
    recs = records("oracle")
    counts = script.outcomes(recs, load_suite("tiny"), "val_unseen")
    families = Counter(r["family"] for r in recs)
    for family, n in families.items():
        assert counts[family]["success"] == n
        assert "timeout" not in counts[family] and "wrong stop" not in counts[family]
    assert script.causes(recs, load_suite("tiny"), "val_unseen") == {
        family: Counter() for family in families}


def test_stopping_at_once_is_a_wrong_stop_with_a_stopping_cause():
    script = load_script("scripts/failure_modes.py")
    recs = records("forward:0")
    suite = load_suite("tiny")
    counts = script.outcomes(recs, suite, "val_unseen")
    for family, c in counts.items():
        assert c["success"] + c["wrong stop"] == sum(r["family"] == family for r in recs)
    by_family = script.causes(recs, suite, "val_unseen")
    for family, c in by_family.items():
        assert sum(c.values()) == counts[family]["wrong stop"]
        assert not any("timeout" in cause for cause in c)
    assert set(by_family["fetch"]) <= {"never picked anything up, a match seen",
                                       "never picked anything up, no match seen"}
    assert set(by_family["follow_route"]) == {"stopped early on the route"}  # on its start


def test_a_record_whose_actions_replay_to_another_outcome_is_refused():
    script = load_script("scripts/failure_modes.py")
    recs = records("forward:0")
    recs[0]["success"] = not recs[0]["success"]
    with pytest.raises(SystemExit, match=recs[0]["episode_id"]):
        script.causes(recs, load_suite("tiny"), "val_unseen")


def test_the_command_prints_the_tables_and_writes_the_json(tmp_path, monkeypatch, capsys):
    script = load_script("scripts/failure_modes.py")
    config = BenchmarkConfig(suite="tiny", split="val_unseen", policy="forward:0")
    (tmp_path / "results.json").write_text(json.dumps(run_benchmark(config)))
    out = tmp_path / "failures.json"
    monkeypatch.setattr("sys.argv", ["failure_modes.py", str(tmp_path), "--json", str(out)])
    script.main()
    printed = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["policy"] == "forward:0" and doc["suite"] == "tiny"
    failures = sum(f["failures"] for f in doc["families"].values())
    assert f"### Top causes: {failures} failures of {doc['episodes']} episodes" in printed
    assert "| stopped early on the route |" in printed
    assert "by the goal's room (shares of the rooms of tiny/train)" in printed


def test_results_of_another_suite_than_suite_names_are_refused(tmp_path, monkeypatch):
    script = load_script("scripts/failure_modes.py")
    config = BenchmarkConfig(suite="tiny", split="val_unseen", policy="forward:0")
    (tmp_path / "results.json").write_text(json.dumps(run_benchmark(config)))
    monkeypatch.setattr("sys.argv", ["failure_modes.py", str(tmp_path), "--suite", "small"])
    with pytest.raises(SystemExit, match="--suite small: suite 'small', but the results are "
                                         "of 'tiny'"):
        script.main()


def test_room_shares_from_a_suite_without_a_train_split_are_refused(tmp_path, monkeypatch):
    script = load_script("scripts/failure_modes.py")
    config = BenchmarkConfig(suite="tiny", split="val_unseen", policy="forward:0")
    (tmp_path / "results.json").write_text(json.dumps(run_benchmark(config)))
    monkeypatch.setattr("sys.argv", ["failure_modes.py", str(tmp_path),
                                     "--room-shares", "handmade"])
    with pytest.raises(SystemExit, match="--room-shares handmade: suite 'handmade' has no "
                                         "split 'train'"):
        script.main()


def test_the_tables_give_each_cause_its_share_of_failures_and_rank_the_top_causes():
    script = load_script("scripts/failure_modes.py")
    by_family = {"fetch": Counter({"picked up only other objects": 1,
                                   "timeout holding a match, never got back": 3}),
                 "go_to_room": Counter(),
                 "sequence": Counter({"never reached part 1, stopped": 4})}
    episodes = Counter({"fetch": 10, "go_to_room": 10, "sequence": 10})
    assert script.top_causes(by_family, 2) == [
        ("sequence", "never reached part 1, stopped", 4),
        ("fetch", "timeout holding a match, never got back", 3)]
    text = script.cause_tables(by_family, episodes, 2)
    assert "### fetch: 4 failures of 10 episodes" in text
    assert "| timeout holding a match, never got back | 3 | 75% |" in text
    assert "| picked up only other objects | 1 | 25% |" in text
    assert "### go_to_room: 0 failures of 10 episodes" in text
    assert "### Top causes: 8 failures of 30 episodes" in text
    assert "| sequence | never reached part 1, stopped | 4 | 50% |" in text
    assert "| fetch | picked up only other objects |" not in text  # beyond the top 2
    data = {"policy": "p", "suite": "tiny", "split": "val_unseen", "code_version": "x",
            "records": [{"family": f} for f, n in episodes.items() for _ in range(n)]}
    doc = json.loads(script.causes_json(data, by_family, 1))
    assert doc["episodes"] == 30 and doc["split"] == "val_unseen"
    assert doc["families"]["fetch"] == {
        "episodes": 10, "failures": 4,
        "causes": {"timeout holding a match, never got back": 3,
                   "picked up only other objects": 1}}
    assert doc["top"] == [{"family": "sequence", "cause": "never reached part 1, stopped",
                           "count": 4}]


def test_room_outcomes_count_each_room_and_object_episode_under_its_goals_room_type():
    script = load_script("scripts/failure_modes.py")
    suite = load_suite("tiny")
    recs = records("oracle")
    by_type = script.room_outcomes(recs, suite, "val_unseen")
    episodes = suite.episodes("val_unseen")
    assert script.goal_room is goal_room  # one definition, tested in test_room_balance.py
    expected: Counter = Counter()
    for rec in recs:
        ep = episodes[rec["episode_index"]]
        kind = goal_room_type(ep, suite.houses[ep.house])
        if kind is not None:
            expected[kind] += 1
    assert sum(expected.values()) == sum(episodes[r["episode_index"]].family
                                         in ("go_to_room", "go_to_object") for r in recs) > 0
    assert {k: c["episodes"] for k, c in by_type.items()} == dict(expected)
    assert all(c["success"] == c["episodes"] for c in by_type.values())  # the oracle
    shares = script.train_room_shares([suite])
    assert sum(shares.values()) == pytest.approx(1.0)
    assert script.train_room_shares([]) == {}


def test_the_room_table_gives_sr_per_type_with_look_alike_rooms_and_training_shares():
    script = load_script("scripts/failure_modes.py")
    by_type = {"gym": Counter({"episodes": 2, "success": 0}),
               "bedroom": Counter({"episodes": 4, "success": 3, "look-alike room": 2,
                                   "look-alike room, success": 1})}
    text = script.room_table(by_type, {"bedroom": 0.25})
    lines = text.splitlines()
    assert lines[2] == "| bedroom | 4 | 75 | 2 | 50 | 25.0% |"  # the most trained first
    assert lines[3] == "| gym | 2 | 0 | 0 | - | - |"  # no share: not in the train houses
    assert lines[4] == "| all | 6 | 50 | 2 | 50 | |"


def test_the_goal_map_at_a_wrong_stop_is_read_for_every_go_to_object_failure(tmp_path):
    script = load_script("scripts/failure_modes.py")
    config = ModelConfig(n_embd=32, n_head=2, fusion="film", gps=GpsConfig(), goal=GoalConfig(),
                         memory=MemoryConfig(distance=True))
    model_dir = MultimodalTransformer(config, seed=0).save_pretrained(tmp_path / "model")
    recs = records("forward:0")  # stops at once: every go_to_object episode a wrong stop
    counts = script.remembered_at_stop(recs, load_suite("tiny"), "val_unseen", str(model_dir))
    assert sum(counts.values()) == sum(r["family"] == "go_to_object" for r in recs) > 0
    # it never moved: whatever it remembers, a target there would have been a success
    assert not any(k.startswith("remembered the target, stopped beside") for k in counts)


def test_the_goal_map_at_a_timeout_is_read_for_every_go_to_object_timeout(tmp_path):
    script = load_script("scripts/failure_modes.py")
    config = ModelConfig(n_embd=32, n_head=2, fusion="film", gps=GpsConfig(), goal=GoalConfig(),
                         cells=CellConfig(), memory=MemoryConfig(), explore=ExploreConfig())
    model_dir = MultimodalTransformer(config, seed=0).save_pretrained(tmp_path / "model")
    recs = records("forward:100000")  # never stops: every episode runs out of steps
    counts = script.remembered_at_stop(recs, load_suite("tiny"), "val_unseen", str(model_dir),
                                       "timeout")
    assert sum(counts.values()) == sum(r["family"] == "go_to_object" for r in recs) > 0
    assert not any("stopped" in k for k in counts)
    assert script.remembered_at_stop(recs, load_suite("tiny"), "val_unseen",
                                     str(model_dir)) == {}  # no wrong stop to read


def test_the_match_reading_scores_every_go_to_object_instruction(tmp_path):
    script = load_script("scripts/failure_modes.py")
    config = ModelConfig(n_embd=32, n_head=2, fusion="film", goal=GoalConfig(), cells=CellConfig(),
                         match=MatchConfig(reader="attend"))
    model = MultimodalTransformer(config, seed=0)
    with torch.no_grad():  # words that always name "no object" and "no colour"
        for head in model.match_head.heads:
            head.weight.zero_()
            head.bias.zero_()
        model.match_head.heads[1].bias[0] = model.match_head.heads[2].bias[0] = 5.0
    model_dir = model.save_pretrained(tmp_path / "model")
    suite = load_suite("tiny")
    reading = script.match_reading(str(model_dir), suite, "val_unseen")
    assert reading["instructions"] == sum(e.family == "go_to_object"
                                          for e in suite.episodes("val_unseen")) > 0
    assert reading["kind top-1"] == 0.0  # every target is some object
    assert reading.get("named colour top-1", 0.0) == 0.0


def test_goal_choices_count_hits_among_seen_cells_and_look_alikes_taken_for_the_target():
    import numpy as np

    script = load_script("scripts/failure_modes.py")
    goal = np.array([[5.0, 1.0, -1.0],  # the target (cell 1) seen, an unseen cell 0 scores most
                     [-2.0, 3.0, -1.0],  # the target seen and chosen
                     [0.0, -1.0, 0.5],  # no target; a look-alike (cell 2) scores above 0
                     [0.0, -1.0, -0.5]])  # no target; the look-alike stays below 0
    target = np.array([[0, 1, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]], bool)
    seen = np.array([[0, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]], bool)
    alike = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 0, 1]], bool)
    counts = script.goal_choices(goal, target, seen, alike)
    assert counts == {"seen": 2, "hits": 2, "look-alike steps": 2, "look-alike in view": 1}
    hidden = target.copy()
    hidden[0] = [1, 0, 0]  # a target in the view square but hidden: that step does not count
    assert script.goal_choices(goal, hidden, seen)["seen"] == 1


def test_look_alikes_are_the_other_objects_of_the_target_kind_in_view():
    import numpy as np

    from vlnenv.render.view_geometry import view_cells

    script = load_script("scripts/failure_modes.py")
    suite = load_suite("small")
    flagged = 0
    for ep in [e for e in suite.episodes("val_unseen") if e.family == "go_to_object"]:
        house = suite.houses[ep.house]
        got = script.same_kind_in_view(ep, house, [6])[0]  # (V*V,) at the start pose
        r0, c0, heading = ep.start
        rows, cols = (a.ravel() for a in view_cells((r0, c0), heading, 7))
        kind, cell = ep.task["object"]["kind"], tuple(ep.task["object"]["cell"])
        alike = {tuple(it.cell) for it in house.objects
                 if it.kind.word == kind and tuple(it.cell) != cell}
        expected = np.array([(r, c) in alike for r, c in zip(rows, cols, strict=True)])
        np.testing.assert_array_equal(got, expected)
        flagged += int(got.any())
    assert flagged > 0  # some episode starts with a look-alike in view
