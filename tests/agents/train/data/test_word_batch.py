"""Text-only batches for the word readers: the demonstrations' distinct labelled
instructions with their labels, drawn as a pure function of (seed, rank, step)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.models.inputs import InstructionCache
from agents.train.data.word_batch import WordBatches
from agents.train.data.word_targets import word_targets
from agents.train.errors import TrainError
from vlnenv.language.vocab import Tokenizer
from vlnenv.suites.load import load_suite

SUITE = load_suite("tiny")
ENCODE = InstructionCache(Tokenizer(), 64).encode


def _demos(families: tuple[str, ...]) -> list:
    """The train split's episodes of ``families``, each twice (as repeated demonstrations)."""
    return [e for e in SUITE.episodes("train") if e.family in families] * 2


def test_the_batches_hold_each_labelled_instruction_once_with_its_labels():
    episodes = [e for e in SUITE.episodes("train")]
    demos = _demos(("go_to_room", "go_to_object", "follow_route", "sequence"))
    batches = WordBatches(demos, SUITE.houses, ENCODE, cue=True)
    labelled = {e.instruction: word_targets(e, SUITE.houses[e.house], True) for e in episodes
                if e.family in ("go_to_room", "go_to_object", "follow_route")}
    assert len(batches) == len(labelled)  # sequences give no label, repeats are read once
    ids, targets = batches.sample(32, seed=0, rank=0, step=5)
    assert ids.shape == (32, 64) and targets.shape == (32, 4)
    by_ids = {tuple(ENCODE([t])[0]): y for t, y in labelled.items()}
    for row, y in zip(ids, targets, strict=True):
        assert np.array_equal(by_ids[tuple(row)], y)


def test_the_draws_depend_only_on_seed_rank_and_step():
    batches = WordBatches(_demos(("go_to_room", "go_to_object")), SUITE.houses, ENCODE,
                          cue=False)
    a, b = batches.sample(16, 0, 0, 7), batches.sample(16, 0, 0, 7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], batches.sample(16, 0, 0, 8)[0])
    assert not np.array_equal(a[0], batches.sample(16, 0, 1, 7)[0])


def test_demonstrations_without_a_label_are_refused():
    with pytest.raises(TrainError, match="no demonstration's words have a label"):
        WordBatches(_demos(("sequence",)), SUITE.houses, ENCODE, cue=False)
