"""Property: any text read as episode records (JSON Lines) gives episodes or a one-line
``TaskError``, and the record limits (instruction length, step budget) are enforced."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vlnenv.errors import TaskError
from vlnenv.tasks.episode import (
    FIELDS,
    MAX_EPISODE_STEPS,
    MAX_INSTRUCTION_TEXT,
    Episode,
    loads_episodes,
    read_episodes,
)

GOOD = {"episode_id": "e1", "house": "h", "start": [1, 1, 0], "instruction": "Go.",
        "task": {"family": "go_to_room", "room": "A"}, "reference_path": [[1, 1], [1, 2]],
        "goal": [[1, 2]], "max_steps": 10}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)


@st.composite
def damaged_records(draw) -> str:
    """A valid record with some fields replaced, dropped or added, as one JSON line."""
    record = dict(GOOD)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*FIELDS, "extra"]))
        if draw(st.booleans()):
            record[key] = draw(json_values)
        else:
            record.pop(key, None)
    return json.dumps(record, allow_nan=True)


def check(text: str) -> None:
    try:
        episodes = loads_episodes(text, "e.jsonl")
    except TaskError as err:
        assert "\n" not in str(err) and str(err).startswith("e.jsonl:")
        return
    assert all(isinstance(e, Episode) for e in episodes)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_records())
def test_damaged_records_load_or_raise_a_one_line_task_error(line: str) -> None:
    check(line)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_loads_or_raises_a_one_line_task_error(text: str) -> None:
    check(text)


def test_deep_nesting_is_a_task_error_not_a_recursion_error():
    with pytest.raises(TaskError, match="nested too deeply"):
        loads_episodes("[" * 100_000 + "]" * 100_000)


def test_bytes_that_are_not_utf8_are_a_task_error(tmp_path):
    (tmp_path / "e.jsonl").write_bytes(b'{"a": "\xff"}\n')
    with pytest.raises(TaskError, match="the byte at offset 7 is not UTF-8"):
        read_episodes(tmp_path / "e.jsonl")


@pytest.mark.parametrize("field, value, message", [
    ("instruction", "x" * (MAX_INSTRUCTION_TEXT + 1), "4,097 characters; expected at most 4,096"),
    ("max_steps", MAX_EPISODE_STEPS + 1, "expected an integer in 1..1,000,000"),
])
def test_record_limits_are_enforced(field, value, message):
    with pytest.raises(TaskError, match=message):
        Episode.from_json({**GOOD, field: value})
    Episode.from_json({**GOOD, field: value[:-1] if isinstance(value, str) else value - 1})
