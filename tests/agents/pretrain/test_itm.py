"""ITM hard negatives: never a text of the view's own scene, drawn by similarity."""

from __future__ import annotations

import torch

from agents.pretrain.itm import hard_negatives


def test_negatives_never_describe_the_positive_scene():
    gen = torch.Generator().manual_seed(0)
    scene = torch.tensor([0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6])
    for _ in range(200):
        sim = torch.randn(12, 12, generator=gen) * 5
        neg = hard_negatives(sim, scene, gen)
        assert bool((scene[neg] != scene).all())


def test_a_batch_of_one_scene_has_no_negative():
    gen = torch.Generator().manual_seed(0)
    neg = hard_negatives(torch.zeros(3, 3), torch.tensor([7, 7, 7]), gen)
    assert neg.tolist() == [-1, -1, -1]


def test_the_most_similar_other_scene_is_drawn():
    gen = torch.Generator().manual_seed(0)
    sim = torch.zeros(3, 3)
    sim[0, 2] = sim[1, 0] = sim[2, 1] = 50.0
    sim[0, 1] = 60.0  # same scene as 0: never drawn
    neg = hard_negatives(sim, torch.tensor([0, 0, 1]), gen)
    assert neg.tolist() == [2, 2, 1]
