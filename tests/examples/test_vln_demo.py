"""examples/vln_demo.py runs as printed: with a trained model folder (its config is read,
its weights loaded) and, where there is none, with an untrained model."""

from __future__ import annotations

import torch
from helpers import ROOT, load_script

from agents.models import ModelConfig
from agents.models.policy import MultimodalTransformer

DEMO = load_script("examples/vln_demo.py")
FAMILY = str(ROOT / "maps" / "houses" / "family_house.toml")


def test_demo_runs_an_untrained_model_when_there_is_no_folder(tmp_path, capsys):
    torch.set_num_threads(1)
    assert DEMO.main([str(tmp_path / "none"), "--max-steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "running an untrained model" in out
    assert "Go to the bedroom and bring me a pillow" in out and "'family': 'fetch'" in out
    assert "unfinished after 3 steps" in out


def test_demo_loads_a_saved_folder_with_its_own_config(tmp_path, capsys):
    torch.set_num_threads(1)
    config = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1,
                         n_fusion_layer=1, fusion="film")
    MultimodalTransformer(config, seed=3).save_pretrained(tmp_path / "model")
    model = DEMO.build_model(tmp_path / "model")
    assert model.config == config
    assert torch.equal(model.text.tok_emb.weight,
                       MultimodalTransformer(config, seed=3).text.tok_emb.weight)
    assert DEMO.main([str(tmp_path / "model"), "--house", FAMILY, "--start", "9,10,0",
                      "--instruction", "Go to the living room and bring me a pillow",
                      "--max-steps", "4"]) == 0
    out = capsys.readouterr().out
    assert "(text features (1, 32))" in out and "'room': 'L'" in out
