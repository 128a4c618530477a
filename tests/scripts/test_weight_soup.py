"""scripts/weight_soup.py: the mean of models' weights written as a model folder that loads;
refusals for a taken --out, an --out that holds an input, and models of two configs."""

from __future__ import annotations

import torch
from helpers import TINY_MODEL, load_script

from agents.models import MultimodalTransformer
from agents.train.checkpoint import checkpoint_config, load_model
from agents.train.config import resolve_config


def saved(tmp_path, name: str, seed: int, *overrides: str) -> str:
    config = resolve_config(None, [*TINY_MODEL, *overrides]).model
    return str(MultimodalTransformer(config, seed=seed).save_pretrained(tmp_path / name))


def test_the_soup_of_two_models_is_their_mean(tmp_path, capsys):
    script = load_script("scripts/weight_soup.py")
    a, b = saved(tmp_path, "a", 0), saved(tmp_path, "b", 1)
    out = tmp_path / "soup"
    assert script.main([a, b, "--out", str(out)]) == 0
    wa, wb = load_model(a).state_dict(), load_model(b).state_dict()
    soup = load_model(out).state_dict()
    assert all(torch.allclose(soup[k], (wa[k] + wb[k]) / 2, atol=1e-6) for k in soup)
    assert checkpoint_config(out)["soup_of"] == [a, b]
    assert script.main([a, b, "--out", str(out)]) == 2  # taken, no --force
    assert "holds earlier results" in capsys.readouterr().err
    assert script.main([a, b, "--out", str(tmp_path), "--force"]) == 2  # holds the inputs
    assert "an input of this run" in capsys.readouterr().err
    wide = saved(tmp_path, "wide", 0, "model.n_embd=48")
    assert script.main([a, wide, "--out", str(tmp_path / "x")]) == 2
    assert "its model config differs" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
