"""Held-out teacher-forced scores equal the per-episode cross-entropy worked out one
demonstration at a time, whatever the grouping."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from agents.models import ModelConfig, MultimodalTransformer
from agents.train.data.demos import generate_demos
from agents.train.data.replay import replay_single
from agents.train.validation import score_demos
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.suites import load_suite


def test_scores_match_one_episode_at_a_time():
    suite = load_suite("tiny")
    demos = generate_demos(suite, "val_unseen", "oracle").subset(range(4))
    model = MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1,
                                              n_vision_layer=1, n_fusion_layer=1,
                                              fusion="film"), seed=3)
    env = GridHouseEnv(EpisodeSource.episodes(list(demos.episodes), dict(suite.houses)))
    nll_sum, hits, steps = 0.0, 0, 0
    for ep, actions, labels in zip(demos.episodes, demos.actions, demos.labels, strict=True):
        r = replay_single(env, ep, suite.houses[ep.house], actions)
        obs = {"image": r.image[None], "direction": r.direction[None],
               "carrying": r.carrying[None], "instruction": [ep.instruction]}
        done = np.zeros((1, len(labels)), bool)
        done[0, 0] = True
        with torch.no_grad():
            logits = model.forward_sequence(obs, None, done).logits[0]  # (T, A)
        target = torch.as_tensor(labels.astype(np.int64))
        nll_sum += float(F.cross_entropy(logits, target, reduction="sum"))
        hits += int((logits.argmax(-1) == target).sum())
        steps += len(labels)
    for group in (1, 3):
        scores = score_demos(model, demos, suite.houses, group=group)
        assert scores["overall"]["steps"] == steps and scores["overall"]["episodes"] == 4
        assert scores["overall"]["nll"] == pytest.approx(nll_sum / steps, rel=1e-5)
        assert scores["overall"]["accuracy"] == pytest.approx(hits / steps)
