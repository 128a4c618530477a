"""``vln plot``: every command writes a PNG of the asked size; missing optional columns
are accepted and bad input is reported with file and line."""

import json

import numpy as np
import pytest
from PIL import Image

from agents.cli import main
from agents.viz.plots import PlotError, error_bars, plot_curves, plot_scaling


def png_size(path):
    assert path.stat().st_size > 1000
    with Image.open(path) as im:
        return im.size


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """results.json of two baselines on tiny/val_unseen."""
    folder = tmp_path_factory.mktemp("bench")
    paths = []
    for policy in ("oracle", "forward"):
        assert main(["benchmark", "--suite", "tiny", "--split", "val_unseen", "--policy",
                     policy, "--out", str(folder / policy)]) == 0
        paths.append(folder / policy / "results.json")
    return paths


def test_trajectory_plot(tmp_path):
    out = tmp_path / "t.png"
    assert main(["plot", "trajectory", "--suite", "tiny", "--split", "val_seen", "--episode",
                 "1", "--policy", "random", "--out", str(out), "--width", "640",
                 "--height", "480"]) == 0
    assert png_size(out) == (640, 480)


def test_curves_with_every_column_and_with_loss_only(tmp_path):
    full = tmp_path / "log.csv"
    rows = ["step,loss,sr_val_seen,sr_val_unseen"]
    rows += [f"{s},{1 / (1 + s)},{'' if s % 4 else s / 40},{'' if s % 4 else s / 50}"
             for s in range(0, 40)]
    full.write_text("\n".join(rows) + "\n")
    assert main(["plot", "curves", str(full), "--out", str(tmp_path / "a.png")]) == 0
    assert png_size(tmp_path / "a.png") == (800, 500)
    loss_only = tmp_path / "loss.csv"
    loss_only.write_text("step,loss,lr\n0,2.0,0.1\n10,1.5,0.1\n20,1.2,0.1\n")
    assert png_size(plot_curves(loss_only, tmp_path / "b.png")) == (800, 500)
    sr_only = tmp_path / "sr.csv"
    sr_only.write_text("step,sr_val_unseen\n0,0.1\n10,0.3\n")
    assert png_size(plot_curves(sr_only, tmp_path / "c.png")) == (800, 500)


def test_curves_report_missing_columns_and_bad_values(tmp_path):
    none = tmp_path / "none.csv"
    none.write_text("step,lr\n0,0.1\n")
    with pytest.raises(PlotError, match="no curve"):
        plot_curves(none, tmp_path / "x.png")
    bad = tmp_path / "bad.csv"
    bad.write_text("step,loss\n0,1.0\n1,oops\n")
    with pytest.raises(PlotError, match=r"bad\.csv:3: column 'loss' holds 'oops'"):
        plot_curves(bad, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_bars_from_benchmark_results(tmp_path, results):
    out = tmp_path / "bars.png"
    assert main(["plot", "bars", *map(str, results), "--out", str(out)]) == 0
    assert png_size(out) == (800, 500)
    assert main(["plot", "bars", str(results[0]), "--metric", "tl", "--out", str(out)]) == 1
    assert main(["plot", "bars", str(results[0]), "--metric", "tl", "--out", str(out),
                 "--force"]) == 0  # an existing figure is replaced only when asked
    families = json.loads(results[0].read_text())["metrics"]
    assert "overall" in families and len(families) > 2


def test_bars_reject_an_unknown_metric(tmp_path, results, capsys):
    assert main(["plot", "bars", str(results[0]), "--metric", "accuracy",
                 "--out", str(tmp_path / "x.png")]) == 1
    assert "unknown metric 'accuracy'" in capsys.readouterr().err


def test_rate_error_bars_stay_within_0_and_100():
    bars = error_bars(np.array([100.0, 50.0, 0.0]), np.array([0.0, 600.0, 30.0]), rate=True)
    assert bars.tolist() == [[0.0, 50.0, 0.0], [0.0, 50.0, 30.0]]


def test_scaling_plot(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("demos,family,sr,sr_ci\n100,fetch,0.2,0.05\n1000,fetch,0.5,0.04\n"
                      "100,go_to_room,0.6,0.05\n1000,go_to_room,0.9,0.03\n")
    out = tmp_path / "s.png"
    assert main(["plot", "scaling", str(points), "--out", str(out)]) == 0
    assert png_size(out) == (800, 500)
    bad = tmp_path / "zero.csv"
    bad.write_text("demos,family,sr\n100,fetch,0.2\n0,fetch,0.1\n")
    with pytest.raises(PlotError, match=r"zero\.csv:3: demos must be a number > 0"):
        plot_scaling(bad, tmp_path / "z.png")
