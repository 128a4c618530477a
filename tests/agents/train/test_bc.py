"""Behaviour cloning on the tiny suite: the loss falls, the run folder holds what the
benchmark and the recorder read, and the time budget ends a run cleanly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from agents.benchmark.errors import PolicyLookupError
from agents.benchmark.model_factories import split_temperature
from agents.benchmark.registry import make_policy
from agents.cli import main as vln
from agents.evaluation.in_training import family_indices
from agents.evaluation.model_policy import ModelPolicy
from agents.train.bc import train_bc
from agents.train.checkpoint import load_checkpoint, load_model
from agents.train.errors import TrainError
from agents.viz.driver_factory import make_driver
from agents.viz.plots import plot_curves
from vlnenv.eval.evaluate import evaluate
from vlnenv.suites.load import load_suite


def rows(path: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_few_dozen_steps_lower_the_loss(bc_run):
    losses = [float(r["loss"]) for r in rows(bc_run.log) if r["loss"]]
    assert len(losses) == 8  # a row every 5 of 40 steps
    assert losses[-1] < 0.8 * losses[0]
    assert bc_run.steps == 40 and bc_run.stopped_by == "max_steps"
    assert bc_run.samples == 40 * 4 * 8


def test_the_run_folder_holds_logs_checkpoints_and_models(bc_run, tmp_path: Path):
    out = Path(bc_run.out)
    for name in ("config.json", "log.csv", "evals.jsonl", "last.pt", "best.pt", "result.json"):
        assert (out / name).is_file(), name
    for folder in ("last", "best"):
        assert {"config.json", "model.pt", "vocab.txt", "train_config.json"} <= {
            p.name for p in (out / folder).iterdir()}
    result = json.loads((out / "result.json").read_text())
    assert result["config"]["optim"]["max_steps"] == 40
    assert set(result["final_eval"]) == {"val_seen", "val_unseen"}
    columns = rows(bc_run.log)[0].keys()
    assert {"step", "loss", "lr", "sr_val_seen", "sr_val_unseen", "samples/s",
            "elapsed"} <= set(columns)
    assert plot_curves(bc_run.log, tmp_path / "curves.png").is_file()
    ckpt = load_checkpoint(out / "last.pt")  # weights_only=True
    assert ckpt["step"] == 40 and ckpt["config"]["data"]["suite"] == "tiny"
    assert {"optimizer", "scheduler", "ranks", "model", "vocab", "model_config"} <= set(ckpt)
    assert isinstance(ckpt["ranks"][0]["rng"]["torch"], torch.Tensor)


@pytest.mark.parametrize("which", ["best", "last.pt"])
def test_checkpoint_policies_run_in_the_benchmark(bc_run, which: str):
    spec = str(Path(bc_run.out) / which)
    policy = make_policy(spec)
    assert isinstance(policy, ModelPolicy)
    records = evaluate(policy, "tiny", "val_unseen", episodes=2, batch=2)
    assert len(records) == 2 and policy.config()["path"] == spec
    assert make_driver(spec).needs_expert is False  # vln record --policy works too


def test_parts_and_whole_policies_say_how_they_read_and_agree_on_one_part_tasks(bc_run):
    path = str(Path(bc_run.out) / "best")
    parts, whole = make_policy("parts:" + path), make_policy("whole:" + path)
    assert (parts.config()["read_parts"], whole.config()["read_parts"]) == (True, False)
    assert make_policy(path).read_parts is False  # as the tiny model's config says
    suite = load_suite("tiny")
    one_part = family_indices(suite, "val_unseen", ["go_to_room", "go_to_object", "fetch"], 4)
    assert ([r["actions"] for r in evaluate(parts, "tiny", "val_unseen", episodes=one_part,
                                            batch=2)]
            == [r["actions"] for r in evaluate(whole, "tiny", "val_unseen", episodes=one_part,
                                               batch=2)])
    sequences = family_indices(suite, "val_unseen", ["sequence"], 2)
    assert len(evaluate(parts, "tiny", "val_unseen", episodes=sequences, batch=2)) == 2


def test_sampled_policies_draw_the_same_actions_in_any_batch(bc_run):
    spec = "sampled:" + str(Path(bc_run.out) / "best")
    runs = [evaluate(make_policy(spec, seed=3), "tiny", "val_unseen", episodes=3, batch=b)
            for b in (1, 3)]
    assert [r["actions"] for r in runs[0]] == [r["actions"] for r in runs[1]]
    other = evaluate(make_policy(spec, seed=4), "tiny", "val_unseen", episodes=3, batch=3)
    assert [r["actions"] for r in other] != [r["actions"] for r in runs[0]]
    assert make_policy(spec).config()["name"] == "sampled"
    with pytest.raises(TrainError, match="sampled:runs"):
        make_policy("sampled")


def test_sampled_policies_take_a_temperature_after_the_path(bc_run, tmp_path: Path):
    best = str(Path(bc_run.out) / "best")
    assert make_policy(f"sampled:{best}@0.5").config()["temperature"] == 0.5
    assert make_policy(f"sampled:{best}").config()["temperature"] == 1.0
    assert split_temperature("runs/x/best@0.25") == ("runs/x/best", 0.25)
    odd = tmp_path / "model@2"  # a folder whose own name has an @ is taken whole
    odd.mkdir()
    assert split_temperature(str(odd)) == (str(odd), 1.0)
    for bad in ("0", "-1", "hot", "inf", "nan", ""):
        with pytest.raises(PolicyLookupError, match="temperature > 0"):
            make_policy(f"sampled:{best}@{bad}")
    cold = evaluate(make_policy(f"sampled:{best}@0.01", seed=3), "tiny", "val_unseen",
                    episodes=3, batch=3)
    greedy = evaluate(make_policy(best), "tiny", "val_unseen", episodes=3, batch=3)
    assert [r["actions"] for r in cold] == [r["actions"] for r in greedy]


def test_margin_policies_stop_only_by_the_margin(bc_run):
    best = str(Path(bc_run.out) / "best")
    assert make_policy(f"margin:{best}@1.5").config()["stop_margin"] == 1.5
    assert make_policy(f"margin:{best}").config()["stop_margin"] == 1.0
    for bad in ("-1", "cold", "inf", "nan"):
        with pytest.raises(PolicyLookupError, match="stop margin >= 0"):
            make_policy(f"margin:{best}@{bad}")
    zero = evaluate(make_policy(f"margin:{best}@0"), "tiny", "val_unseen", episodes=3, batch=3)
    greedy = evaluate(make_policy(best), "tiny", "val_unseen", episodes=3, batch=3)
    assert [r["actions"] for r in zero] == [r["actions"] for r in greedy]
    never = evaluate(make_policy(f"margin:{best}@1e9"), "tiny", "val_unseen", episodes=3,
                     batch=3)
    assert not any(r["stopped"] for r in never)
    from agents.evaluation.model_policy import ModelPolicy
    from agents.models.errors import ModelError

    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ModelError, match="stop_margin"):
            ModelPolicy(make_policy(best).model, stop_margin=bad)


def test_ensemble_policies_load_every_member_and_refuse_fewer_than_two(bc_run):
    best, last = str(Path(bc_run.out) / "best"), str(Path(bc_run.out) / "last.pt")
    policy = make_policy(f"ensemble:{best}+{last}")
    assert policy.config()["members"] == [best, last]
    assert len(evaluate(policy, "tiny", "val_unseen", episodes=2, batch=2)) == 2
    for bad in (best, f"{best}+", f"{best}+{best}", ""):
        with pytest.raises(PolicyLookupError, match="ensemble:PATH\\+PATH|named twice"):
            make_policy(f"ensemble:{bad}")
    with pytest.raises(TrainError):
        make_policy(f"ensemble:{best}+runs/nothing/here")


def test_the_stop_margin_takes_the_next_action_where_stop_wins_by_less():
    from types import SimpleNamespace

    from agents.evaluation.model_policy import ModelPolicy
    from vlnenv.actions import Action

    logits = torch.zeros(2, len(Action))  # (n, A)
    logits[0, Action.STOP], logits[0, Action.FORWARD] = 2.0, 1.5  # STOP by 0.5
    logits[1, Action.STOP], logits[1, Action.TURN_LEFT] = 3.0, 1.0  # STOP by 2.0
    pick = ModelPolicy._pick
    for margin, want in ((0.0, [Action.STOP, Action.STOP]), (0.4, [Action.STOP, Action.STOP]),
                         (1.0, [Action.FORWARD, Action.STOP]),
                         (2.5, [Action.FORWARD, Action.TURN_LEFT])):
        assert pick(SimpleNamespace(stop_margin=margin), logits, [], []).tolist() == want
    assert logits[0, Action.STOP] == 2.0  # the logits are left as they were


def test_vln_benchmark_takes_a_run_folder(bc_run, tmp_path: Path, capsys):
    best = str(Path(bc_run.out) / "best")
    code = vln(["benchmark", "--suite", "tiny", "--split", "val_unseen", "--policy", best,
                "--episodes", "2", "--out", str(tmp_path / "bench")])
    assert code == 0
    assert json.loads((tmp_path / "bench" / "results.json").read_text())["episodes"] == 2


def test_a_fresh_run_never_overwrites_one(bc_run, tiny_config):
    config = tiny_config(f"run.out={bc_run.out}")
    with pytest.raises(TrainError, match="already holds a run"):
        train_bc(config)
    with pytest.raises(TrainError, match="no checkpoint"):
        train_bc(tiny_config("run.resume=true"))


def test_the_time_budget_ends_training_cleanly(tiny_config):
    result = train_bc(tiny_config("optim.max_steps=100000", "run.time_budget_s=1.5"))
    assert result.stopped_by == "time_budget"
    assert 0 < result.steps < 100000
    assert Path(result.best_model).is_dir() and Path(result.last_checkpoint).is_file()
    assert load_checkpoint(result.last_checkpoint)["step"] == result.steps


def test_families_restrict_the_demonstrations_and_the_evaluation(tiny_config):
    from agents.evaluation.in_training import family_indices
    from agents.train.bc import load_demos_for
    from agents.train.distributed import Context
    from vlnenv.suites import load_suite

    config = tiny_config("data.families=go_to_room,fetch", "eval.families=fetch")
    suite = load_suite("tiny")
    demos = load_demos_for(config, suite, Context(0, 1, 0, torch.device("cpu")))
    assert {ep.family for ep in demos.episodes} == {"go_to_room", "fetch"}
    everything = load_demos_for(tiny_config(), suite, Context(0, 1, 0, torch.device("cpu")))
    assert len(demos) == sum(ep.family in ("go_to_room", "fetch") for ep in everything.episodes)
    val = suite.episodes("val_unseen")
    picked = family_indices(suite, "val_unseen", config.eval.families, 2)
    assert [val[j].family for j in picked] == ["fetch"] * len(picked)
    assert picked == [j for j, ep in enumerate(val) if ep.family == "fetch"][:2]


def test_the_cell_recognition_loss_is_learnt_alongside_the_actions(tiny_config):
    result = train_bc(tiny_config("model.cells={}", "optim.cell_weight=1.0",
                                  "optim.max_steps=30"))
    cell = [float(r["loss_cell"]) for r in rows(result.log) if r["loss_cell"]]
    assert cell[0] > 3.0  # ~ log 42 + log 27 + log 11 untrained
    assert cell[-1] < 0.6 * cell[0]


def test_the_goal_choice_loss_is_learnt_alongside_the_actions(tiny_config):
    result = train_bc(tiny_config("model.fusion=film", "model.goal={}",
                                  "optim.goal_weight=1.0", "optim.goal_loss=choice",
                                  "optim.max_steps=30"))
    goal = [float(r["loss_goal"]) for r in rows(result.log) if r["loss_goal"]]
    assert goal[-1] < 0.8 * goal[0]


def test_the_energy_fusion_trains_with_the_goal_head(tiny_config):
    result = train_bc(tiny_config("model.fusion=energy", "model.goal={}",
                                  "optim.goal_weight=1.0", "optim.max_steps=6"))
    log = rows(result.log)
    action = [float(r["loss_action"]) for r in log if r["loss_action"]]
    goal = [float(r["loss_goal"]) for r in log if r["loss_goal"]]
    assert action and goal and all(0.0 < x < 10.0 for x in action + goal)
    model = load_model(Path(result.out) / "last")
    assert model.config.fusion == "energy" and model.action_head is None


@pytest.mark.parametrize("family", ["follow_route", "sequence"])
def test_the_leg_pointer_loss_trains_on_its_families_and_is_logged_only_when_on(
        tiny_config, tmp_path, family):
    routes = f'["{family}"]'
    result = train_bc(tiny_config("model.fusion=film", "model.track={}",
                                  "optim.leg_weight=1.0", "optim.max_steps=10",
                                  f"optim.leg_families={routes}",
                                  f"data.families={routes}", f"eval.families={routes}"))
    leg = [float(r["loss_leg"]) for r in rows(result.log) if r["loss_leg"]]
    assert len(leg) == 2 and all(0.0 < x < 5.0 for x in leg)  # -log of a mass in (0, 1)
    plain = train_bc(tiny_config("optim.max_steps=2", f"run.out={tmp_path / 'plain'}"))
    assert "loss_leg" not in rows(plain.log)[0]


def test_the_word_reader_loss_trains_and_is_logged_only_when_on(tiny_config, tmp_path):
    result = train_bc(tiny_config("model.fusion=film", "model.goal={}", "model.cells={}",
                                  "model.match={}", "optim.words_weight=1.0",
                                  "optim.max_steps=10"))
    words = [float(r["loss_words"]) for r in rows(result.log) if r["loss_words"]]
    assert len(words) == 2 and all(0.0 < x < 10.0 for x in words)  # cross-entropies
    plain = train_bc(tiny_config("optim.max_steps=2", f"run.out={tmp_path / 'plain'}"))
    assert "loss_words" not in rows(plain.log)[0]


def test_a_cue_model_trains_with_a_word_batch_and_its_loss_is_logged(tiny_config, tmp_path):
    result = train_bc(tiny_config("model.fusion=film", "model.goal={}", "model.cells={}",
                                  "model.match={}", "model.gps={}",
                                  "model.memory.cue=2", "optim.words_weight=1.0",
                                  "optim.words_batch=16", "optim.max_steps=10"))
    words = [float(r["loss_words"]) for r in rows(result.log) if r["loss_words"]]
    assert len(words) == 2 and all(0.0 < x < 20.0 for x in words)  # two cross-entropies
    with pytest.raises(TrainError, match="words_batch.*needs optim.words_weight > 0"):
        tiny_config("optim.words_batch=16")


@pytest.mark.parametrize("weight,head", [("cell_weight", "cells"),
                                         ("goal_weight", "goal"), ("leg_weight", "track"),
                                         ("words_weight", "match")])
def test_an_auxiliary_loss_without_its_head_is_refused_before_training(tiny_config, weight,
                                                                       head):
    with pytest.raises(TrainError, match=f"the {head} part \\(set model.{head}"):
        train_bc(tiny_config(f"optim.{weight}=1.0", "model.fusion=film"))


def test_route_parts_are_what_behaviour_cloning_trains_on(tiny_config):
    from agents.train.bc import load_demos_for
    from agents.train.distributed import Context
    from vlnenv.suites import load_suite

    config = tiny_config("data.families=follow_route", "data.route_parts=true")
    suite = load_suite("tiny")
    demos = load_demos_for(config, suite, Context(0, 1, 0, torch.device("cpu")))
    whole = load_demos_for(tiny_config("data.families=follow_route"), suite,
                           Context(0, 1, 0, torch.device("cpu")))
    sources = {ep.episode_id.split("/part")[0] for ep in demos.episodes}
    assert sources == {ep.episode_id for ep in whole.episodes}
    assert len(demos) > len(whole) and all("/part" in ep.episode_id for ep in demos.episodes)
    result = train_bc(tiny_config("data.families=follow_route", "data.route_parts=true",
                                  "model.read_route_parts=true", "eval.families=follow_route",
                                  "optim.max_steps=4"))
    assert load_model(Path(result.out) / "last").config.read_route_parts


def test_route_parts_with_the_leg_pointer_on_routes_are_refused(tiny_config):
    with pytest.raises(TrainError, match="data.route_parts cuts routes into parts"):
        train_bc(tiny_config("data.route_parts=true", "model.fusion=film", "model.track={}",
                             "optim.leg_weight=1.0"))
