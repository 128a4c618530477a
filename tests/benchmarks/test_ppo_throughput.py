"""benchmarks/ppo_throughput.py: a variant's model is its config file's model section as
training resolves it (nested tables and a base file included); ``default`` keeps the
RL config's own."""

from __future__ import annotations

from helpers import ROOT, load_script

from agents.rl.config import RLConfig
from agents.train.config import resolve_config


def test_a_variant_takes_the_model_its_config_file_resolves_to():
    bench = load_script("benchmarks/ppo_throughput.py")
    path = str(ROOT / "agents" / "configs" / "long.toml")
    config = bench.with_model(RLConfig(), path)
    assert config.model == resolve_config(path).model
    assert config.model.explore.home_path and config.model.track is not None
    assert config.ppo == RLConfig().ppo  # only the model is taken from the file
    assert bench.with_model(RLConfig(), "default") == RLConfig()
