"""Turning on ``far`` in a policy trained without it (``agents.models.far_widen``): its
offset and distance tables widened row by row so that every offset and distance reads the
vector it read before, and (maps not growing, no goal memory distance) in a house within
``gps.range`` of the start the widened policy's outputs equal the source's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models import (
    ExploreConfig,
    FarConfig,
    GpsConfig,
    MemoryConfig,
    ModelConfig,
    MultimodalTransformer,
)
from agents.models.errors import ModelError
from agents.models.far_offsets import distance_index, far_buckets, offset_index
from agents.models.far_widen import (
    FAR_TABLES,
    first_values,
    regrid_rows,
    widen_far_tables,
)
from agents.models.vision import egocentric_offsets
from agents.train.errors import TrainError
from agents.train.initial_weights import load_init
from agents.train.sections import InitConfig


def test_regridding_from_no_far_copies_the_clipped_row_into_every_far_bucket_by_hand():
    # offsets, limit 2, 2 buckets a side: rows for -4..4 read the source's clip(x, ±2) + 2
    assert regrid_rows("offset", (2, 0), (2, 2)).tolist() == [0, 0, 0, 1, 2, 3, 4, 4, 4]
    assert regrid_rows("distance", (4, 0), (4, 2)).tolist() == [0, 1, 2, 3, 4, 4, 4]
    # "no path" last
    assert regrid_rows("explore", (4, 0), (4, 2)).tolist() == [0, 1, 2, 3, 4, 4, 4, 5]
    assert regrid_rows("offset", (2, 0), (2, 0)).tolist() == [0, 1, 2, 3, 4]  # no far: unchanged


def test_every_offset_and_distance_reads_the_vector_it_read_without_far():
    limit, extra = 4, far_buckets(4, 64)
    table = torch.randn(2 * limit + 1, 3)  # (rows, C) an offset table without far
    x = torch.arange(-300, 301)  # (V,)
    wide = table[regrid_rows("offset", (limit, 0), (limit, extra))]  # (rows', C)
    assert torch.equal(wide[offset_index(x, limit, extra)], table[offset_index(x, limit, 0)])
    table = torch.randn(2 * limit + 2, 3)  # an explore distance table: 0..2L, "no path"
    wide = table[regrid_rows("explore", (2 * limit, 0), (2 * limit, extra))]
    d = torch.arange(0, 301)
    assert torch.equal(wide[distance_index(d, 2 * limit, extra)],
                       table[distance_index(d, 2 * limit, 0)])
    assert torch.equal(wide[-1], table[-1])


def _config(**far) -> ModelConfig:
    """The quickstart's parts, small, without the goal memory's distance (``far`` reads it
    from the unclipped offsets: the module docstring)."""
    return ModelConfig.preset("quickstart", n_embd=32, gps=GpsConfig(range=4),
                              memory=MemoryConfig(distance=False),
                              explore=ExploreConfig(goal_path=True, home_path=True), **far)


def _walk() -> dict:
    """Eight steps within ``±4`` of the start (random views), holding an object from the
    fifth (the way home is read then)."""
    rng = np.random.default_rng(2)
    gps = np.array([[0, 0], [1, 0], [2, -1], [3, -1], [4, -2], [3, -3], [2, -4], [1, -4]])
    return {"image": rng.integers(0, 255, (8, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, 8), "carrying": np.array([0] * 4 + [5] * 4),
            "gps": gps, "instruction": ["bring me the red cup"] * 8}


def _logits(model: MultimodalTransformer, obs: dict) -> torch.Tensor:
    with torch.no_grad():
        return model.forward_sequence({k: (v[None] if k != "instruction" else [v])
                                       for k, v in obs.items()}, None,
                                      np.eye(1, 8, dtype=bool)).logits  # (1, 8, A)


def test_a_model_given_far_from_widened_weights_acts_as_its_source_in_a_small_house(tmp_path):
    source = MultimodalTransformer(_config(), seed=5).eval()
    source.save_pretrained(tmp_path / "source")
    model = MultimodalTransformer(_config(far=FarConfig(reach=64, grow=False)), seed=6).eval()
    line = load_init(model, InitConfig(path=str(tmp_path / "source"), parts=("all",)))
    assert f"{len(FAR_TABLES) - 1} offset and distance tables widened" in line  # no d_emb
    obs = _walk()
    torch.testing.assert_close(_logits(model, obs), _logits(source, obs))
    memory_only = MultimodalTransformer(_config(far=FarConfig(reach=64)), seed=6)
    line = load_init(memory_only, InitConfig(path=str(tmp_path / "source"), parts=("memory",)))
    assert "(5 offset and distance tables widened" in line  # memory.f/r_emb, explore.*d_emb
    fresh = MultimodalTransformer(_config(far=FarConfig(reach=64, grow=False)), seed=6).eval()
    assert not torch.allclose(_logits(fresh, obs), _logits(source, obs))


def test_tables_already_wide_load_as_they_are_and_other_shapes_are_refused(tmp_path):
    config = _config(far=FarConfig(reach=64))
    wide = MultimodalTransformer(config, seed=5).state_dict()
    same, widened = widen_far_tables(wide, config)
    assert widened == () and all(torch.equal(same[k], wide[k]) for k in wide)
    assert widen_far_tables(wide, _config())[1] == ()  # no far: nothing to widen
    bad = {**wide, "memory.f_emb.weight": torch.zeros(12, 32)}
    with pytest.raises(ModelError, match=r"memory.f_emb.weight: 12 rows; expected 41 \(.*\) "
                                         r"or, to widen, 9 \(no far\)$"):
        widen_far_tables(bad, config)
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(TrainError, match="init.path = .*bad.pt: memory.f_emb.weight: 12 rows"):
        load_init(MultimodalTransformer(config, seed=6), InitConfig(path=str(tmp_path / "bad.pt"),
                                                                    parts=("all",)))
    torch.save({k: v for k, v in wide.items() if k != "value_head.bias"}, tmp_path / "cut.pt")
    with pytest.raises(TrainError, match=r"loading .*cut.pt: 1 missing \(value_head.bias\)"):
        load_init(MultimodalTransformer(config, seed=6), InitConfig(path=str(tmp_path / "cut.pt"),
                                                                    parts=("all",)))


def test_regridded_rows_give_every_value_up_to_exact_the_source_row_it_read():
    source, target = (16, far_buckets(16, 256)), (40, far_buckets(40, 256))
    table = torch.randn(2 * sum(source) + 1, 3)  # (rows, C) a way-home table with far
    wide = table[regrid_rows("offset", source, target)]  # (rows', C)
    x = torch.arange(-40, 41)
    assert torch.equal(wide[offset_index(x, *target)], table[offset_index(x, *source)])
    # beyond 40 a bucket reads the source row of its smallest value: 41 -> 16 + ceil(4 log2
    # (41 / 16)) = 22 of the source, 45 (in 41's bucket, 41-47) -> 22, 48 (the next
    # bucket's first) -> 16 + ceil(4 log2 3) = 23
    far = torch.tensor([41, 45, -48])
    rows = regrid_rows("offset", source, target)[offset_index(far, *target)]
    assert (rows - sum(source)).tolist() == [22, 22, -23]
    # the clipped layout: every far bucket reads the clipped row, "no path" stays last
    assert regrid_rows("explore", (8, 0), (8, 3)).tolist() == [*range(9), 8, 8, 8, 9]
    assert first_values(2, 2).tolist() == [0, 1, 2, 3, 3]  # no whole distance in bucket 3


def test_a_model_given_far_exact_from_far_weights_acts_as_its_source_within_exact(tmp_path):
    # the walk goes 4 cells out: past R = 2, within exact = 4, where the source reads
    # buckets and the model exact rows copied from them
    config = _config(far=FarConfig(reach=64, grow=False)).replace(gps=GpsConfig(range=2))
    source = MultimodalTransformer(config, seed=5).eval()
    source.save_pretrained(tmp_path / "source")
    exact = config.replace(far=FarConfig(reach=64, grow=False, exact=4))
    model = MultimodalTransformer(exact, seed=6).eval()
    line = load_init(model, InitConfig(path=str(tmp_path / "source"), parts=("all",)))
    assert "(2 offset and distance tables widened" in line  # the way home's two
    obs = _walk()
    torch.testing.assert_close(_logits(model, obs), _logits(source, obs))
    f, _ = egocentric_offsets(-torch.as_tensor(obs["gps"]), torch.as_tensor(obs["direction"]))
    assert f.abs().max() > 2  # the walk reads buckets in the source
