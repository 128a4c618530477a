"""Training checkpoints refuse damaged files: a zero-byte ``last.pt``, a flipped bit (the
zip CRC), non-finite weights; each a one-line ``TrainError``."""

from __future__ import annotations

import pytest
import torch
from helpers import flip_bit_in_first_tensor

from agents.models import ModelConfig, MultimodalTransformer
from agents.train.checkpoint import load_checkpoint, model_of, save_checkpoint
from agents.train.errors import TrainError

TINY = ModelConfig(n_embd=32, n_head=2, n_text_layer=1, n_vision_layer=1, n_fusion_layer=1,
                   dropout=0.0)


def payload(model: MultimodalTransformer, nan: bool = False) -> dict:
    state = {k: (torch.full_like(v, float("nan")) if nan and v.is_floating_point() else v)
             for k, v in model.state_dict().items()}
    return {"kind": "bc", "model": state, "model_config": model.config.to_dict(),
            "vocab": list(model.tokenizer.tokens), "config": {}}


def test_a_zero_byte_checkpoint_is_a_clear_error_not_an_index_error(tmp_path):
    (tmp_path / "last.pt").write_bytes(b"")
    with pytest.raises(TrainError, match=r"last\.pt: empty file \(0 bytes\)"):
        load_checkpoint(tmp_path / "last.pt")


def test_a_flipped_bit_in_a_checkpoint_fails_its_crc(tmp_path):
    path = save_checkpoint(tmp_path / "last.pt", payload(MultimodalTransformer(TINY, seed=0)))
    flip_bit_in_first_tensor(path)
    with pytest.raises(TrainError, match=r"last\.pt: damaged: .* fails its CRC-32 check"):
        load_checkpoint(path)


def test_non_finite_checkpoint_weights_are_refused(tmp_path):
    model = MultimodalTransformer(TINY, seed=0)
    path = save_checkpoint(tmp_path / "last.pt", payload(model, nan=True))
    with pytest.raises(TrainError, match="NaN or infinite; expected finite weights"):
        model_of(load_checkpoint(path), str(path))


def test_a_checkpoint_without_its_config_is_named(tmp_path):
    data = payload(MultimodalTransformer(TINY, seed=0))
    del data["config"]
    path = save_checkpoint(tmp_path / "last.pt", data)
    with pytest.raises(TrainError, match=r"a training checkpoint without \['config'\]"):
        load_checkpoint(path)
