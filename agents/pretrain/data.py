"""The pretraining data of a suite split as arrays (:mod:`vlnenv.pretrain` generates it),
and batches drawn from it by a seeded generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.captions import captions, scene_key
from vlnenv.pretrain.questions import ANSWERS, KINDS, questions
from vlnenv.pretrain.trajectories import trajectory_pairs
from vlnenv.pretrain.views import render_views, sample_views
from vlnenv.suites.load import Suite
from vlnenv.tasks.rephrase import said_all

#: Questions kept per view at most (the room question is always first).
MAX_QUESTIONS = 6


@dataclass
class PretrainData:
    """Views with captions and questions, and instruction–trajectory pairs, as arrays."""

    view_codes: np.ndarray
    """``(N, V, V)`` int32 view codes."""
    captions: np.ndarray
    """``(N, P, L)`` int64 token ids of ``P`` phrasings per view."""
    caption_text: list[list[str]]
    """The ``P`` phrasings of each view."""
    scene: np.ndarray
    """``(N,)`` int64 scene id: views with equal ids have the same possible captions."""
    question_ids: np.ndarray
    """``(N, Q, Lq)`` int64 question token ids."""
    answers: np.ndarray
    """``(N, Q)`` int64 answer index into ``ANSWERS``, -1 where a view has fewer."""
    question_kind: np.ndarray
    """``(N, Q)`` int64 index into ``KINDS``, -1 where a view has fewer."""
    path_codes: np.ndarray
    """``(E, K, V, V)`` int32 view codes along each path."""
    instructions: np.ndarray
    """``(E, Lt)`` int64 instruction token ids."""
    instruction_text: list[str]
    """The instruction of each path."""
    families: list[str]
    """The task family of each path."""
    path_episodes: list[str]
    """The episode id of each path (its house, start and task, for the verifier)."""


def _ids(tok: Tokenizer, texts: list[str]) -> np.ndarray:
    longest = max(len(tok.encode(t)) for t in texts)
    return tok.encode_batch(texts, longest)


def build_data(suite: Suite, split: str, n_views: int, n_paths: int, seed: int,
               phrasings: int = 3, tokenizer: Tokenizer | None = None,
               phrasing: str = "any") -> PretrainData:
    """The pretraining data of ``split``'s houses and episodes, from ``seed``.

    Args:
        suite: the suite.
        split: its split (``train`` to learn, ``val_unseen`` to evaluate).
        n_views: views sampled.
        n_paths: instruction–trajectory pairs (at most the split's episodes).
        seed: seed of every draw.
        phrasings: captions per view.
        tokenizer: the vocabulary (the shipped one by default).
        phrasing: ``any``, or ``trained`` for captions naming things with trained names
            only and the paths' instructions said again in trained phrasing
            (:func:`vlnenv.tasks.rephrase.said_in` with ``seed``), as the BC demos of
            ``data.phrasing = "trained"``.
    """
    tok = tokenizer or Tokenizer()
    houses = suite.split_houses(split)
    views = sample_views(houses, n_views, seed)
    texts = [captions(v.codes, phrasings, seed * 1_000_003 + i, phrasing)
             for i, v in enumerate(views)]
    keys: dict[tuple, int] = {}
    scene = np.array([keys.setdefault(scene_key(v.codes), len(keys)) for v in views])
    rng = np.random.default_rng(seed + 1)
    qs = [questions(v.codes, rng)[:MAX_QUESTIONS] for v in views]
    q_len = max(len(tok.encode(q.text)) for row in qs for q in row)
    q_ids = np.zeros((n_views, MAX_QUESTIONS, q_len), np.int64)
    answers = np.full((n_views, MAX_QUESTIONS), -1, np.int64)
    kinds = np.full((n_views, MAX_QUESTIONS), -1, np.int64)
    for i, row in enumerate(qs):
        for j, q in enumerate(row):
            q_ids[i, j] = tok.encode(q.text, q_len)
            answers[i, j], kinds[i, j] = ANSWERS.index(q.answer), KINDS.index(q.kind)
    flat = _ids(tok, [t for row in texts for t in row])
    episodes = said_all(suite.episodes(split), houses, phrasing, seed)
    pairs = trajectory_pairs(episodes, houses, n_paths, seed + 2)
    return PretrainData(
        view_codes=np.stack([v.codes for v in views]),
        captions=flat.reshape(n_views, phrasings, -1), caption_text=texts, scene=scene,
        question_ids=q_ids, answers=answers, question_kind=kinds,
        path_codes=np.stack([p.codes for p in pairs]),
        instructions=_ids(tok, [p.instruction for p in pairs]),
        instruction_text=[p.instruction for p in pairs], families=[p.family for p in pairs],
        path_episodes=[p.episode_id for p in pairs])


@dataclass
class Batch:
    """One training batch (tensors on the model's device)."""

    image: Tensor
    """``(B, S, S, 3)`` uint8 views."""
    caption: Tensor
    """``(B, L)`` one phrasing per view."""
    scene: Tensor
    """``(B,)`` scene ids."""
    question: Tensor
    """``(B, Lq)`` one question per view."""
    answer: Tensor
    """``(B,)`` its answer."""
    path: Tensor
    """``(Bp, K, S, S, 3)`` uint8 views along paths."""
    instruction: Tensor
    """``(Bp, Lt)`` their instructions."""


def sample_batch(data: PretrainData, rng: np.random.Generator, batch: int, paths: int,
                 device: torch.device | str = "cpu") -> Batch:
    """``batch`` views (each with a random phrasing and a random question) and ``paths``
    instruction–trajectory pairs, drawn without replacement by ``rng``."""
    n, e = len(data.view_codes), len(data.path_codes)
    v = rng.choice(n, size=min(batch, n), replace=False)  # (B,)
    p = rng.choice(e, size=min(paths, e), replace=False)  # (Bp,)
    phr = rng.integers(data.captions.shape[1], size=len(v))  # (B,)
    valid = data.answers[v] >= 0  # (B, Q)
    q = np.array([rng.choice(np.flatnonzero(row)) for row in valid])  # (B,)

    def t(x: np.ndarray) -> Tensor:
        return torch.as_tensor(x, device=device)

    return Batch(image=t(render_views(data.view_codes[v])), caption=t(data.captions[v, phr]),
                 scene=t(data.scene[v]), question=t(data.question_ids[v, q]),
                 answer=t(data.answers[v, q]), path=t(render_views(data.path_codes[p])),
                 instruction=t(data.instructions[p]))
