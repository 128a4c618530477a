"""``vln pretrain eval``: what the pretrained encoders know on ``val_unseen`` houses, each
figure beside chance.

* view -> caption and caption -> view retrieval among 1,000 (R@1, R@5; a hit is any
  candidate of the query's scene, since equal scenes have the same captions);
* trajectory <-> instruction retrieval among 500 (R@1, R@5);
* MLM token accuracy (text-only and given the view) beside the most frequent word;
* QA accuracy, per kind, beside each kind's majority answer on the train questions;
* the speaker's BLEU-4 (greedy) for captions and for instructions, and the share of its
  instructions that the task verifier accepts as describing the true trajectory's task
  (:mod:`vlnenv.pretrain.verify`), beside the share of the true instructions it accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from agents.pretrain.bleu import corpus_bleu
from agents.pretrain.contrastive import retrieval_logits
from agents.pretrain.data import PretrainData, build_data
from agents.pretrain.loop import load_pretrain_model
from agents.pretrain.mlm import IGNORE, mask_tokens
from agents.pretrain.model import PretrainModel
from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.questions import KINDS
from vlnenv.pretrain.verify import true_actions, verified_share
from vlnenv.pretrain.views import render_views
from vlnenv.suites.load import Suite, load_suite


def recall_at(sim: Tensor, hit: Tensor, k: int) -> float:
    """Share of rows of ``sim`` (queries x candidates) whose top ``k`` candidates hold a
    True of ``hit`` (same shape)."""
    top = sim.topk(k, dim=1).indices  # (Q, k)
    return float(hit.gather(1, top).any(1).float().mean())


def chance_at(hit: Tensor, k: int) -> float:
    """Expected recall@k of a random ranking: ``1 - C(N - h, k) / C(N, k)`` per row, ``h``
    its number of hits, averaged."""
    n = hit.shape[1]
    out = []
    for h in hit.sum(1).tolist():
        miss = 1.0
        for i in range(k):
            miss *= max(n - h - i, 0) / (n - i)
        out.append(1 - miss)
    return float(np.mean(out))


def _batched(fn: Any, x: np.ndarray, size: int = 100) -> Tensor:
    return torch.cat([fn(x[i:i + size]) for i in range(0, len(x), size)])


@torch.no_grad()
def evaluate(model: PretrainModel, data: PretrainData, train: PretrainData | None = None,
             seed: int = 0, speaker_items: int = 200, suite: Suite | None = None,
             split: str = "val_unseen") -> dict[str, Any]:
    """Every figure of the module docstring on ``data`` (the ``val_unseen`` data);
    ``train`` gives the QA majority answers (``data``'s own when ``None``); with the
    ``suite`` (and ``split``) ``data`` was built from, also the share of the speaker's
    instructions the task verifier accepts (:mod:`vlnenv.pretrain.verify`), beside the
    share of the true instructions (the verifier's ceiling)."""
    dev = model.device
    res: dict[str, Any] = {}
    views = lambda c: model.views(torch.as_tensor(render_views(c), device=dev))  # noqa: E731
    texts = lambda ids: model.text(torch.as_tensor(ids, device=dev))  # noqa: E731
    # view <-> caption
    img = _batched(lambda c: model.contrastive.image_proj(views(c).summary), data.view_codes)
    cap = _batched(lambda i: model.contrastive.text_proj(texts(i).summary), data.captions[:, 0])
    scene = torch.as_tensor(data.scene)
    hit = scene[:, None] == scene[None, :]  # (N, N)
    sim = retrieval_logits(img, cap)  # (N, N)
    for k in (1, 5):
        res[f"view_to_caption_r{k}"] = recall_at(sim, hit, k)
        res[f"caption_to_view_r{k}"] = recall_at(sim.T, hit, k)
        res[f"view_caption_chance_r{k}"] = chance_at(hit, k)
    # trajectory <-> instruction
    frames = _batched(lambda c: model.path_frames(torch.as_tensor(render_views(c), device=dev)),
                      data.path_codes, 25)  # (E, K, C)
    path = model.trajectory.embed_path(frames)
    words = _batched(lambda i: model.trajectory.embed_text(texts(i).summary), data.instructions)
    sim = retrieval_logits(path, words)  # (E, E)
    same = torch.eye(len(path), dtype=torch.bool)
    for k in (1, 5):
        res[f"path_to_instruction_r{k}"] = recall_at(sim, same, k)
        res[f"instruction_to_path_r{k}"] = recall_at(sim.T, same, k)
        res[f"path_instruction_chance_r{k}"] = chance_at(same, k)
    # MLM
    gen = torch.Generator().manual_seed(seed)
    inputs, labels = mask_tokens(torch.as_tensor(data.captions[:, 0]), model.config.vocab_size,
                                 gen)
    right = {"text": 0, "view": 0}
    for i in range(0, len(inputs), 100):
        t = texts(inputs[i:i + 100])
        lab = labels[i:i + 100, :t.tokens.shape[1]]
        chosen = lab != IGNORE
        v = views(data.view_codes[i:i + 100])
        for name, ctx in (("text", None), ("view", v.tokens)):
            pred = model.mlm(t.tokens, t.padding, ctx).argmax(-1).cpu()
            right[name] += int((pred[chosen] == lab[chosen]).sum())
    n_chosen = int((labels != IGNORE).sum())
    res["mlm_accuracy_text"] = right["text"] / n_chosen
    res["mlm_accuracy_view"] = right["view"] / n_chosen
    res["mlm_chance"] = float(torch.bincount(labels[labels != IGNORE]).max()) / n_chosen
    # QA
    ref = train or data
    valid = data.answers >= 0
    rows, cols = np.nonzero(valid)
    logits = torch.cat([model.qa.logits(model.fusion, texts(data.question_ids[rows[i:i + 100],
                                                                               cols[i:i + 100]]),
                                        views(data.view_codes[rows[i:i + 100]])).cpu()
                        for i in range(0, len(rows), 100)])
    pred = logits.argmax(-1).numpy()
    gold, kind = data.answers[rows, cols], data.question_kind[rows, cols]
    res["qa_accuracy"] = float((pred == gold).mean())
    majority_hits = 0
    for k, name in enumerate(KINDS):
        mask = kind == k
        ref_answers = ref.answers[ref.question_kind == k]
        major = np.bincount(ref_answers).argmax()
        majority_hits += int((gold[mask] == major).sum())
        res[f"qa_{name}_accuracy"] = float((pred[mask] == gold[mask]).mean())
        res[f"qa_{name}_majority"] = float((gold[mask] == major).mean())
    res["qa_majority"] = majority_hits / len(gold)
    # speaker
    tok = Tokenizer()
    n = min(speaker_items, len(data.view_codes))
    said = model.speaker.greedy(views(data.view_codes[:n]).tokens)
    refs = [[tok.tokenize(t) for t in row] for row in data.caption_text[:n]]
    res["speaker_caption_bleu4"] = corpus_bleu([tok.tokenize(tok.decode(s)) for s in said], refs)
    n = min(speaker_items, len(data.path_codes))
    frames = model.trajectory.frames(
        model.path_frames(torch.as_tensor(render_views(data.path_codes[:n]), device=dev)))
    said = model.speaker.greedy(frames, max_len=100)
    refs = [[tok.tokenize(t)] for t in data.instruction_text[:n]]
    res["speaker_instruction_bleu4"] = corpus_bleu([tok.tokenize(tok.decode(s)) for s in said],
                                                   refs)
    if suite is not None:  # does the speaker's instruction describe the path's task?
        by_id = {ep.episode_id: ep for ep in suite.episodes(split)}
        episodes = [by_id[e] for e in data.path_episodes[:n]]
        paths = [true_actions(ep, suite.houses[ep.house]) for ep in episodes]
        res["speaker_instruction_verified"] = verified_share(
            [tok.decode(s) for s in said], episodes, suite.houses, paths)
        res["true_instruction_verified"] = verified_share(
            data.instruction_text[:n], episodes, suite.houses, paths)
    return res


def evaluate_run(directory: str | Path, views: int = 1000, paths: int = 500,
                 seed: int = 1) -> dict[str, Any]:
    """Evaluate the run in ``directory`` on its suite's ``val_unseen`` houses."""
    model, cfg = load_pretrain_model(directory)
    suite = load_suite(cfg.suite)
    data = build_data(suite, "val_unseen", views, paths, seed)
    train = build_data(suite, "train", 1000, 1, cfg.seed)
    return evaluate(model, data, train, seed, suite=suite)
