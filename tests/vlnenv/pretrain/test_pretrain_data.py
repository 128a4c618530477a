"""The pretraining data generators: determinism, split separation, captions that name only
what is visible, and every answer recomputed straight from the view codes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from vlnenv.language.lexicon import FURNITURE_WORDS, OBJECT_WORDS, ROOM_WORDS
from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.captions import captions
from vlnenv.pretrain.questions import ANSWERS, questions
from vlnenv.pretrain.trajectories import trajectory_pairs
from vlnenv.pretrain.views import render_views, sample_views
from vlnenv.render.codes import FLOOR_BASE, FURNITURE_BASE, N_OBJ
from vlnenv.suites.load import load_suite
from vlnenv.world.colors import Color
from vlnenv.world.rooms import RoomType


@pytest.fixture(scope="module")
def suite():
    return load_suite("small")


@pytest.fixture(scope="module")
def views(suite):
    return sample_views(suite.split_houses("train"), 150, seed=3)


def test_same_seed_gives_same_views_captions_and_questions(suite):
    houses = suite.split_houses("train")
    a, b = sample_views(houses, 40, seed=7), sample_views(houses, 40, seed=7)
    assert np.array_equal(np.stack([v.codes for v in a]), np.stack([v.codes for v in b]))
    assert [captions(v.codes, 3, 1) for v in a] == [captions(v.codes, 3, 1) for v in b]
    qa = [questions(v.codes, np.random.default_rng(5)) for v in a]
    assert qa == [questions(v.codes, np.random.default_rng(5)) for v in b]
    c = sample_views(houses, 40, seed=8)
    assert not np.array_equal(np.stack([v.codes for v in a]), np.stack([v.codes for v in c]))


def test_train_and_val_unseen_views_come_from_disjoint_houses(suite):
    train = {v.house for v in sample_views(suite.split_houses("train"), 100, seed=0)}
    unseen = {v.house for v in sample_views(suite.split_houses("val_unseen"), 100, seed=0)}
    assert train <= set(suite.house_ids("train"))
    assert unseen <= set(suite.house_ids("val_unseen"))
    assert not train & unseen


def test_captions_and_questions_use_only_vocabulary_words(views):
    tok = Tokenizer()
    for v in views:
        texts = captions(v.codes, 3, 0) + [q.text for q in questions(v.codes,
                                                                     np.random.default_rng(0))]
        for text in texts:
            assert tok.unk_id not in tok.encode(text), text


def _visible(codes):
    """Kinds seen, straight from the codes: object kinds with their colours, furniture
    kinds (the agent's own cell left out), and the room type under the agent."""
    v = codes.shape[0]
    flat = np.delete(codes.ravel(), (v - 1) * v + v // 2)
    base, obj = flat // N_OBJ, flat % N_OBJ
    objects = [divmod(int(o) - 1, len(Color)) for o in obj[obj > 0]]
    furniture = {int(b) - FURNITURE_BASE for b in base[base >= FURNITURE_BASE]}
    room = RoomType(int(codes[v - 1, v // 2] // N_OBJ) - FLOOR_BASE)
    return objects, furniture, room


def test_captions_name_only_visible_things(views):
    for v in views:
        objects, furniture, room = _visible(v.codes)
        named_objects = {w.text.lower() for k, _ in objects for w in OBJECT_WORDS[k]}
        named_furniture = {w.lower() for k in furniture for w in FURNITURE_WORDS[k]}
        for text in captions(v.codes, 3, 0):
            assert any(w in text for w in ROOM_WORDS[room]), text
            for nouns in OBJECT_WORDS.values():
                for noun in nouns:
                    if f" {noun.text.lower()} " in text:
                        assert noun.text.lower() in named_objects or any(
                            noun.text.lower() in n for n in named_objects | named_furniture
                        ), (text, noun)
            for words in FURNITURE_WORDS.values():
                for word in words:
                    if f" {word.lower()} " in text and not any(
                            word.lower() in n for n in named_furniture | named_objects):
                        pytest.fail(f"{text!r} names a {word} that is not in view")


def test_every_answer_matches_the_view_recomputed_from_its_codes(views):
    asked = 0
    for v in views:
        objects, _, room = _visible(v.codes)
        view = v.codes.shape[0]
        for q in questions(v.codes, np.random.default_rng(1)):
            assert q.answer in ANSWERS
            same = [(k, c) for k, c in objects if k == q.subject]
            if q.kind == "room":
                assert q.answer == ROOM_WORDS[room][0]
            elif q.kind == "exists":
                assert q.answer == ("yes" if same else "no")
            elif q.kind == "count":
                assert q.answer == ("one", "two", "three")[min(len(same), 3) - 1]
            elif q.kind == "color":
                assert len(same) == 1 and q.answer == Color(same[0][1]).word
            else:
                obj = v.codes % N_OBJ
                cells = np.argwhere((obj > 0) & ((obj - 1) // len(Color) == q.subject))
                (_, col), = cells
                side = "left" if col < view // 2 else "right" if col > view // 2 else "ahead"
                assert q.answer == side
            asked += 1
    assert asked > 3 * len(views)


def test_trajectory_pairs_cover_every_family_and_start_at_the_start(suite):
    pairs = trajectory_pairs(suite.episodes("train"), suite.split_houses("train"), 200, seed=0)
    assert {p.family for p in pairs} == {"go_to_room", "go_to_object", "fetch",
                                         "follow_route", "sequence"}
    again = trajectory_pairs(suite.episodes("train"), suite.split_houses("train"), 200, seed=0)
    assert all(np.array_equal(a.codes, b.codes) for a, b in zip(pairs, again, strict=True))
    assert render_views(pairs[0].codes).shape == (6, 56, 56, 3)


def test_the_generators_import_neither_torch_nor_agents():
    code = ("import sys, vlnenv.pretrain.views, vlnenv.pretrain.captions, "
            "vlnenv.pretrain.questions, vlnenv.pretrain.trajectories; "
            "assert 'torch' not in sys.modules and 'agents' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_trained_phrasing_captions_never_name_a_held_out_synonym(views):
    from vlnenv.language.phrasing import (
        HELD_OUT_FURNITURE_WORDS,
        HELD_OUT_NOUNS,
        HELD_OUT_ROOM_WORDS,
    )

    held = [w.lower() for w in HELD_OUT_ROOM_WORDS | HELD_OUT_FURNITURE_WORDS | HELD_OUT_NOUNS]
    said = [c for v in views for c in captions(v.codes, 3, 0, "trained")]
    for caption in said:
        padded = f" {caption} "
        assert not [w for w in held if f" {w} " in padded], caption
    anything = " ".join(c for v in views for c in captions(v.codes, 3, 0))
    assert [w for w in held if f" {w} " in f" {anything} "]  # "any" does name some
    assert [captions(v.codes, 3, 0) for v in views[:20]] == [
        captions(v.codes, 3, 0, "any") for v in views[:20]]
