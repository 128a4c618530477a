"""ModelConfig: presets, validation and the JSON form."""

from __future__ import annotations

import pytest

from agents.models import FUSIONS, ModelConfig, ModelError, MultimodalTransformer
from vlnenv.language.vocab import Tokenizer


def test_default_vocab_is_the_shipped_tokenizer():
    assert ModelConfig().vocab_size == Tokenizer().vocab_size


@pytest.mark.parametrize("fusion", sorted(FUSIONS))
def test_default_preset_is_cpu_sized(fusion):
    n = MultimodalTransformer(ModelConfig.default(fusion=fusion)).num_parameters()
    assert 0.5e6 <= n <= 2e6


def test_large_preset_is_larger():
    large = MultimodalTransformer(ModelConfig.large()).num_parameters()
    assert large > 10 * MultimodalTransformer(ModelConfig.default()).num_parameters()


@pytest.mark.parametrize(
    "field, value",
    [("n_embd", 0), ("n_head", 3), ("dropout", 1.0), ("n_text_layer", -1), ("tile", 2.5),
     ("recurrent", 1), ("fusion", "")],
)
def test_invalid_field_raises_model_error_naming_it(field, value):
    with pytest.raises(ModelError, match=field if field != "n_head" else "n_head"):
        ModelConfig(**{field: value})


def test_dict_round_trip():
    config = ModelConfig.large(fusion="film", recurrent=False)
    assert ModelConfig.from_dict(config.to_dict()) == config


def test_unknown_field_in_dict_is_named():
    data = ModelConfig().to_dict() | {"n_layers": 3}
    with pytest.raises(ModelError, match="n_layers"):
        ModelConfig.from_dict(data, where="ckpt/config.json")


def test_replace_validates():
    with pytest.raises(ModelError):
        ModelConfig().replace(n_head=5)
