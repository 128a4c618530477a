"""benchmarks/model_throughput.py: FLOPs are counted, attention included, and a step runs."""

from __future__ import annotations

import torch
from helpers import load_script

from agents.models import ModelConfig, MultimodalTransformer


def test_flop_count_matches_the_analytic_count(make_obs):
    bench = load_script("benchmarks/model_throughput.py")
    bench._register_cpu_attention_flops()
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=0, n_vision_layer=1,
                         n_fusion_layer=1, fusion="film")
    model = MultimodalTransformer(config)
    obs = make_obs(4, side=3 * 8)  # 9 cells + ego token = 10 tokens, no text layers
    with torch.utils.flop_counter.FlopCounterMode(display=False) as counter:
        model(obs)
    B, N, C, S = 4, 10, 32, 11  # vision and FiLM layers over N tokens, read over S = 1 + N
    per_layer = lambda n: 2 * n * (3 * C * C + C * C + 8 * C * C) + 4 * n * n * C  # noqa: E731
    read = (2 * C * C + 2 * S * 2 * C * C + 4 * S * C + 2 * C * C  # q, kv, attention, proj
            + 2 * 8 * C * C)  # feed-forward of the one state token
    expected = B * (2 * 9 * 192 * C + 2 * per_layer(N)  # patches, vision and FiLM layers
                    + 2 * C * 2 * C  # FiLM (gamma, beta)
                    + read
                    + 2 * C * (7 + 1 + 1))  # heads
    assert counter.get_total_flops() == expected


def test_measure_runs(make_obs):
    bench = load_script("benchmarks/model_throughput.py")
    bench._register_cpu_attention_flops()
    obs = make_obs(2)
    result = bench.measure("single_stream", "default", obs, torch.device("cpu"), seconds=0.0)
    assert result["flops"] > 0 and result["steps"] == 3 and result["best_s"] > 0
