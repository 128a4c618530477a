"""benchmarks/run_all.py: the table and ratios from known rates, the Minigrid row read
from a side Python's last output line, or skipped without one."""

from __future__ import annotations

import pytest
from helpers import ROOT, load_script


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # run_all imports env_throughput
    return load_script("benchmarks/run_all.py")


def test_table_gives_ratios_to_minigrid_and_to_the_copy_bandwidth(bench):
    rows = [bench.Row("Minigrid", 1, 2_000.0, 9408),
            bench.Row("batched", 256, 200_000.0, 9408),
            bench.Row("bc", 0, None, 0, "skipped: later")]
    lines = bench.table(rows, bandwidth=9.408e9)
    assert lines[2] == "| Minigrid | 1 | 2,000 | 1.0x | 19 | 0.2% |"
    assert lines[3] == "| batched | 256 | 200,000 | 100.0x | 1,882 | 20.0% |"
    assert lines[4] == "| bc |  | skipped: later | | | |"


def test_a_row_of_training_samples_gets_no_ratio_to_minigrid_or_the_copy(bench):
    rows = [bench.Row("Minigrid", 1, 2_000.0, 9408),
            bench.Row("bc", 128, 850.4, 0, "1 torch thread")]
    assert bench.table(rows, bandwidth=9.408e9)[3] == "| bc | 128 | 850 | - | - | - |"


def test_ratios_pair_rows_measured_in_the_same_run(bench):
    fresh = 'gym.make_vec("vlnenv/GridHouse-v0"), fresh houses'
    rows = [bench.Row(fresh, 256, 50_000.0, 1),
            bench.Row("batched, suite episodes ending", 256, 200_000.0, 1),
            bench.Row("batched, suite episodes, no ends", 256, 400_000.0, 1)]
    assert bench.ratios(rows) == ["* fresh houses / suite episodes ending, N=256: 0.25",
                                  "* episodes ending / no ends, N=256: 0.50"]


def test_minigrid_row_is_skipped_without_a_python(bench):
    row = bench.minigrid_row(None, 1.0, 0)
    assert row.rate is None and "--minigrid-python" in row.note


def test_minigrid_row_reads_the_last_line_of_the_side_python(bench, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'Sampling rejected: unreachable object'\n"
                    "echo '{\"steps_per_s\": 1500.0, \"minigrid\": \"9.9\"}'\n")
    fake.chmod(0o755)
    row = bench.minigrid_row(str(fake), 1.0, 0)
    assert (row.rate, row.note) == (1500.0, "minigrid 9.9")
