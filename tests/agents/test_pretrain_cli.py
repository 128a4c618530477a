"""``vln pretrain``'s options: the encoders of a model preset or of a training config's
model, and clashing options refused."""

from __future__ import annotations

import dataclasses

import pytest

from agents.cli import build_parser
from agents.commands.pretrain import config_from_args
from agents.models import MultimodalTransformer
from agents.models.errors import ModelError
from agents.models.pretrained import load_pretrained_weights
from agents.pretrain.loop import pretrain
from agents.train.config import resolve_config
from agents.train.errors import TrainError
from agents.train.initial_weights import ENCODERS


def _config(*argv: str):
    return config_from_args(build_parser().parse_args(["pretrain", *argv]))


def test_a_preset_gives_its_encoders_and_large_is_the_large_preset():
    assert _config().model.n_embd == 128
    quick = _config("--preset", "quickstart", "--steps", "7")
    assert (quick.model.n_embd, quick.model.fusion, quick.steps) == (64, "film", 7)
    assert quick.model.gps is not None
    assert _config("--large").model == _config("--preset", "large").model
    assert _config("--preset", "quickstart", "--fusion", "energy").model.fusion == "energy"


def test_a_training_config_gives_its_own_models_encoders():
    quick = _config("--config", "quickstart")
    assert quick.model == resolve_config("quickstart").model  # no vision layer (page 46)
    assert quick.model != _config("--preset", "quickstart").model
    assert _config("--config", "quickstart_v12").model.n_vision_layer == 1
    assert _config("--config", "quickstart", "--fusion", "energy").model.fusion == "energy"


def test_encoders_pretrained_for_a_config_load_into_its_model_and_not_the_presets(tmp_path):
    config = dataclasses.replace(_config("--config", "quickstart", "--suite", "tiny",
                                         "--steps", "1", "--batch", "4", "--path-batch", "2",
                                         "--device", "cpu"), views=16, paths=8)
    pretrain(config, tmp_path, progress=False)
    parts = ["text", "vision"]  # init.parts' default
    quick = MultimodalTransformer(resolve_config("quickstart").model)
    report = load_pretrained_weights(quick, tmp_path / ENCODERS, parts=parts, strict=True)
    assert report.loaded and not (report.missing or report.unexpected or report.mismatched)
    with pytest.raises(ModelError, match="missing.*vision.blocks"):
        load_pretrained_weights(MultimodalTransformer(resolve_config("quickstart_v12").model),
                                tmp_path / ENCODERS, parts=parts, strict=True)


def test_a_config_beside_a_preset_is_refused():
    with pytest.raises(TrainError, match="--config quickstart and --preset default"):
        _config("--config", "quickstart", "--preset", "default")
    with pytest.raises(TrainError, match="--config quickstart and --large"):
        _config("--config", "quickstart", "--large")


def test_two_presets_or_an_unknown_one_are_refused():
    with pytest.raises(TrainError, match="--large and --preset quickstart"):
        _config("--large", "--preset", "quickstart")
    with pytest.raises(ModelError, match="nope"):
        _config("--preset", "nope")
