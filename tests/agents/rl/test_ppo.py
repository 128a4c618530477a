"""The PPO loop: exact resumption, the value warm-up, starting from a saved model, the KL
penalty, and learning a tiny house."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from agents.rl.ppo_run import train_ppo
from agents.train.checkpoint import load_checkpoint, model_of
from agents.train.errors import TrainError
from vlnenv.actions import Action

from .conftest import PART_READER, corridor_env, rl_config


@pytest.mark.slow
@pytest.mark.parametrize("reader", [(), PART_READER], ids=["whole", "parts"])
def test_resumed_run_equals_the_uninterrupted_run_bit_for_bit(config, tmp_path: Path, reader):
    whole = train_ppo(config("ppo.value_warmup_updates=1", "ppo.kl_coef=0.1", *reader))
    assert whole.steps == 4 and whole.samples == 128
    cut = rl_config(tmp_path / "cut", "ppo.value_warmup_updates=1", "ppo.kl_coef=0.1", *reader)
    first = train_ppo(cut, stop_after=2)
    assert first.steps == 2 and first.stopped_by == "interrupted"
    resumed = train_ppo(rl_config(tmp_path / "cut", "run.resume=true", *reader))
    assert resumed.steps == 4
    assert resumed.weight_digests == whole.weight_digests
    assert resumed.final_eval == whole.final_eval
    rows = list(csv.DictReader((tmp_path / "cut" / "log.csv").open()))
    assert [r["step"] for r in rows if r["loss"]] == ["1", "2", "3", "4"]


def test_a_new_run_refuses_a_folder_holding_one(config):
    train_ppo(config(), stop_after=1)
    with pytest.raises(TrainError, match="already holds a run"):
        train_ppo(config())


def test_value_warmup_changes_only_the_value_head(config, tmp_path: Path):
    result = train_ppo(config("ppo.value_warmup_updates=4", "ppo.total_frames=64"))
    trained = model_of(load_checkpoint(result.last_checkpoint), "last.pt")
    fresh = rl_config(tmp_path / "x").model
    from agents.models import MultimodalTransformer

    start = MultimodalTransformer(fresh, seed=0)
    changed = {name for name, p in trained.state_dict().items()
               if not torch.equal(p, start.state_dict()[name])}
    assert changed == {"value_head.weight", "value_head.bias"}


def test_init_starts_from_the_saved_model_and_the_kl_penalty_is_logged(config, tmp_path: Path):
    from agents.models import MultimodalTransformer

    start = MultimodalTransformer(rl_config(tmp_path / "x").model, seed=7)
    start.save_pretrained(tmp_path / "init")
    result = train_ppo(config(f"ppo.init={tmp_path / 'init'}", "ppo.kl_coef=1.0",
                              "ppo.total_frames=32"))
    first = load_checkpoint(result.last_checkpoint)
    assert torch.equal(first["reference"]["state_emb"], start.state_emb.detach())
    rows = [r for r in csv.DictReader(Path(result.log).open()) if r["loss"]]
    assert float(rows[0]["kl_init"]) > 0  # epoch 2 differs from the reference


@pytest.mark.slow
def test_ppo_raises_the_success_rate_on_a_tiny_house(config):
    result = train_ppo(config("env.lanes=16", "ppo.rollout=16", "ppo.total_frames=7680",
                              "ppo.lr=2e-3", "ppo.min_lr_ratio=1.0"), env=corridor_env(16))
    rows = [r for r in csv.DictReader(Path(result.log).open()) if r["loss"]]
    sr = [float(r["sr_train"] or 0) for r in rows]
    assert len(sr) == 30
    assert sum(sr[:3]) / 3 < 0.1  # a random policy rarely walks three cells and stops
    assert sum(sr[-3:]) / 3 > 0.6


def test_an_update_trains_the_part_ending_stops_by_their_advantage(config, monkeypatch):
    from agents.rl import ppo as ppo_module
    from agents.train import distributed

    # a part reader; every row but the stop rows has advantage 0 and its return its value,
    # so the stop rows are all the policy loss has to go on
    cfg = config(*PART_READER, "env.lanes=8", "ppo.rollout=24", "ppo.epochs=1",
                 "ppo.minibatches=1", "ppo.norm_adv=false", "ppo.ent_coef=0", "ppo.lr=1e-3")
    monkeypatch.setattr(ppo_module, "gae", lambda rewards, values, *a: (
        torch.zeros_like(values), values.clone()))
    trainer = ppo_module.PPOTrainer(cfg, distributed.setup("cpu"))
    rollouts = []  # what the update collected: (Rollout, Episodes)
    collect = trainer.lanes.collect
    trainer.lanes.collect = lambda *args: rollouts.append(collect(*args)) or rollouts[-1]
    trainer.update()
    rollout = rollouts[0][0]
    stops = rollout.stops
    assert stops is not None and stops.count >= 4
    ret = rollout.values[stops.step, stops.lane]  # the return of the row each led to
    adv = ret - stops.values  # (M,) A_stop = R_{t,i} - V_k
    with torch.no_grad():
        after = torch.log_softmax(trainer.model(stops.obs, stops.state).logits.float(), -1)[
            :, int(Action.STOP)]
    assert float((adv * (after - stops.logp)).sum()) > 0  # raised where A > 0, lowered where < 0
