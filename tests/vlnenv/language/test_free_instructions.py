"""100 instructions written by hand in free words (data/free_instructions.jsonl, in the
family house): each reads as the task recorded beside it or is refused with the recorded
error, never read as another task; the tokenizer's out-of-vocabulary rate on them."""

import json
from pathlib import Path

import numpy as np
import pytest

import vlnenv.errors as errors
from vlnenv.language import parse
from vlnenv.language.vocab import Tokenizer, raw_tokenize, tokenize
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.generate import SMALL, generate_house
from vlnenv.world.mapfile import load_house

DATA = Path(__file__).parent / "data" / "free_instructions.jsonl"
RECORDS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
HOUSES = Path(__file__).parents[3] / "maps" / "houses"


def test_there_are_100_and_most_read_as_tasks():
    assert len(RECORDS) == 100
    assert sum("task" in r for r in RECORDS) == 83
    refused = [r["refused"] for r in RECORDS if "refused" in r]
    assert {k: refused.count(k) for k in sorted(set(refused))} == {
        "AmbiguousReferenceError": 5, "MissingReferentError": 3, "ParseError": 4,
        "UnknownWordError": 5}


@pytest.mark.parametrize("record", RECORDS, ids=[r["text"][:40] for r in RECORDS])
def test_each_reads_as_its_task_or_is_refused(record):
    house = load_house(HOUSES / f"{record['house']}.toml")
    start = tuple(record["start"])
    if "task" in record:
        assert parse(record["text"], house, start).to_task() == record["task"]
    else:
        with pytest.raises(getattr(errors, record["refused"])) as err:
            parse(record["text"], house, start)
        assert type(err.value).__name__ == record["refused"]
        assert "\n" not in str(err.value)


def oov(tokenizer):
    vocab = set(Tokenizer().tokens)
    tokens = [t for r in RECORDS for t in tokenizer(r["text"])]
    return sum(t not in vocab for t in tokens), len(tokens)


def test_out_of_vocabulary_rate_falls_from_3_0_to_1_7_percent():
    assert oov(raw_tokenize) == (23, 761)  # 3.02 %
    assert oov(tokenize) == (13, 756)  # 1.72 %: only words the vocabulary lacks remain


def test_typing_maps_to_vocabulary_tokens():
    assert tokenize("I'd like the Living-Room's TV remote; don't take 2 steps!") == (
        "i would like the living room tv remote , do not take two steps .".split())


def test_generated_instructions_tokenize_as_before():
    for seed in range(30):
        house = generate_house(SMALL, seed)
        text = sample_episode(house, np.random.default_rng(seed)).instruction
        assert tokenize(text) == raw_tokenize(text), text
