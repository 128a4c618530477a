"""benchmarks/ppo_throughput.py: a config file's model section becomes dotted overrides
that resolve to the same model config, nested tables included."""

from __future__ import annotations

from helpers import ROOT, load_script

from agents.rl.config import RLConfig
from agents.train.config import resolve_config


def test_a_model_section_with_nested_tables_resolves_to_the_files_model():
    bench = load_script("benchmarks/ppo_throughput.py")
    assert bench.dotted_overrides("model", {"a": True, "explore": {"home_path": True},
                                            "track": {}}) == [
        "model.a=true", "model.explore.home_path=true", "model.track={}"]
    path = ROOT / "agents" / "configs" / "long.toml"
    via_overrides = resolve_config(None, bench.model_overrides(str(path)), base=RLConfig())
    via_file = resolve_config(path)
    assert via_overrides.model == via_file.model
    assert via_overrides.model.explore.home_path and via_overrides.model.track is not None
