"""Retrieval recall and its chance level, on hand-made rankings."""

from __future__ import annotations

import math

import torch

from agents.commands.pretrain import ROWS
from agents.models.config import ModelConfig
from agents.pretrain.data import build_data
from agents.pretrain.model import PretrainModel
from agents.pretrain.probes import chance_at, evaluate, recall_at
from vlnenv.suites.load import load_suite


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


def test_evaluation_reports_every_figure_and_chance_as_the_table_reads_them():
    suite = load_suite("tiny")
    data = build_data(suite, "val_unseen", 30, 10, seed=1)
    model = PretrainModel(ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                                      n_fusion_layer=1)).eval()
    res = evaluate(model, data, speaker_items=3, suite=suite)
    for _, key, chance in ROWS:
        assert 0.0 <= res[key] <= 1.0, key
        assert not chance or 0.0 < res[chance] <= 1.0, chance
    assert math.isclose(res["path_instruction_chance_r1"], 1 / 10)
    assert res["true_instruction_verified"] == 1.0  # the verifier's ceiling: the truth
    assert res["speaker_instruction_verified"] == 0.0  # an untrained speaker says nothing


def test_without_the_suite_the_verified_share_is_left_out():
    suite = load_suite("tiny")
    data = build_data(suite, "val_unseen", 30, 10, seed=1)
    model = PretrainModel(ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                                      n_fusion_layer=1)).eval()
    res = evaluate(model, data, speaker_items=2)
    assert "speaker_instruction_verified" not in res and "speaker_instruction_bleu4" in res
