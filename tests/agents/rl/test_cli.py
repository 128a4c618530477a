"""``vln train ppo`` and ``vln train sb3``: flags to config, a run and its resumption,
and the benchmark on the model folder a run writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_MODEL

from agents.cli import build_parser, main
from agents.commands.train import PPO_FLAGS, config_from_args
from agents.rl.config import RLConfig

FAST = [f"--set={o}" for o in (*TINY_MODEL, "env.lanes=2", "ppo.rollout=4",
                               "ppo.minibatches=1", "ppo.epochs=1", "eval.episodes=2",
                               "eval.batch=2", "run.progress_bar=false",
                               "run.tensorboard=false")]


def test_ppo_flags_set_the_rl_config(tmp_path: Path):
    args = build_parser().parse_args(["train", "ppo", "--init", "runs/q/model", "--env",
                                      "vlnenv/GoToRoom-v0", "--suite", "tiny", "--frames",
                                      "4096", "--out", str(tmp_path), "--seed", "3",
                                      "--set", "ppo.kl_coef=0.05",
                                      "--set", "env.dense_reward=0.1"])
    config = config_from_args(args, PPO_FLAGS, RLConfig())
    assert isinstance(config, RLConfig)
    assert (config.ppo.init, config.env.id, config.env.suite) == (
        "runs/q/model", "vlnenv/GoToRoom-v0", "tiny")
    assert (config.ppo.total_frames, config.run.seed, config.run.out) == (4096, 3, str(tmp_path))
    assert (config.ppo.kl_coef, config.env.dense_reward) == (0.05, 0.1)


def test_the_shipped_ppo_from_bc_config_holds_the_measured_settings_and_flags_go_over_it(
        tmp_path: Path):
    def config(*flags: str) -> RLConfig:
        args = build_parser().parse_args(["train", "ppo", "--config", "ppo_from_bc", "--init",
                                          "runs/q/model", "--out", str(tmp_path), *flags])
        return config_from_args(args, PPO_FLAGS, RLConfig())

    shipped = config()
    assert (shipped.ppo.value_warmup_updates, shipped.ppo.kl_coef, shipped.ppo.lr) == (
        10, 0.5, 1e-4)
    assert (shipped.run.time_budget_s, shipped.eval.every, shipped.ppo.total_frames) == (
        1800.0, 0, 100_000_000)
    mine = config("--time-budget", "600", "--set", "ppo.lr=3e-4")
    assert (mine.run.time_budget_s, mine.ppo.lr, mine.ppo.kl_coef, mine.ppo.init) == (
        600.0, 3e-4, 0.5, "runs/q/model")


def test_the_ppo_config_is_refused_by_behaviour_cloning(tmp_path: Path, capsys):
    code = main(["train", "bc", "--config", "ppo_from_bc", "--out", str(tmp_path / "r")])
    assert code == 1
    assert "ppo_from_bc + overrides: unknown section(s) ['ppo']" in capsys.readouterr().err


def test_ppo_refuses_minibatches_that_do_not_divide_the_lanes(tmp_path: Path, capsys):
    code = main(["train", "ppo", "--suite", "tiny", "--out", str(tmp_path / "r"),
                 "--set", "env.lanes=3", "--set", "ppo.minibatches=2"])
    assert code == 1
    assert "ppo.minibatches: expected a divisor of env.lanes (3), got 2" in capsys.readouterr().err


@pytest.mark.slow
def test_ppo_runs_resumes_and_its_model_is_benchmarked(tmp_path: Path, capsys):
    out = tmp_path / "ppo"
    assert main(["train", "ppo", "--suite", "tiny", "--frames", "16", "--out", str(out),
                 "--json", *FAST]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["kind"], result["steps"], result["samples"]) == ("ppo", 2, 16)
    assert main(["train", "ppo", "--out", str(out), "--resume", "--json", *FAST]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 2  # nothing left to do
    assert main(["benchmark", "--policy", str(out / "last"), "--suite", "tiny",
                 "--episodes", "2", "--batch", "2", "--out", str(tmp_path / "bench")]) == 0
    assert "tiny/val_unseen: 2 episodes" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--steps", "--env", "--out"])
def test_sb3_requires_its_flags(flag: str, capsys):
    argv = ["train", "sb3", "--env", "vlnenv/GoToRoom-v0", "--steps", "8", "--out", "x"]
    i = argv.index(flag)
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv[:i] + argv[i + 2:])
    assert flag in capsys.readouterr().err
