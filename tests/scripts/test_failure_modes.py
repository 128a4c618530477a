"""scripts/failure_modes.py: outcome counts from benchmark records, checked on policies
whose outcomes are known (the oracle succeeds everywhere; a policy that stops at once
fails every family but fetch, whose requester waits at the start)."""

from __future__ import annotations

from collections import Counter

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


def test_a_colour_is_named_only_as_a_whole_word():
    script = load_script("scripts/failure_modes.py")
    assert script.names_colour("Go to the Red ball.", "red")
    assert not script.names_colour("Go to the ball in the bedroom.", "red")
    assert not script.names_colour("Go and stand next to the cup.", "tan")


