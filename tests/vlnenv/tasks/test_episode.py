"""Episode records: JSON Lines round trip and validation errors that name line and field."""

import json

import pytest

from vlnenv.errors import TaskError
from vlnenv.tasks.episode import (
    Episode,
    dumps_episodes,
    loads_episodes,
    read_episodes,
    write_episodes,
)

RECORD = {
    "episode_id": "e1", "house": "tiny", "start": [1, 2, 0], "instruction": "Go to the kitchen.",
    "task": {"family": "go_to_room", "room": "K"}, "reference_path": [[1, 2], [1, 3], [1, 4]],
    "goal": [[1, 4], [1, 5]], "max_steps": 10,
}


def line(**changes):
    record = {**RECORD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def test_records_round_trip_byte_for_byte(tmp_path):
    episode = Episode.from_json(RECORD)
    text = dumps_episodes([episode, Episode.from_json({**RECORD, "episode_id": "e2"})])
    assert dumps_episodes(loads_episodes(text)) == text
    path = tmp_path / "eps.jsonl"
    write_episodes(path, loads_episodes(text))
    assert path.read_text() == text and read_episodes(path)[0] == episode
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (line(start=[1, 2, 4]), "f.jsonl:2.start"),
        (line(max_steps=0), "f.jsonl:2.max_steps"),
        (line(max_steps=True), "f.jsonl:2.max_steps"),
        (line(goal=[[1, "x"]]), r"f.jsonl:2.goal\[0\]"),
        (line(reference_path=[[9, 9]]), "f.jsonl:2.reference_path"),
        (line(instruction=""), "f.jsonl:2.instruction"),
        (line(task={"room": "K"}), "f.jsonl:2.task"),
        (line(goal=...), r"f.jsonl:2: missing field\(s\) \['goal'\]"),
        (line(extra=1), r"f.jsonl:2: unknown field\(s\) \['extra'\]"),
        ("{not json", "f.jsonl:2: not valid JSON"),
        ("[1, 2]", "f.jsonl:2: expected a JSON object"),
        (line(episode_id="e0"), "f.jsonl:2.episode_id: 'e0' already used on line 1"),
    ],
)
def test_malformed_records_name_the_line_and_field(bad, where):
    text = line(episode_id="e0") + "\n" + bad + "\n"
    with pytest.raises(TaskError, match=where):
        loads_episodes(text, "f.jsonl")


def test_blank_lines_are_skipped_and_missing_files_are_clear(tmp_path):
    assert len(loads_episodes("\n" + line() + "\n\n")) == 1
    with pytest.raises(TaskError, match="cannot read episodes"):
        read_episodes(tmp_path / "nope.jsonl")
