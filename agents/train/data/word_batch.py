"""Text-only batches for the word readers (``optim.words_batch``).

The word-reader loss (:func:`agents.train.losses.words_loss`) reads the labels of the
episodes the lanes play: a batch of 8 lanes x 16 steps holds one to three distinct
instructions, so a reader sees a few instructions a step, each labelled in every step it
lasts. The goal memory's cue reader (:mod:`agents.models.cue`) must find the one word that
tells a room apart ("the kitchen with a *sink*") among others of the same kind; trained
that way for the longer recipe's half hour it read the cue right in 65% of the
``val_unseen`` room instructions, guessing a furniture kind typical of the room where the
words name another (docs/experiments/40-the-cue-remembered.md). Fitted on batches of 128
distinct instructions with the text encoder trainable, it reads 94-98% right after 500
steps. So each training step can add one such batch: ``n`` instructions drawn from the
demonstrations' labelled ones, read by the text encoder and the readers alone (no views,
no policy), their loss added to the word-reader loss.

The draws are a pure function of ``(seed, rank, step)``, so a resumed run draws the same
batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from agents.train.data.word_targets import word_targets
from agents.train.errors import TrainError
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


class WordBatches:
    """The demonstrations' distinct labelled instructions, their token ids and labels.

    Args:
        episodes: the demonstrations' episodes (their words and tasks).
        houses: house id -> house of every episode.
        encode: the model's instruction encoder (strings -> ``(n, L)`` int64 ids).
        cue: also the cue labels (a model with ``model.memory.cue``).

    Raises:
        TrainError: no demonstration's words have a label.
    """

    def __init__(self, episodes: Iterable[Episode], houses: Mapping[str, House],
                 encode: Callable[[list[str]], np.ndarray], cue: bool) -> None:
        texts: list[str] = []
        labels: list[np.ndarray] = []
        seen: set[str] = set()
        for ep in episodes:
            if ep.instruction in seen:
                continue
            seen.add(ep.instruction)
            target = word_targets(ep, houses[ep.house], cue)  # (4,)
            if (target >= 0).any():
                texts.append(ep.instruction)
                labels.append(target)
        if not texts:
            raise TrainError("optim.words_batch: no demonstration's words have a label "
                             "(go_to_room, go_to_object or fetch episodes give them)")
        self.ids = encode(texts)  # (n, L)
        self.targets = np.stack(labels)  # (n, 4)

    def __len__(self) -> int:
        return len(self.targets)

    def sample(self, n: int, seed: int, rank: int, step: int) -> tuple[np.ndarray, np.ndarray]:
        """``(n, L)`` ids and ``(n, 4)`` labels of ``n`` instructions drawn uniformly with
        replacement by a generator seeded with ``(seed, rank, step)``."""
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, rank, step])))
        index = rng.integers(len(self.targets), size=n)  # (n,)
        return self.ids[index], self.targets[index]
