"""load_pretrained_weights: a whole model folder, or only named parts of a folder, a
training checkpoint or a module; strict loading lists every missing, unexpected and
mismatched weight in one error and loads nothing."""

from __future__ import annotations

import pytest
import torch

from agents import load_pretrained_weights
from agents.models import ModelConfig
from agents.models.errors import ModelError
from agents.models.model_folder import save_torch_atomic
from agents.models.policy import MultimodalTransformer


def snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def moved(before, model):
    return sorted(k for k, v in model.state_dict().items() if not torch.equal(v, before[k]))


def test_a_whole_saved_folder_loads_every_weight(tiny, tmp_path):
    source = MultimodalTransformer(tiny(), seed=1)
    source.save_pretrained(tmp_path / "m")
    model = MultimodalTransformer(tiny(), seed=2)
    report = load_pretrained_weights(model, tmp_path / "m")
    assert len(report.loaded) == len(model.state_dict())
    for k, v in model.state_dict().items():
        assert torch.equal(v, source.state_dict()[k]), k


def test_the_part_all_loads_every_weight_and_stands_alone(tiny, tmp_path):
    source = MultimodalTransformer(tiny(), seed=1)
    model = MultimodalTransformer(tiny(), seed=2)
    with pytest.raises(ModelError, match="'all' names every weight; expected it alone"):
        load_pretrained_weights(model, source, parts=["all", "text"])
    report = load_pretrained_weights(model, source, parts=["all"])
    assert sorted(report.loaded) == sorted(model.state_dict())
    for k, v in model.state_dict().items():
        assert torch.equal(v, source.state_dict()[k]), k


@pytest.mark.parametrize("parts, prefixes", [
    (["text"], ("text.",)),
    (["vision", "fusion"], ("vision.", "fusion.", "state_emb")),
    (["value_head"], ("value_head.",)),
])
def test_named_parts_move_exactly_their_weights_and_nothing_else(tiny, tmp_path, parts,
                                                                 prefixes):
    source = MultimodalTransformer(tiny(), seed=1)
    source.save_pretrained(tmp_path / "m")
    model = MultimodalTransformer(tiny(), seed=2)
    before = snapshot(model)
    report = load_pretrained_weights(model, tmp_path / "m", parts=parts)
    named = sorted(k for k in before if k.startswith(prefixes))
    assert list(report.loaded) == named
    assert moved(before, model) and set(moved(before, model)) <= set(named)
    for k, v in model.state_dict().items():
        assert torch.equal(v, source.state_dict()[k] if k in named else before[k]), k


def test_parts_of_a_training_checkpoint_and_of_a_module(tiny, tmp_path):
    source = MultimodalTransformer(tiny(), seed=1)
    save_torch_atomic({"format": "x", "model": source.state_dict(), "step": 3},
                      tmp_path / "last.pt")
    for where in (tmp_path / "last.pt", source):
        model = MultimodalTransformer(tiny(), seed=2)
        before = snapshot(model)
        load_pretrained_weights(model, where, parts=["text"])
        assert moved(before, model)
        assert all(k.startswith("text.") for k in moved(before, model))


def test_strict_lists_missing_unexpected_and_mismatched_in_one_error(tiny):
    source = MultimodalTransformer(tiny(n_embd=48), seed=1).state_dict()
    del source["text.tok_emb.weight"]
    source["text.extra"] = torch.zeros(1)
    model = MultimodalTransformer(tiny(), seed=2)
    before = snapshot(model)
    with pytest.raises(ModelError) as err:
        load_pretrained_weights(model, source, parts=["text"])
    message = str(err.value)
    assert "1 missing (text.tok_emb.weight)" in message
    assert "1 unexpected (text.extra)" in message
    assert "mismatched (text." in message and "(48,) vs (32,)" in message
    assert "\n" not in message
    assert moved(before, model) == []


def test_not_strict_loads_what_fits_and_reports_the_rest(tiny):
    source = MultimodalTransformer(tiny(), seed=1).state_dict()
    del source["text.tok_emb.weight"]
    model = MultimodalTransformer(tiny(), seed=2)
    report = load_pretrained_weights(model, source, parts=["text"], strict=False)
    assert report.missing == ("text.tok_emb.weight",)
    assert "text.tok_emb.weight" not in report.loaded and report.loaded


def test_unknown_parts_and_unreadable_sources_are_refused(tiny, tmp_path):
    model = MultimodalTransformer(tiny())
    with pytest.raises(ModelError, match="unknown part 'speech'"):
        load_pretrained_weights(model, model, parts=["speech"])
    with pytest.raises(ModelError, match="weights file not found"):
        load_pretrained_weights(model, tmp_path / "nothing.pt")


def test_default_config_is_what_the_issue_demo_builds():
    assert MultimodalTransformer().config == ModelConfig.default()
