"""``vln pretrain``'s options: the encoders of a model preset, and clashing options
refused."""

from __future__ import annotations

import pytest

from agents.cli import build_parser
from agents.commands.pretrain import config_from_args
from agents.models.errors import ModelError
from agents.train.errors import TrainError


def _config(*argv: str):
    return config_from_args(build_parser().parse_args(["pretrain", *argv]))


def test_a_preset_gives_its_encoders_and_large_is_the_large_preset():
    assert _config().model.n_embd == 128
    quick = _config("--preset", "quickstart", "--steps", "7")
    assert (quick.model.n_embd, quick.model.fusion, quick.steps) == (64, "film", 7)
    assert quick.model.gps is not None
    assert _config("--large").model == _config("--preset", "large").model
    assert _config("--preset", "quickstart", "--fusion", "energy").model.fusion == "energy"


def test_two_presets_or_an_unknown_one_are_refused():
    with pytest.raises(TrainError, match="--large and --preset quickstart"):
        _config("--large", "--preset", "quickstart")
    with pytest.raises(ModelError, match="nope"):
        _config("--preset", "nope")
