"""Reading the state token's attention out of ``MultimodalTransformer`` for each fusion,
and ``vln record --attention`` end to end with a saved model."""

import numpy as np
import pytest
from PIL import Image

from agents.viz.heat import AttentionMap
from vlnenv.language.vocab import tokenize

torch = pytest.importorskip("torch")
models = pytest.importorskip("agents.models")


def redness(image):
    return image[..., 0].astype(float) - image[..., 1:].mean(axis=-1)


def single_stream_maps(row):
    t = len(row)
    w = torch.zeros(1, 2, t, t)
    w[0, :, 0] = torch.tensor(row)
    return {"vision.0": torch.zeros(1, 2, 10, 10), "fusion.0": w * 0, "fusion.1": w}


def test_single_stream_row_splits_into_words_and_cells():
    from agents.viz.attention import state_token_attention

    # [state, <cls>, w1, w2, ego, 9 cells]
    row = [0.0, 0.1, 0.2, 0.1, 0.05] + [0.0] * 8 + [0.55]
    att = state_token_attention(single_stream_maps(row), view=3)
    assert att.tokens == pytest.approx([2 / 3, 1 / 3])
    assert att.cells.shape == (3, 3) and att.cells[2, 2] == pytest.approx(1.0)


def test_dual_stream_and_film_maps():
    from agents.viz.attention import state_token_attention

    self_w = torch.zeros(1, 1, 11, 11)
    self_w[0, 0, 0, 2] = 1.0  # first cell, after [state, ego]
    to_text = torch.zeros(1, 1, 11, 4)
    to_text[0, 0, 0] = torch.tensor([0.5, 0.1, 0.3, 0.1])
    att = state_token_attention({"fusion.0.image_self": self_w,
                                 "fusion.0.image_to_text": to_text}, view=3)
    assert att.cells[0, 0] == pytest.approx(1.0) and att.tokens == pytest.approx([0.2, 0.6, 0.2])
    film = torch.zeros(1, 1, 11, 11)
    film[0, 0, 0, -1] = 1.0
    att = state_token_attention({"fusion.0": film, "vision.0": torch.zeros(1, 1, 10, 10)}, 3)
    assert att.tokens is None and att.cells[2, 2] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from agents.models import ModelConfig, MultimodalTransformer

    folder = tmp_path_factory.mktemp("model")
    config = ModelConfig.default(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1)
    MultimodalTransformer(config, seed=0).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("fusion", ["single_stream", "dual_stream"])
def test_real_model_gives_one_weight_per_token_and_cell(fusion):
    from agents.models import ModelConfig, MultimodalTransformer
    from agents.viz.attention import TransformerDriver

    config = ModelConfig.default(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1,
                                 fusion=fusion)
    driver = TransformerDriver(MultimodalTransformer(config), attention=True)
    text = "Walk to the kitchen, then stop."
    obs = {"image": np.zeros((56, 56, 3), np.uint8), "direction": 1, "carrying": 0,
           "instruction": text}
    driver.begin(0)
    decision = driver.act(obs, {})
    assert 0 <= decision.action < 7
    att = decision.attention
    assert isinstance(att, AttentionMap) and att.cells.shape == (7, 7)
    assert att.tokens.shape == (len(tokenize(text)),)
    assert att.cells.sum() == pytest.approx(1.0) and att.tokens.sum() == pytest.approx(1.0)


def test_vln_record_attention_with_a_saved_model(tmp_path, model_dir):
    from agents.cli import main

    out, plain = tmp_path / "att.gif", tmp_path / "plain.gif"
    args = ["record", "--policy", str(model_dir), "--suite", "tiny", "--split", "val_unseen",
            "--episode", "6", "--fps", "8"]
    assert main([*args, "--out", str(out), "--attention"]) == 0
    assert main([*args, "--out", str(plain)]) == 0
    with Image.open(out) as a, Image.open(plain) as b:
        assert a.n_frames == b.n_frames > 1
        a.seek(0)
        b.seek(0)
        first_a, first_b = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
    assert first_a.shape == first_b.shape
    assert redness(first_a).sum() > redness(first_b).sum()  # the heat and shaded words


def test_the_driver_reads_a_sequence_part_by_part_as_the_benchmark_does():
    from agents.models import ModelConfig, MultimodalTransformer
    from agents.viz.attention import TransformerDriver

    config = ModelConfig.default(n_embd=32, n_head=2, n_text_layer=1, n_fusion_layer=1,
                                 read_parts=True)
    driver = TransformerDriver(MultimodalTransformer(config, seed=0), attention=True)
    obs = {"image": np.zeros((56, 56, 3), np.uint8), "direction": 1, "carrying": 0,
           "gps": np.zeros(2, np.int64),
           "instruction": "Go to the kitchen, then go to the nursery."}
    driver.begin(0)
    decision = driver.act(obs, {})
    reading = driver._state.readings[0]
    assert reading.parts == ["Go to the kitchen.", "Go to the nursery."]
    assert decision.attention.tokens is None  # a part's words are not the words shown
    one = {**obs, "instruction": "Walk to the kitchen."}
    driver.begin(1)
    assert driver.act(one, {}).attention.tokens is not None
