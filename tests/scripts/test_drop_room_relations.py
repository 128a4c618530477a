"""scripts/drop_room_relations.py: rooms said by their type alone, every other word kept;
the copy refuses a taken folder and reads back as the suite with only those words changed;
the comparison counts the changed episodes' outcomes."""

from __future__ import annotations

import json

import pytest
from helpers import load_script

from vlnenv.suites.load import load_suite


@pytest.mark.parametrize(("text", "said"), [
    ("Visit the bedroom next to a restroom.", "Visit the bedroom."),
    ("Enter the kitchen that has a cupboard, please.", "Enter the kitchen, please."),
    ("Can you bring me an orange book from the study where the easy chair is?",
     "Can you bring me an orange book from the study?"),
    ("Walk over to the blue mug in the lounge with a shelf and wait there.",
     "Walk over to the blue mug in the lounge and wait there."),
    ("First get to the garage by a study, and then visit the lounge that has the easy chair.",
     "First get to the garage, and then visit the lounge."),
    ("Find the cap on the floor in the hall and stop next to it.",
     "Find the cap on the floor in the hall and stop next to it."),
])
def test_rooms_are_said_by_their_type_alone(text, said):
    assert load_script("scripts/drop_room_relations.py").drop_relations(text) == said


def test_the_copy_changes_only_the_words_and_refuses_a_taken_folder(tmp_path):
    script = load_script("scripts/drop_room_relations.py")
    out = tmp_path / "cut"
    changed = script.copy_suite("handmade", "val_unseen", out)
    ours, theirs = load_suite(out).episodes("val_unseen"), load_suite("handmade").episodes(
        "val_unseen")
    assert changed == sum(a.instruction != b.instruction for a, b in zip(ours, theirs,
                                                                        strict=True)) > 0
    assert [a.to_json() | {"instruction": ""} for a in ours] == [
        b.to_json() | {"instruction": ""} for b in theirs]
    with pytest.raises(SystemExit, match="exists"):
        script.copy_suite("handmade", "val_unseen", out)


def test_the_comparison_counts_outcomes_on_the_changed_episodes(tmp_path):
    script = load_script("scripts/drop_room_relations.py")
    episodes = load_suite("handmade").episodes("val_unseen")
    cut = [script.drop_relations(e.instruction) != e.instruction for e in episodes]
    a = {"records": [{"episode_id": e.episode_id, "success": True} for e in episodes]}
    b = {"records": [{"episode_id": e.episode_id, "success": False} for e in episodes]}
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    table = script.compare("handmade", "val_unseen", tmp_path / "a.json", tmp_path / "b.json")
    assert f"| all | {sum(cut)} | 0 | {sum(cut)} | 0 | 0 |" in table


def test_stops_says_where_each_failed_room_episode_stopped(tmp_path):
    script = load_script("scripts/drop_room_relations.py")
    suite = load_suite("handmade")
    episodes = suite.episodes("val_unseen")
    rooms = [e for e in episodes if e.family == "go_to_room"]
    records = [{"episode_id": e.episode_id, "success": e.family != "go_to_room",
                "path": [list(e.start[:2])]} for e in episodes]  # failed where they began
    (tmp_path / "r.json").write_text(json.dumps({"records": records}))
    table = script.stops("handmade", "val_unseen", tmp_path / "r.json")
    rows = [line.split("|")[2:6] for line in table.splitlines()[2:]]
    assert sum(int(r[0]) for r in rows) == len(rooms)  # every failure counted once
    assert all(int(r[0]) == sum(int(x) for x in r[1:]) for r in rows)
