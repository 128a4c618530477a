"""save_pretrained / from_pretrained: round trips and clear errors for bad files."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import flip_bit_in_first_tensor

from agents.models import FUSIONS, ModelError, MultimodalTransformer, RecurrentState, model_folder


@pytest.mark.parametrize("fusion", sorted(FUSIONS))
def test_round_trip_gives_identical_outputs(fusion, tiny, make_obs, tmp_path):
    model = MultimodalTransformer(tiny(fusion=fusion), seed=3).eval()
    model.save_pretrained(tmp_path / "m")
    loaded = MultimodalTransformer.from_pretrained(tmp_path / "m")
    assert loaded.config == model.config
    assert loaded.tokenizer.tokens == model.tokenizer.tokens
    obs = make_obs(3)
    state = RecurrentState(torch.randn(3, 32))
    for a, b in zip(model.act(obs, state), loaded.act(obs, state), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_save_writes_the_three_files_and_no_temporaries(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.pt", "vocab.txt"]
    meta = json.loads((tmp_path / "config.json").read_text())
    assert meta["format"] == model_folder.FORMAT and meta["config"]["n_embd"] == 32


def test_corrupt_weights_raise_a_clear_error(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    weights = tmp_path / "model.pt"
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(ModelError, match=r"model\.pt: not a readable torch weights file"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_pickled_objects_are_refused(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    torch.save({"weights": object()}, tmp_path / "model.pt")
    with pytest.raises(ModelError, match="model.pt"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_weights_of_another_config_are_named(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    other = MultimodalTransformer(tiny(n_embd=64))
    torch.save(other.state_dict(), tmp_path / "model.pt")
    with pytest.raises(ModelError, match="do not fit the config") as info:
        MultimodalTransformer.from_pretrained(tmp_path)
    assert "\n" not in str(info.value) and "size mismatch" in str(info.value)


def test_missing_folder_says_what_is_missing(tmp_path):
    with pytest.raises(ModelError, match="config.json: config file not found"):
        MultimodalTransformer.from_pretrained(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "text, match",
    [("{not json", "not valid JSON"), ('{"format": "other"}', "format 'other'"),
     ('{"format": "vlnenv.MultimodalTransformer", "version": 1, "config": {"n_embd": -1}}',
      "n_embd")],
)
def test_bad_config_file_raises(text, match, tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(ModelError, match=match):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_vocabulary_that_does_not_fit_raises(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    (tmp_path / "vocab.txt").write_text("<pad>\n<unk>\n<cls>\n<sep>\n<mask>\nstop\n")
    with pytest.raises(ModelError, match=r"vocab\.txt: 6 tokens but config\.vocab_size"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_one_flipped_bit_in_the_weights_is_refused_by_the_crc(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    flip_bit_in_first_tensor(tmp_path / "model.pt")
    with pytest.raises(ModelError, match=r"model\.pt: damaged: .*/data/0 fails its CRC-32 "
                                         r"check"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_a_zero_byte_weights_file_is_a_clear_error(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    (tmp_path / "model.pt").write_bytes(b"")
    with pytest.raises(ModelError, match=r"model\.pt: empty file \(0 bytes\)"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_non_finite_weights_are_refused(tiny, tmp_path):
    model = MultimodalTransformer(tiny())
    state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    model_folder.write_checkpoint(tmp_path, model.config, state, model.tokenizer)
    with pytest.raises(ModelError, match="entries that are NaN or infinite; expected finite"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_a_file_changed_by_hand_fails_the_recorded_sha256(tiny, tmp_path):
    model = MultimodalTransformer(tiny(), seed=0)
    model.save_pretrained(tmp_path)
    torch.save(MultimodalTransformer(tiny(), seed=1).state_dict(), tmp_path / "model.pt")
    with pytest.raises(ModelError, match=r"model\.pt: sha256 .* differs from the .* recorded in "
                                         r"config\.json"):
        MultimodalTransformer.from_pretrained(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    assert sorted(meta["sha256"]) == ["model.pt", "vocab.txt"]


def test_a_folder_without_recorded_hashes_still_loads(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    del meta["sha256"]
    (tmp_path / "config.json").write_text(json.dumps(meta))
    assert MultimodalTransformer.from_pretrained(tmp_path).config.n_embd == 32


def test_a_dropout_that_is_not_a_number_is_a_model_error(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    meta["config"]["dropout"] = "x"
    (tmp_path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"ModelConfig.dropout must be in \[0, 1\), got 'x'"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_a_malformed_sha256_table_is_a_model_error(tiny, tmp_path):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    meta["sha256"]["model.pt"] = 5
    (tmp_path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="sha256 entry 'model.pt': expected hex digests"):
        MultimodalTransformer.from_pretrained(tmp_path)


def test_a_config_too_large_to_build_is_a_model_error(tiny, tmp_path, monkeypatch):
    MultimodalTransformer(tiny()).save_pretrained(tmp_path)

    def no_memory(self, *args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr(MultimodalTransformer, "__init__", no_memory)
    with pytest.raises(ModelError, match=r"config\.json: the model it describes cannot be built "
                                         r"\(RuntimeError: DefaultCPUAllocator"):
        MultimodalTransformer.from_pretrained(tmp_path)
