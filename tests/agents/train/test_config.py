"""Building a TrainConfig from defaults, a TOML or JSON file, flat flags and ``--set``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.cli import build_parser
from agents.commands.train import config_from_args
from agents.models import ExploreConfig, GoalConfig, GpsConfig, MemoryConfig, ModelConfig
from agents.train.config import DEFAULT_TEACHERS, TrainConfig, resolve_config
from agents.train.errors import TrainError


def parse(*argv: str):
    return config_from_args(build_parser().parse_args(["train", "bc", *argv]))


def test_defaults_round_trip_through_a_dict():
    config = TrainConfig()
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert config.data.teacher == DEFAULT_TEACHERS
    assert config.data.teacher["follow_route"] == "oracle"
    assert config.data.teacher["fetch"] == "explorer"


def test_command_line_overrides_are_parsed_by_field_type():
    config = parse("--suite", "tiny", "--time-budget", "90", "--out", "runs/x",
                   "--set", "optim.lr=3e-4", "--set", "model.fusion=film",
                   "--set", "eval.splits=val_unseen", "--set", "eval.select=val_unseen",
                   "--set", "data.teacher.fetch=oracle", "--set", "data.max_episodes=none",
                   "--set", "run.deterministic=true")
    assert config.data.suite == "tiny"
    assert config.run.time_budget_s == 90.0
    assert config.run.out == "runs/x"
    assert config.optim.lr == 3e-4
    assert config.model.fusion == "film"
    assert config.eval.splits == ("val_unseen",)
    assert config.data.teacher == {**DEFAULT_TEACHERS, "fetch": "oracle"}
    assert config.data.max_episodes is None
    assert config.run.deterministic is True


def test_toml_file_then_flags_then_set(tmp_path: Path):
    file = tmp_path / "cpu.toml"
    file.write_text('[model]\nn_embd = 64\nfusion = "film"\n\n[optim]\nlr = 0.002\n'
                    'max_steps = 300\n\n[data.teacher]\nsequence = "oracle"\n', encoding="utf-8")
    config = parse("--config", str(file), "--max-steps", "500", "--set", "optim.lr=0.001")
    assert config.model.n_embd == 64 and config.model.fusion == "film"
    assert config.optim.max_steps == 500  # the flag beats the file
    assert config.optim.lr == 0.001  # --set beats the file
    assert config.data.teacher["sequence"] == "oracle"
    assert config.data.teacher["go_to_room"] == "explorer"  # merged, not replaced


def test_json_file_as_a_run_writes_it(tmp_path: Path):
    file = tmp_path / "config.json"
    base = resolve_config(None, ["optim.warmup_steps=7"]).to_dict()
    file.write_text(json.dumps({"format": "vlnenv.TrainConfig", "config": base}),
                    encoding="utf-8")
    assert resolve_config(file).optim.warmup_steps == 7


@pytest.mark.parametrize(("override", "names"), [
    ("optim.lrate=1", "optim.lrate"),  # unknown field
    ("optimizer.lr=1", "optimizer"),  # unknown section
    ("optim.max_steps=many", "optim.max_steps"),  # not an int
    ("optim.lr=-1", "optim.lr"),  # out of range
    ("data.teacher.fetch=human", "data.teacher.fetch"),  # not a teacher
    ("data.families=go_to_kitchen", "data.families"),  # not a family
    ("eval.families=go_to_room,dance", "eval.families"),  # not a family
    ("eval.decoding=beam", "eval.decoding"),  # not a decoding
    ("optim.goal_loss=hinge", "optim.goal_loss"),  # not a goal loss
    ("optim.match_labels=size", "optim.match_labels: deleted"),  # deleted option
    ("optim.stop_weight=0", "optim.stop_weight: deleted"),  # deleted, not at its neutral 1
    ("optim.match_weight=1", "optim.match_weight: deleted"),  # deleted, not at its neutral 0
    ("model.vision_stem=tiles", "vision_stem='tiles' was deleted"),  # deleted model option
    ("model.n_head=3", "n_head"),  # the model config's own check
    ("lr=1", "section.field=value"),  # no section
])
def test_bad_overrides_name_the_field(override: str, names: str):
    with pytest.raises(TrainError, match=names.replace(".", r"\.")):
        resolve_config(None, [override])


def test_bad_file_names_the_file(tmp_path: Path):
    file = tmp_path / "bad.toml"
    file.write_text("[optim\n", encoding="utf-8")
    with pytest.raises(TrainError, match="bad.toml"):
        resolve_config(file)


def test_an_old_run_config_with_deleted_options_at_their_neutral_values_still_loads():
    old = {"model": {"n_embd": 32, "n_head": 2, "fusion": "film", "goal_head": True,
                     "vision_stem": "pixels", "match_room": False},
           "optim": {"stop_weight": 1.0, "match_weight": 0.0,
                     "match_labels": ["base", "kind", "colour"], "lr": 0.001}}
    config = TrainConfig.from_dict(old)
    assert config.model.goal is not None and config.optim.lr == 0.001


def test_a_model_preset_in_a_file_or_override_comes_under_the_changed_fields(tmp_path: Path):
    file = tmp_path / "study.toml"
    file.write_text('[model]\npreset = "quickstart"\nn_embd = 32\n'
                    'explore = { goal_path = false }\n', encoding="utf-8")
    config = resolve_config(file, ["model.memory.distance=false"])
    assert config.model == ModelConfig.preset("quickstart").replace(
        n_embd=32, explore=ExploreConfig(goal_path=False), memory=MemoryConfig(distance=False))
    assert resolve_config(None, ["model.preset=quickstart"]).model == ModelConfig.preset(
        "quickstart")
    on = resolve_config(None, ["model.fusion=film", "model.goal={}", "model.gps.range=8"]).model
    assert on.goal == GoalConfig() and on.gps == GpsConfig(range=8)
    off = resolve_config(None, ["model.preset=quickstart", "model.explore=none"]).model
    assert off.explore is None and off.memory is not None
