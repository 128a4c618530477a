"""Building a TrainConfig from defaults, a TOML or JSON file, flat flags and ``--set``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from agents.cli import build_parser
from agents.commands.train import config_from_args
from agents.models import (
    ExploreConfig,
    FarConfig,
    GoalConfig,
    GpsConfig,
    MemoryConfig,
    ModelConfig,
)
from agents.train.config import TrainConfig, read_config_file, resolve_config
from agents.train.errors import TrainError
from agents.train.sections import DEFAULT_TEACHERS
from agents.train.trainer import check_loss_parts


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
    ("data.phrasing=unseen", "data.phrasing"),  # not a phrasing
    ("eval.families=go_to_room,dance", "eval.families"),  # not a family
    ("eval.decoding=beam", "eval.decoding"),  # not a decoding
    ("optim.goal_loss=hinge", "optim.goal_loss"),  # not a goal loss
    ('optim.leg_families=["fetch"]', "optim.leg_families"),  # no words to point at
    ("optim.leg_families=[]", "optim.leg_families"),  # none
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


# --- Composition: ``base = "..."`` then only the keys a file changes -------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_a_base_changes_only_the_keys_it_names(tmp_path: Path):
    write(tmp_path / "parent.toml", '[optim]\nlr = 0.002\nmax_steps = 300\n\n'
          '[data.teacher]\nfetch = "oracle"\n')
    child = write(tmp_path / "child.toml", 'base = "parent.toml"\n\n[optim]\nmax_steps = 500\n'
                  '\n[data.teacher]\nsequence = "oracle"\n')
    config = resolve_config(child)
    assert config.optim.lr == 0.002  # from the base
    assert config.optim.max_steps == 500  # the file beats its base
    assert config.data.teacher == {**DEFAULT_TEACHERS, "fetch": "oracle", "sequence": "oracle"}
    assert read_config_file(child) == {"optim": {"lr": 0.002, "max_steps": 500},
                                       "data": {"teacher": {"fetch": "oracle",
                                                            "sequence": "oracle"}}}


def test_bases_chain_and_a_base_path_is_relative_to_its_file(tmp_path: Path):
    (tmp_path / "deep").mkdir()
    write(tmp_path / "root.toml", "[optim]\nlr = 0.003\nwarmup_steps = 7\n")
    write(tmp_path / "deep" / "middle.toml", 'base = "../root.toml"\n[optim]\nwarmup_steps = 9\n')
    top = write(tmp_path / "top.toml", 'base = "deep/middle.toml"\n[run]\nseed = 4\n')
    config = resolve_config(top)
    assert (config.optim.lr, config.optim.warmup_steps, config.run.seed) == (0.003, 9, 4)


def test_asked_counts_the_keys_of_the_file_chain_only(tmp_path: Path):
    write(tmp_path / "parent.toml", "[optim]\nlr = 0.002\n")
    child = write(tmp_path / "child.toml", 'base = "parent.toml"\n[run]\nseed = 4\n')
    assert resolve_config(child, ["eval.every=3"]).run.asked == (
        "eval.every", "optim.lr", "run.seed")


def test_a_shipped_config_name_is_a_base(tmp_path: Path):
    child = write(tmp_path / "long.toml", 'base = "quickstart"\n[run]\ntime_budget_s = 3600\n')
    config = resolve_config(child)
    assert config.run.time_budget_s == 3600.0
    same = resolve_config("quickstart", ["run.time_budget_s=3600"])
    assert config == same  # the same run, the same settings asked
    assert config.optim.fit_budget is True and config.data.lanes == 8  # the quickstart's


def test_a_missing_base_is_refused_naming_the_file(tmp_path: Path):
    child = write(tmp_path / "child.toml", 'base = "nowhere.toml"\n')
    with pytest.raises(TrainError, match=r"child\.toml: base 'nowhere\.toml': no such file"):
        resolve_config(child)


def test_a_cycle_of_bases_is_refused_naming_the_file(tmp_path: Path):
    write(tmp_path / "a.toml", 'base = "b.toml"\n')
    write(tmp_path / "b.toml", 'base = "a.toml"\n')
    with pytest.raises(TrainError, match=r"b\.toml: base 'a\.toml' makes a cycle \(.*a\.toml "
                       r"-> .*b\.toml -> .*a\.toml\)"):
        resolve_config(tmp_path / "a.toml")
    me = write(tmp_path / "me.toml", 'base = "me.toml"\n')
    with pytest.raises(TrainError, match=r"me\.toml: base 'me\.toml' makes a cycle"):
        resolve_config(me)


def test_a_base_that_is_not_a_string_is_refused(tmp_path: Path):
    child = write(tmp_path / "child.toml", "base = 3\n")
    with pytest.raises(TrainError, match=r"child\.toml: base: expected the name or path"):
        resolve_config(child)


def test_a_ppo_config_composes_through_the_same_reader(tmp_path: Path):
    from agents.rl.config import RLConfig

    write(tmp_path / "ppo.toml", "[ppo]\nlr = 0.0003\nrollout = 64\n\n[env]\nlanes = 8\n")
    child = write(tmp_path / "kl.toml", 'base = "ppo.toml"\n[ppo]\nkl_coef = 0.05\n')
    config = resolve_config(child, ["env.dense_reward=0.1"], base=RLConfig())
    assert isinstance(config, RLConfig)
    assert (config.ppo.lr, config.ppo.rollout, config.ppo.kl_coef) == (0.0003, 64, 0.05)
    assert (config.env.lanes, config.env.dense_reward) == (8, 0.1)
    assert config.run.asked == ("env.dense_reward", "env.lanes", "ppo.kl_coef", "ppo.lr",
                                "ppo.rollout")

def test_resume_compares_a_default_value_that_a_base_names(tmp_path: Path):
    from agents.train.resume import resume_changes

    saved = resolve_config(None, ["optim.lr=0.002"])  # the run being resumed
    write(tmp_path / "parent.toml", "[optim]\nlr = 0.001\n")  # the default lr, named
    child = write(tmp_path / "child.toml", 'base = "parent.toml"\n[run]\nseed = 0\n')
    assert resume_changes(resolve_config(child), saved) == [("optim.lr", 0.002, 0.001)]

#: The resolved configs of the shipped study configs, recorded from the full copies they
#: were before they became ``base = "quickstart.toml"`` plus the keys that differ.
BEFORE_BASE = json.loads((Path(__file__).parent / "data" / "shipped_configs_before_base.json")
                         .read_text(encoding="utf-8"))


def resolved_now_and_before(name: str) -> tuple[dict, dict]:
    """The config ``name`` resolves to now and its recorded one, as JSON (tuples as
    lists), ``run.asked`` left out (checked apart)."""
    now = json.loads(json.dumps(resolve_config(name).to_dict()))
    # recorded in the flat model layout, with optim fields since deleted at their neutral
    # values: read through the same conversion an old run's config.json goes through
    before = json.loads(json.dumps(TrainConfig.from_dict(BEFORE_BASE[name]).to_dict()))
    for config in (now, before):
        del config["run"]["asked"]
    return now, before


@pytest.mark.parametrize("name", sorted(BEFORE_BASE))
def test_study_configs_on_a_base_resolve_as_their_full_copies_did(name: str):
    now, before = resolved_now_and_before(name)
    assert {k: v for k, v in now.items() if k != "model"} == {
        k: v for k, v in before.items() if k != "model"}


@pytest.mark.parametrize("name", sorted(BEFORE_BASE))
def test_study_configs_on_a_base_build_the_models_their_full_copies_did(name: str):
    now, before = resolved_now_and_before(name)
    assert now["model"] == before["model"]


@pytest.mark.parametrize("name", sorted(BEFORE_BASE))
def test_study_configs_on_a_base_ask_what_their_full_copies_asked_and_more(name: str):
    # Named now too: the base's keys, and the defaults written to undo them. (The model's
    # keys are named in the parts layout now: compared above, through the models built.)
    asked = {k for k in BEFORE_BASE[name]["run"]["asked"] if not k.startswith("model.")}
    assert set(resolve_config(name).run.asked) >= asked


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


def test_one_field_of_a_presets_part_changes_that_field_only(tmp_path: Path):
    home = resolve_config("quickstart", ["model.explore.home_path=true"]).model
    assert home == resolve_config("quickstart").model.replace(
        explore=ExploreConfig(goal_path=True, home_path=True))
    file = tmp_path / "study.toml"
    file.write_text('[model]\npreset = "quickstart"\nmatch = { }\n', encoding="utf-8")
    assert resolve_config(file).model.match == ModelConfig.preset("quickstart").match
    assert ModelConfig.preset("quickstart", explore={"home_path": True}).explore == home.explore


def test_the_long_recipe_is_the_quickstart_with_the_tracker_on_all_five_families():
    from vlnenv.language.instructions import FAMILIES

    # the quickstart it was measured on: with its vision layer (quickstart_v12, page 46)
    long, quick = resolve_config("long"), resolve_config("quickstart_v12")
    assert long.model == quick.model.replace(track=long.model.track)  # the way home too
    assert long.model.explore == ExploreConfig(goal_path=True, home_path=True)
    v2 = resolve_config("long_v2")  # the hour on small houses alone (page 27)
    assert (v2.model, v2.data, v2.eval) == (long.model, long.data, long.eval)
    assert v2.optim == dataclasses.replace(long.optim, words_weight=0.0)  # before page 38
    assert v2.run == dataclasses.replace(long.run, time_budget_s=3600.0,
                                         asked=v2.run.asked)
    v1 = resolve_config("long_v1")  # the hour before the way home (page 25)
    assert v1.model == long.model.replace(explore=ExploreConfig(goal_path=True))
    assert (v1.data, v1.optim, v1.eval, v1.run) == (v2.data, v2.optim, v2.eval, v2.run)
    assert long.model.track is not None and quick.model.track is None
    assert long.data.families == tuple(FAMILIES) == long.eval.families
    assert long.optim.goal_families == ("go_to_room", "go_to_object", "fetch")
    assert quick.optim.goal_families is None
    # the first half hour; long_large.toml is the second
    assert long.run.time_budget_s == 1800 and long.optim.fit_budget


def test_the_big_house_curriculum_continues_the_long_model_with_large_houses_and_far_maps():
    cur, long = resolve_config("long_large"), resolve_config("long")
    assert cur.model == long.model.replace(far=FarConfig(reach=256, grow=True))
    assert long.model.far is None
    assert cur.data == dataclasses.replace(long.data, extra_suites=("large",),
                                           long_walk_repeat=6,  # page 39
                                           walk_synth=2, walk_synth_kind="weave")  # page 43
    assert (cur.init.path, cur.init.parts) == ("runs/long/best", ("all",))
    assert cur.optim == dataclasses.replace(long.optim, lr=0.001, warmup_steps=100)
    assert cur.run.time_budget_s == 1800 and cur.run.seed == long.run.seed
    assert cur.eval == long.eval
    before, frozen = resolve_config("long_large_v1"), resolve_config("long_large_v2")
    assert before.model == long.model  # pages 27-30: the same without far (and words, p. 38)
    assert (before.data, before.optim, before.init, before.eval) == (
        frozen.data, frozen.optim, frozen.init, frozen.eval)


def test_the_second_half_hour_plays_long_walks_again_and_its_frozen_versions_do_not():
    large, v3 = resolve_config("long_large_v4"), resolve_config("long_large_v3")
    assert (large.data.long_walk_repeat, large.data.long_walk_from) == (6, 4)
    assert large.data.route_parts  # the repeat is of route parts
    assert v3 == large.replace(data=dataclasses.replace(large.data, long_walk_repeat=1),
                               run=dataclasses.replace(large.run, asked=v3.run.asked))
    for name in ("long", "quickstart", "long_large_v1", "long_large_v2", "long_v3"):
        assert resolve_config(name).data.long_walk_repeat == 1, name


def test_the_second_half_hour_draws_weaves_and_its_frozen_version_is_it_without():
    large, v4 = resolve_config("long_large"), resolve_config("long_large_v4")
    assert (large.data.walk_synth, large.data.walk_synth_kind) == (2, "weave")
    assert (large.model.far.exact, large.data.walk_synth_from) == (0, 8)
    assert v4 == large.replace(data=dataclasses.replace(large.data, walk_synth=0,
                                                        walk_synth_kind="straight"),
                               run=dataclasses.replace(large.run, asked=v4.run.asked))
    for name in ("long", "quickstart", "long_large_v2", "long_large_v3", "long_large_cue_v1"):
        assert resolve_config(name).data.walk_synth == 0, name


def test_the_gpu_recipe_on_five_families_is_the_long_recipes_policy_at_c128():
    gpu, long = resolve_config("gpu_five"), resolve_config("long")
    assert gpu.model == long.model.replace(n_embd=128)
    assert gpu.data.families == long.data.families and len(gpu.data.families) == 5
    assert gpu.optim.goal_families == long.optim.goal_families
    assert (gpu.data.lanes, gpu.data.sampled_episodes, gpu.run.device) == (64, 40000, "auto")
    assert gpu.run.time_budget_s == 3600 and gpu.optim.fit_budget


def test_the_quickstart_trains_routes_on_their_parts_and_reads_them_so():
    quick, long = resolve_config("quickstart"), resolve_config("long")
    assert quick.data.families == ("go_to_room", "go_to_object", "fetch", "follow_route")
    assert quick.data.route_parts and quick.model.read_route_parts and quick.model.read_parts
    assert long.data.route_parts and long.model.read_route_parts  # inherited
    assert not resolve_config("quickstart_v8").data.route_parts
    before = resolve_config("quickstart_v9")  # the quickstart before route parts
    assert before.data.families == ("go_to_room", "go_to_object", "fetch")
    v12 = resolve_config("quickstart_v12")  # the model v9 overlays (page 46)
    assert before.model == v12.model.replace(read_route_parts=False,
                                             explore=ExploreConfig(goal_path=True))
    assert before.data == dataclasses.replace(quick.data, families=before.data.families,
                                              route_parts=False)


def test_the_quickstart_plans_the_way_home_and_its_tenth_version_does_not():
    # v10 and v11 are overlays on the quickstart with its vision layer (v12, page 46)
    quick, v10 = resolve_config("quickstart_v12"), resolve_config("quickstart_v10")
    assert quick.model.explore == ExploreConfig(goal_path=True, home_path=True)
    assert v10.model == quick.model.replace(explore=ExploreConfig(goal_path=True))
    assert v10.data == quick.data and v10.eval == quick.eval
    assert v10.optim == dataclasses.replace(quick.optim, words_weight=0.0)  # before page 37
    for name in [f"quickstart_v{v}" for v in range(3, 10)] + ["long_v1"]:
        explore = resolve_config(name).model.explore
        assert explore is None or not explore.home_path, name


def test_the_quickstart_asks_its_word_reader_and_its_eleventh_version_does_not():
    quick, v11 = resolve_config("quickstart_v12"), resolve_config("quickstart_v11")
    assert quick.optim.words_weight == 1.0 and quick.model.match is not None
    assert v11.optim == dataclasses.replace(quick.optim, words_weight=0.0)
    assert (v11.model, v11.data, v11.eval) == (quick.model, quick.data, quick.eval)


def test_the_quickstart_has_no_vision_layer_and_narrow_mlps_and_its_twelfth_version_has():
    quick, v12 = resolve_config("quickstart"), resolve_config("quickstart_v12")
    assert (quick.model.n_vision_layer, quick.model.mlp_ratio) == (0, 2)  # page 46
    preset = ModelConfig.preset("quickstart")  # the twelfth version's layers are the preset's
    assert v12.model == quick.model.replace(n_vision_layer=preset.n_vision_layer,
                                            mlp_ratio=preset.mlp_ratio) != quick.model
    assert (v12.data, v12.optim, v12.eval) == (quick.data, quick.optim, quick.eval)
    # every older version and the longer recipe keep the model they were measured with
    for name in [f"quickstart_v{v}" for v in range(3, 12)] + ["long", "long_large",
                                                               "long_large_cue", "long_v1"]:
        model = resolve_config(name).model
        assert (model.n_vision_layer, model.mlp_ratio) == (1, 4), name


def test_the_longer_recipe_asks_its_word_reader_and_its_frozen_versions_do_not():
    long, large = resolve_config("long"), resolve_config("long_large_v4")
    assert long.optim.words_weight == large.optim.words_weight == 1.0  # page 38
    v3, v2 = resolve_config("long_v3"), resolve_config("long_large_v2")
    assert v3 == long.replace(optim=dataclasses.replace(long.optim, words_weight=0.0),
                              run=dataclasses.replace(long.run, asked=v3.run.asked))
    assert v2.optim == dataclasses.replace(large.optim, words_weight=0.0)
    assert (v2.model, v2.eval) == (large.model, large.eval)
    assert v2.data == dataclasses.replace(large.data, long_walk_repeat=1)  # before page 39
    assert (v2.init.path, v2.init.parts) == ("runs/long_v3/best", large.init.parts)
    for name in ("long_v1", "long_v2", "long_large_v1"):  # measured before the loss too
        assert resolve_config(name).optim.words_weight == 0.0, name
    assert resolve_config("long_large_v1").init.path == "runs/long_v3/best"


@pytest.mark.parametrize("name", sorted(p.stem for p in (
    Path(__file__).resolve().parents[3] / "agents" / "configs").glob("*.toml")
    if not p.stem.startswith("ppo_")))  # ppo_*: configs of vln train ppo (tests/agents/rl)
def test_every_shipped_config_switches_on_only_losses_its_model_can_take(name):
    config = resolve_config(name)
    check_loss_parts(config.optim, config.model)


def test_the_cue_configs_are_the_longer_recipe_with_the_cue_the_reader_and_the_word_batch():
    for name, base in (("long_cue", "long"), ("long_large_cue", "long_large"),
                       ("long_large_cue_v1", "long_large_v4")):
        cue, plain = resolve_config(name), resolve_config(base)
        assert cue.model == plain.model.replace(memory=MemoryConfig(distance=True, cue=2))
        assert cue.data == dataclasses.replace(plain.data, teacher={
            **plain.data.teacher, "go_to_room": "reader", "sequence": "reader"})
        assert cue.optim == dataclasses.replace(plain.optim, words_batch=32)
        assert cue.eval == plain.eval
        assert cue.run == dataclasses.replace(plain.run, asked=cue.run.asked)
    for name in ("long_large_cue", "long_large_cue_v1"):
        assert resolve_config(name).init.path == "runs/long_cue/best", name
