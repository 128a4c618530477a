"""Retrieval recall and its chance level, on hand-made rankings."""

from __future__ import annotations

import math

import torch

from agents.pretrain.evaluate import chance_at, recall_at


def test_recall_counts_a_hit_anywhere_in_the_top_k():
    sim = torch.tensor([[0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.1, 0.2, 0.3]])
    hit = torch.eye(3, dtype=torch.bool)
    assert math.isclose(recall_at(sim, hit, 1), 2 / 3, rel_tol=1e-6)  # rows 0 and 2 hit
    assert recall_at(sim, hit, 2) == 1.0


def test_chance_of_one_hit_among_n_is_k_over_n_and_grows_with_more_hits():
    assert math.isclose(chance_at(torch.eye(1000, dtype=torch.bool), 5), 5 / 1000)
    two = torch.zeros(1, 10, dtype=torch.bool)
    two[0, :2] = True
    assert math.isclose(chance_at(two, 1), 2 / 10)
    assert math.isclose(chance_at(two, 2), 1 - (8 / 10) * (7 / 9))
