"""Trained and held-out phrasing: the partition is whole, ``any`` is unchanged, and the two
phrasings never say a word only the other says."""

from functools import cache

import numpy as np
import pytest

from vlnenv.errors import TaskError
from vlnenv.language import instruction_from_task, parse
from vlnenv.language import lexicon as lx
from vlnenv.language.phrasing import (
    HELD_OUT,
    Phrasing,
    allowed,
    choice_sets,
    form_key,
    trained_forms,
)
from vlnenv.language.realise import realise
from vlnenv.language.vocab import tokenize
from vlnenv.suites.load import load_suite

SLOT_FREE = str.maketrans("", "", "{}")


def _is_template(value):
    return (isinstance(value, tuple) and bool(value)
            and all(isinstance(p, tuple) and len(p) == 2
                    and all(isinstance(w, str) for w in p) for p in value))


def _forms(value):
    """The leaf forms of a lexicon value: strings, nouns and verb-phrase templates."""
    if isinstance(value, str | lx.Noun) or _is_template(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _forms(item)
    elif isinstance(value, tuple | list | frozenset):
        for item in value:
            yield from _forms(item)


def _words(form) -> set[str]:
    """Words a form can put in a text (a template's verbs in every inflection; slot
    names left out)."""
    if isinstance(form, lx.Noun):
        texts = [form.text, form.article, form.pronoun]
    elif _is_template(form):
        texts = [w for verb, rest in form for w in (verb, *lx.VERB_FORMS[verb], rest)]
    else:
        texts = [form]
    out = set()
    for text in texts:
        for slot in {s for s in text.split("{")[1:]}:
            text = text.replace("{" + slot.split("}")[0] + "}", " ")
        out |= {t for t in tokenize(text) if t.isalnum()}
    return out


@cache
def lexicon_forms() -> list[object]:
    return [f for name, value in vars(lx).items()
            if name.isupper() and not name.startswith("_") for f in _forms(value)]


@cache
def held_only_words() -> frozenset[str]:
    held = set().union(*(_words(f) for f in lexicon_forms() if form_key(f) in HELD_OUT))
    other = set().union(*(_words(f) for f in lexicon_forms() if form_key(f) not in HELD_OUT))
    other |= {w for n in range(100) for w in lx.number_word(n).split()}
    return frozenset(held - other)


@cache
def trained_only_words() -> frozenset[str]:
    trained = trained_forms()
    mine = set().union(*(_words(f) for f in lexicon_forms() if form_key(f) in trained))
    others = set().union(*(_words(f) for f in lexicon_forms() if form_key(f) not in trained))
    return frozenset(mine - others)


@cache
def small_episodes(split: str = "test", n: int = 150):
    suite = load_suite("small")
    return [(ep, suite.houses[ep.house]) for ep in suite.episodes(split)[:n]]


# ---------------------------------------------------------------------------- the partition
def test_every_held_out_form_is_a_form_of_some_choice_set():
    forms = {form_key(f) for forms in choice_sets().values() for f in forms}
    assert HELD_OUT - forms == set()


@pytest.mark.parametrize("name", sorted(choice_sets()))
def test_every_choice_set_keeps_trained_forms_and_holds_some_out(name):
    forms = choice_sets()[name]
    held = [f for f in forms if form_key(f) in HELD_OUT]
    assert 1 <= len(held) <= len(forms) // 2, (name, held)
    assert list(allowed(forms, Phrasing.HELD_OUT)) == held
    assert len(allowed(forms, Phrasing.TRAINED)) == len(forms) - len(held)


def test_about_a_quarter_of_all_alternatives_are_held_out():
    sets = choice_sets().values()
    total = sum(len(forms) for forms in sets)
    held = sum(form_key(f) in HELD_OUT for forms in sets for f in forms)
    assert 0.2 <= held / total <= 0.35, (held, total)


def test_distinguishing_words_exist_on_both_sides():
    assert {"lounge", "couch", "mug", "spin", "visit"} <= held_only_words()
    assert {"restroom", "sofa", "cup", "office"} <= trained_only_words()


def test_a_set_of_shared_forms_is_said_in_every_phrasing():
    assert allowed(lx.ROOM_PLAIN, Phrasing.HELD_OUT) == ["the {room}"]
    assert allowed(lx.ROOM_PLAIN, Phrasing.TRAINED) == ["the {room}"]


def test_a_held_out_choice_among_trained_forms_only_is_refused():
    with pytest.raises(TaskError, match="no held_out phrasing"):
        allowed(("restroom", "bathroom"), Phrasing.HELD_OUT)


def test_an_unknown_phrasing_is_a_task_error():
    ep, house = small_episodes()[0]
    with pytest.raises(TaskError, match="phrasing 'unseen'"):
        realise(ep.task, house, np.random.default_rng(0), "unseen")


# ---------------------------------------------------------------------------- texts
#: What the realiser said for small/test episodes 0-2 with seeds 0-2 before phrasing existed
#: (at 3ea0613).
PINNED_ANY = [
    "Go into the bedroom that has a desk.",
    "Please go over to the mug sitting on the table.",
    "Could you get me some soap?",
]


def test_any_phrasing_says_what_the_realiser_said_before_the_partition():
    texts = [realise(ep.task, house, np.random.default_rng(j), "any")
             for j, (ep, house) in enumerate(small_episodes()[:3])]
    assert texts == PINNED_ANY
    ep, house = small_episodes()[3]
    assert realise(ep.task, house, np.random.default_rng(7)) == realise(
        ep.task, house, np.random.default_rng(7), Phrasing.ANY)


def _texts(phrasing: str) -> list[str]:
    return [realise(ep.task, house, np.random.default_rng([j, s]), phrasing)
            for j, (ep, house) in enumerate(small_episodes()) for s in range(2)]


def test_trained_texts_never_say_a_held_out_word():
    for text in _texts("trained"):
        assert set(tokenize(text)) & held_only_words() == set(), text


def test_held_out_texts_never_say_a_trained_word_and_nearly_all_say_a_held_out_one():
    texts = _texts("held_out")
    for text in texts:
        assert set(tokenize(text)) & trained_only_words() == set(), text
    marked = sum(bool(set(tokenize(t)) & held_only_words()) for t in texts)
    assert marked >= 0.9 * len(texts)


def test_the_parser_reads_held_out_phrasing_back_as_the_task():
    clause_families = ("go_to_room", "go_to_object", "fetch", "sequence")
    read = 0
    for j, (ep, house) in enumerate(small_episodes("test", 100)):
        if ep.family not in clause_families:
            continue
        want = instruction_from_task(ep.task, house)
        text = realise(ep.task, house, np.random.default_rng(j), "held_out")
        assert parse(text, house, ep.start) == want, text
        read += 1
    assert read == 80
