"""scripts/fusion_study.py: runs that differ in the fusion and the seed alone and build for
every fusion, scores summarised per family with the routes' nDTW, and the table's mean
over seeds with a pooled interval."""

from __future__ import annotations

import pytest
from helpers import load_script

from agents.models import MultimodalTransformer
from agents.train.config import resolve_config
from agents.train.trainer import check_loss_parts

study = load_script("scripts/fusion_study.py")


def test_runs_differ_in_the_fusion_and_the_seed_alone():
    runs = study.variants(["film", "energy"], [0, 1])
    assert list(runs) == ["film-s0", "film-s1", "energy-s0", "energy-s1"]
    own = ("model.fusion", "run.seed", "eval.seed")
    for overrides in runs.values():
        assert [o for o in overrides if o.split("=")[0] not in own] == study.COMMON
    assert "model.fusion=energy" in runs["energy-s1"] and "run.seed=1" in runs["energy-s1"]


@pytest.mark.parametrize("fusion", study.FUSIONS)
def test_every_fusion_builds_from_the_quickstart_config_with_the_studys_overrides(fusion):
    overrides = study.variants([fusion], [0])[f"{fusion}-s0"]
    config = resolve_config(study.CONFIG, overrides)
    assert config.model.fusion == fusion
    assert config.model.goal is None and config.model.memory is None
    assert tuple(config.data.families) == study.FAMILIES
    assert MultimodalTransformer(config.model).num_parameters() > 0
    check_loss_parts(config.optim, config.model)  # no loss on for a part the study takes out


def record(family: str, sr: int, spl: float = 0.0, ndtw: float = 0.0) -> dict:
    return {"family": family, "sr": sr, "spl": spl, "ndtw": ndtw}


def test_a_summary_has_each_familys_rate_and_the_routes_ndtw():
    records = [record("go_to_room", 1, 0.5), record("go_to_room", 0),
               record("follow_route", 1, 1.0, 0.9), record("follow_route", 0, 0.0, 0.3)]
    s = study.summarise(records)
    assert s["sr"] == 0.5 and s["spl"] == 0.375
    assert s["by_family"] == {"follow_route": 0.5, "go_to_room": 0.5}
    assert s["route_ndtw"] == pytest.approx(0.6)
    assert s["success"] == [1, 0, 1, 0]


def test_the_interval_is_the_normal_one_of_the_pooled_successes():
    assert study.ci95([1, 0] * 50) == pytest.approx(1.96 * 0.05)
    assert study.ci95([1] * 10) == 0.0


def test_a_row_is_the_mean_over_seeds():
    def scores(sr: int) -> dict:
        s = study.summarise([record(f, sr, 0.5 * sr, 0.5) for f in study.FAMILIES])
        return {"test": {"full": s, "mask_instruction": {"sr": 0.0},
                         "blank_image": {"sr": sr / 2}}}

    results = {"film-s0": {"scores": scores(1), "samples": 600, "elapsed_s": 2.0,
                           "parameters": 1234},
               "film-s1": {"scores": scores(0), "samples": 200, "elapsed_s": 2.0,
                           "parameters": 1234}}
    row = study.table(results, ["film", "energy"], [0, 1])[2]
    assert row == ("| `film` | 1,234 | 200 | 50.0 | 50.0 | 50.0 | 50.0 | 50.0 | 0.50 | "
                   "50.0 ± 31.0 (100.0 / 0.0) | 25.0 | 0.0 | 25.0 |")
    assert len(study.table(results, ["film", "energy"], [0, 1])) == 3  # no energy runs


def test_all_parts_keeps_the_goal_memory_and_planner():
    overrides = study.variants(["energy"], [1], "all")["energy+all-s1"]
    config = resolve_config(study.CONFIG, overrides)
    assert config.model.fusion == "energy" and config.run.seed == 1
    assert config.model.goal is not None and config.model.explore is not None
    assert MultimodalTransformer(config.model).num_parameters() > 0
    check_loss_parts(config.optim, config.model)
    assert config.optim.words_weight == 0  # as the study measured it, before page 37


def test_all_parts_with_a_fusion_without_context_is_refused(capsys):
    with pytest.raises(SystemExit):
        study.main(["--parts", "all", "--fusions", "film,late_fusion"])
    assert "per-step context" in capsys.readouterr().err
