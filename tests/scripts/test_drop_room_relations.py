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


def test_words_counts_the_floor_the_word_reader_names(tmp_path):
    import torch

    from agents.models.config import ModelConfig
    from agents.models.policy import MultimodalTransformer
    from vlnenv.render.codes import floor_code
    from vlnenv.tasks.from_text import read_episode
    from vlnenv.world.rooms import RoomType

    script = load_script("scripts/drop_room_relations.py")
    model = MultimodalTransformer(ModelConfig.preset("quickstart"))
    base = model.match_head.heads[0]  # the reader's base logits: bathroom floor, whatever it reads
    with torch.no_grad():
        base.weight.zero_()
        base.bias.zero_()
        base.bias[floor_code(RoomType.BATHROOM)] = 1.0
    model.save_pretrained(tmp_path / "m")
    suite = load_suite("small")
    want = {"plain": [0, 0, 0], "with": [0, 0, 0], "next to": [0, 0, 0]}
    for ep in suite.episodes("val_unseen"):
        if ep.family != "go_to_room":
            continue
        read = read_episode(ep, suite.houses[ep.house])
        said = script.said_as(read.cue)
        goal = suite.houses[ep.house].rooms[read.room].type
        col = (0 if goal == RoomType.BATHROOM
               else 1 if read.cue is not None and read.cue.neighbour == RoomType.BATHROOM else 2)
        want[said][col] += 1
    table = script.words("small", "val_unseen", tmp_path / "m")
    for said, counts in want.items():
        assert f"| {said} | {sum(counts)} | {' | '.join(map(str, counts))} |" in table
    assert want["next to"][1] > 0 and want["plain"][0] > 0  # each column met


def test_words_refuses_a_model_without_a_word_reader(tmp_path):
    from agents.models.config import ModelConfig
    from agents.models.policy import MultimodalTransformer

    script = load_script("scripts/drop_room_relations.py")
    MultimodalTransformer(ModelConfig.preset("quickstart", match=None)).save_pretrained(
        tmp_path / "m")
    with pytest.raises(SystemExit, match="no goal match"):
        script.words("handmade", "val_unseen", tmp_path / "m")


def test_cues_counts_what_a_fresh_cue_reader_reads_plain_and_refuses_a_model_without(tmp_path):
    """A fresh cue reader reads every instruction as plain (its prior): right on the goals
    said plainly, "plain" on every told-apart goal."""
    from agents.models.config import ModelConfig
    from agents.models.policy import MultimodalTransformer
    from vlnenv.tasks.from_text import read_episode

    script = load_script("scripts/drop_room_relations.py")
    MultimodalTransformer(ModelConfig.preset("quickstart", memory={"distance": True, "cue": 2})
                          ).save_pretrained(tmp_path / "cue")
    suite = load_suite("small")
    said = [script.said_as(read_episode(e, suite.houses[e.house]).cue)
            for e in suite.episodes("val_unseen") if e.family == "go_to_room"]
    table = script.cues("small", "val_unseen", tmp_path / "cue")
    n = {s: said.count(s) for s in ("plain", "with", "next to")}
    assert f"| plain | {n['plain']} | {n['plain']} | 0 | 0 |" in table
    assert f"| with | {n['with']} | 0 | {n['with']} | 0 |" in table
    assert f"| next to | {n['next to']} | 0 | {n['next to']} | 0 |" in table
    assert min(n.values()) > 0
    MultimodalTransformer(ModelConfig.preset("quickstart")).save_pretrained(tmp_path / "m")
    with pytest.raises(SystemExit, match="no cue reader"):
        script.cues("small", "val_unseen", tmp_path / "m")
