"""ModelConfig: presets, validation and the JSON form."""

from __future__ import annotations

import pytest

from agents.models import (
    FUSIONS,
    CellConfig,
    ExploreConfig,
    FarConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
    ModelError,
    MultimodalTransformer,
)
from agents.models.config import NEEDS
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


#: The flat ``ModelConfig.to_dict()`` of the shipped quickstart model as the code before the
#: parts wrote it (commit a7041fd): what ``config.json`` of its runs holds.
OLD_QUICKSTART = {
    "vocab_size": Tokenizer().vocab_size, "max_text_len": 128, "n_embd": 64, "n_head": 4,
    "n_text_layer": 1, "n_vision_layer": 1, "n_fusion_layer": 1, "mlp_ratio": 4,
    "dropout": 0.0, "bias": True, "fusion": "film", "tile": 8, "vision_stem": "pixels",
    "max_view": 9, "n_directions": 4, "n_carrying": 27, "n_actions": 7, "gps": True,
    "gps_range": 16, "recurrent": True, "goal_head": True, "goal_memory": True,
    "memory_distance": True, "explore_memory": True, "goal_path": True, "goal_match": True,
    "match_reader": "attend", "match_room": False, "cell_head": True,
    "mask_instruction": False, "blank_image": False,
}


def test_the_quickstart_preset_is_the_shipped_model_and_old_configs_convert_to_it():
    config = ModelConfig.preset("quickstart")
    assert ModelConfig.from_dict(OLD_QUICKSTART) == config
    assert (config.n_embd, config.fusion, config.gps, config.match, config.memory,
            config.explore) == (64, "film", GpsConfig(16), MatchConfig("attend"),
                                MemoryConfig(distance=True), ExploreConfig(goal_path=True))
    assert config.goal == GoalConfig() and config.cells == CellConfig()


def test_the_default_preset_is_the_plain_config_and_large_only_resizes_it():
    assert ModelConfig.preset("default") == ModelConfig() == ModelConfig.default()
    large = ModelConfig.preset("large", fusion="film")
    assert (large.n_embd, large.n_head, large.fusion, large.goal) == (512, 8, "film", None)
    with pytest.raises(ModelError, match="unknown ModelConfig preset 'huge'"):
        ModelConfig.preset("huge")


def test_a_preset_and_changed_fields_in_a_dict_build_the_preset_changed():
    config = ModelConfig.from_dict({"preset": "quickstart", "n_embd": 32, "explore": None,
                                    "memory": {"distance": False}})
    assert config == ModelConfig.preset("quickstart").replace(
        n_embd=32, explore=None, memory=MemoryConfig(distance=False))


def test_a_config_with_parts_round_trips_through_its_dict():
    config = ModelConfig.preset("quickstart", gps=GpsConfig(range=5))
    data = config.to_dict()
    assert data["gps"] == {"range": 5} and data["goal"] == {}
    assert ModelConfig.from_dict(data) == config


@pytest.mark.parametrize(("old", "message"), [
    ({"vision_stem": "tiles"}, "vision_stem='tiles' was deleted"),
    ({"match_room": True, "goal_match": True}, "match_room=True was deleted"),
    ({"goal_match": True, "match_reader": "tokens"}, "match_reader='tokens' was deleted"),
])
def test_an_old_config_with_a_deleted_option_on_is_refused_naming_it(old, message):
    with pytest.raises(ModelError, match=f"ckpt/config.json: {message}.*a7041fd"):
        ModelConfig.from_dict({**OLD_QUICKSTART, **old}, where="ckpt/config.json")


def test_an_old_option_of_a_part_that_is_off_converts_to_nothing():
    old = {**OLD_QUICKSTART, "explore_memory": False, "goal_path": True, "gps_range": 8}
    config = ModelConfig.from_dict(old)
    assert config.explore is None and config.gps == GpsConfig(range=8)


@pytest.mark.parametrize(("parts", "message"), [
    (dict(goal=GoalConfig(), match=MatchConfig()), r"match needs goal, cells \(missing: cells"),
    (dict(goal=GoalConfig(), gps=GpsConfig(), memory=MemoryConfig(), recurrent=False),
     r"memory needs goal, gps, recurrent \(missing: recurrent"),
    (dict(cells=CellConfig(), explore=ExploreConfig()),
     r"explore needs memory, cells \(missing: memory"),
])
def test_each_needs_rule_names_what_is_missing(parts, message):
    with pytest.raises(ModelError, match=message):
        ModelConfig(fusion="film", **parts)
    assert set(NEEDS) == {"match", "memory", "explore"}


def test_a_part_given_as_something_else_is_refused():
    with pytest.raises(ModelError, match="ModelConfig.gps must be a GpsConfig or None"):
        ModelConfig(gps=True)
    with pytest.raises(ModelError, match="unknown GpsConfig field"):
        ModelConfig.from_dict({"gps": {"radius": 3}})


@pytest.mark.parametrize(("far", "gps", "message"), [
    (dict(exact=-1), 16, r"FarConfig.exact must be an int >= 0, got -1"),
    (dict(exact=True), 16, r"FarConfig.exact must be an int >= 0, got True"),
    (dict(exact=64, reach=64), 16, r"FarConfig.exact \(64\) must be below far.reach \(64\)"),
    (dict(exact=8), 16, r"far.exact \(8\) must be 0 or at least gps.range \(16\)"),
])
def test_a_bad_far_exact_is_refused_naming_the_bound(far, gps, message):
    with pytest.raises(ModelError, match=message):
        ModelConfig(gps=GpsConfig(range=gps), far=FarConfig(**far))


def test_far_exact_moves_the_way_homes_first_bucket_and_nothing_else():
    plain = ModelConfig(gps=GpsConfig(range=16), far=FarConfig(reach=256))
    exact = plain.replace(far=FarConfig(reach=256, exact=40))
    assert (plain.home_limit, plain.home_buckets, plain.far_buckets) == (16, 16, 16)
    # ceil(4 log2(256 / 40)) = ceil(10.71) = 11 buckets from 40 on; the other tables keep 16
    assert (exact.home_limit, exact.home_buckets, exact.far_buckets) == (40, 11, 16)
    assert ModelConfig(gps=GpsConfig()).home_buckets == 0  # no far: clipped at R
