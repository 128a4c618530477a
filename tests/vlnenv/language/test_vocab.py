"""The closed vocabulary and the tokenizer: the shipped file is what the code generates,
every realised word is in it, and encoding is total and reversible."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vlnenv.language.vocab import SPECIAL_TOKENS, Tokenizer, build_vocab, tokenize, write_vocab


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


def test_shipped_vocab_is_what_the_code_generates():
    shipped = resources.files("vlnenv.language").joinpath("vocab.txt").read_text("utf-8")
    assert shipped.splitlines() == build_vocab(), "run: python -m vlnenv.language.vocab"


def test_special_tokens_come_first(tok):
    assert tok.tokens[:5] == SPECIAL_TOKENS
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id) == (0, 1, 2, 3, 4)


def test_every_realised_word_is_in_the_vocabulary(tok, houses, make_instructions, surfaces):
    rng = np.random.default_rng(0)
    seen = set()
    for house in houses.values():
        if house is houses["twins"]:
            continue
        for text in surfaces(make_instructions(house, rng, 400), rng):
            ids = tok.encode(text, add_cls=False)
            assert tok.unk_id not in ids, [w for w in tokenize(text) if w not in tok.tokens]
            seen.update(ids.tolist())
    assert len(seen) > 0.5 * tok.vocab_size


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("Turn LEFT, then stop.") == ["turn", "left", ",", "then", "stop", "."]
    assert tokenize("Could you get me a cup?") == ["could", "you", "get", "me", "a", "cup", "?"]
    assert tokenize("  ") == []


def test_round_trip(tok):
    text = "go to the kitchen, then walk over to the red cup on the TV stand. could you?"
    assert tok.decode(tok.encode(text)) == text.lower()


def test_padding_and_truncation(tok):
    ids = tok.encode("go to the kitchen", max_len=8)
    assert ids.dtype == np.int64 and ids.shape == (8,)
    assert ids[0] == tok.cls_id and list(ids[5:]) == [tok.pad_id] * 3
    short = tok.encode("go to the kitchen", max_len=3)
    assert list(short) == [tok.cls_id, tok.token_id("go"), tok.token_id("to")]
    assert tok.encode("go", add_cls=False).tolist() == [tok.token_id("go")]


def test_encode_batch(tok):
    batch = tok.encode_batch(["go to the kitchen", "stop"], max_len=6)
    assert batch.shape == (2, 6) and batch.dtype == np.int64
    assert batch[1].tolist() == [tok.cls_id, tok.token_id("stop")] + [tok.pad_id] * 4
    assert tok.encode_batch([], max_len=4).shape == (0, 4)


def test_unknown_words_map_to_unk(tok):
    ids = tok.encode("go to the xylophone", add_cls=False)
    assert ids.tolist()[-1] == tok.unk_id
    assert tok.decode(ids) == "go to the <unk>"


@given(st.text())
def test_any_text_encodes(text):
    tok = Tokenizer()
    ids = tok.encode(text, max_len=16)
    assert ids.shape == (16,) and ids.min() >= 0 and ids.max() < tok.vocab_size
    assert isinstance(tok.decode(ids), str)


def test_write_vocab_and_load(tmp_path):
    path = write_vocab(tmp_path / "v.txt")
    assert Tokenizer.from_file(path).tokens == Tokenizer().tokens


def test_bad_vocabularies_are_refused():
    with pytest.raises(ValueError):
        Tokenizer(["a", "b"])
    with pytest.raises(ValueError):
        Tokenizer([*SPECIAL_TOKENS, "a", "a"])


def test_package_data_ships_the_vocabulary():
    pyproject = (Path(__file__).parents[3] / "pyproject.toml").read_text("utf-8")
    data = pyproject.split("[tool.setuptools.package-data]")[1].split("\n[")[0]
    assert re.search(r'vlnenv = \[[^\]]*"\*\*/\*\.txt"', data)
