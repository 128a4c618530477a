"""Corpus BLEU-4 against hand-worked values."""

from __future__ import annotations

import math

from agents.pretrain.bleu import corpus_bleu


def test_identical_text_scores_one_and_disjoint_text_zero():
    ref = "a blue bed ahead and a door on the left".split()
    assert corpus_bleu([ref], [[ref]]) == 1.0
    assert corpus_bleu(["x y z w".split()], [[ref]]) == 0.0


def test_one_wrong_last_word_gives_the_fourth_root_of_the_precision_product():
    hyp, ref = "a b c d e f".split(), "a b c d e g".split()
    want = (5 / 6 * 4 / 5 * 3 / 4 * 2 / 3) ** 0.25
    assert math.isclose(corpus_bleu([hyp], [[ref]]), want, rel_tol=1e-12)


def test_short_hypotheses_pay_the_brevity_penalty():
    hyp, ref = "a b c d".split(), "a b c d e f g h".split()
    assert math.isclose(corpus_bleu([hyp], [[ref]]), math.exp(1 - 8 / 4), rel_tol=1e-12)
