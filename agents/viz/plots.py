"""Plots with matplotlib (Agg, no window): ``vln plot``.

* :func:`plot_trajectory`: a policy's path against the reference path over the map.
* :func:`plot_curves`: learning curves from a training log CSV.
* :func:`plot_bars`: benchmark metric per task family with 95% CI error bars, one bar per
  ``results.json`` (as ``vln benchmark`` writes it).
* :func:`plot_scaling`: success rate against the number of demonstrations, per family.

Input formats (CSV files have a header row; extra columns are ignored; empty cells are
missing values):

* training log: ``step`` (int, required), then any of ``loss`` (training loss),
  ``sr_val_seen`` and ``sr_val_unseen`` (success rate as a fraction in [0, 1]), at least
  one of them. Validation columns are usually filled only on evaluation steps.
* scaling points: ``demos`` (int > 0), ``family`` (name, ``overall`` allowed) and ``sr``
  (fraction in [0, 1]), optionally ``sr_ci`` (95% CI half-width, fraction).

Every figure is ``width x height`` pixels (:class:`PlotConfig`), whatever it shows.
"""

from __future__ import annotations

import csv
import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from agents.benchmark.report import LENGTHS, load_results
from agents.benchmark.runner import LABELS
from agents.viz.episodes import EpisodeRef
from vlnenv.errors import VLNError
from vlnenv.eval.stats import OVERALL
from vlnenv.fileio import atomic_path
from vlnenv.render.topdown import render_topdown

#: Columns of a training log besides ``step``: label and whether it is a success rate.
CURVE_COLUMNS: dict[str, tuple[str, bool]] = {
    "loss": ("training loss", False),
    "sr_val_seen": ("SR val_seen", True),
    "sr_val_unseen": ("SR val_unseen", True),
}
#: Colours of the reference and predicted paths in trajectory plots.
REFERENCE_COLOUR = "#1f77b4"
PREDICTED_COLOUR = "#e6009c"


class PlotError(VLNError):
    """An input file that cannot be plotted (missing columns, bad values)."""


@dataclass(frozen=True)
class PlotConfig:
    """Size of the figures."""

    width: int = 800
    """Figure width in pixels."""
    height: int = 500
    """Figure height in pixels."""
    dpi: int = 100
    """Pixels per inch (sets the size of text and lines relative to the figure)."""

    def figure(self) -> Figure:
        """A new figure of this size (not attached to pyplot)."""
        if self.width < 100 or self.height < 100:
            raise PlotError(f"figure {self.width}x{self.height} px: expected at least 100 px "
                            "a side")
        return Figure(figsize=(self.width / self.dpi, self.height / self.dpi), dpi=self.dpi,
                      layout="constrained")


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int) -> Path:
    """Write ``fig`` as a PNG atomically (temporary file, then rename)."""
    with atomic_path(path, ".png") as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return Path(path)


# ---------------------------------------------------------------------- CSV input
def read_csv(path: str | os.PathLike[str], required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of a CSV file with a header.

    Raises:
        PlotError: unreadable, or a column of ``required`` is missing.
    """
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as err:
        raise PlotError(f"{path}: cannot read ({err.strerror})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise PlotError(f"{path}: missing column(s) {missing}; the header has {header}")
    return rows


def _number(value: str | None, path: Any, line: int, column: str) -> float:
    """A cell as a float (NaN when empty)."""
    if value is None or not value.strip():
        return math.nan
    try:
        return float(value)
    except ValueError:
        raise PlotError(f"{path}:{line}: column {column!r} holds {value!r}; expected a "
                        "number") from None


def read_columns(path: str | os.PathLike[str], rows: Sequence[dict[str, str]],
                 columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Numeric columns of ``rows`` (line numbers in errors count the header as line 1)."""
    return {c: np.array([_number(r.get(c), path, i + 2, c) for i, r in enumerate(rows)])
            for c in columns}


# ---------------------------------------------------------------------- trajectory
def _line(ax: Axes, cells: Sequence[Sequence[int]], **style: Any) -> None:
    pts = np.asarray([tuple(c)[:2] for c in cells], np.float64).reshape(-1, 2) + 0.5  # (N, 2)
    ax.plot(pts[:, 1], pts[:, 0], **style)


def plot_trajectory(ref: EpisodeRef, record: dict[str, Any], policy: str,
                    out: str | os.PathLike[str], config: PlotConfig | None = None) -> Path:
    """The path of ``record`` (a benchmark episode record) against the episode's reference
    path, over the map with the goal cells tinted, to ``out``."""
    config = config or PlotConfig()
    house, episode = ref.house, ref.episode
    fig = config.figure()
    ax = fig.add_subplot()
    picture = render_topdown(house, 16, highlight=episode.goal, highlight_rgb=(0, 200, 80))
    ax.imshow(picture, extent=(0, house.width, house.height, 0), interpolation="nearest")
    _line(ax, episode.reference_path, color=REFERENCE_COLOUR, linewidth=7, alpha=0.55,
          solid_capstyle="round", label="reference path")
    _line(ax, record["path"], color=PREDICTED_COLOUR, linewidth=2.5, marker="o",
          markersize=3, label=f"{policy} path")
    r, c = episode.start[:2]
    ax.plot(c + 0.5, r + 0.5, "o", markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=2.5, markersize=18, label="start")
    end = record["path"][-1]
    ax.plot(end[1] + 0.5, end[0] + 0.5, "X", markersize=13, markeredgecolor="black",
            color="#2ca02c" if record["success"] else "#d62728",
            label="success" if record["success"] else "failure")
    ax.plot([], [], "s", color=(0, 0.78, 0.31), alpha=0.6, label="goal cells")
    ax.set_axis_off()
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    verdict = "success" if record["success"] else "failure"
    ax.set_title("\n".join(textwrap.wrap(episode.instruction, 70)), fontsize=10)
    fig.suptitle(f"{episode.episode_id} ({episode.family}): {policy}, {verdict} in "
                 f"{record['steps']} steps, nDTW {record['ndtw']:.2f}, SPL {record['spl']:.2f}",
                 fontsize=11)
    return save_figure(fig, out, config.dpi)


# ---------------------------------------------------------------------- curves
def plot_curves(log: str | os.PathLike[str], out: str | os.PathLike[str],
                config: PlotConfig | None = None) -> Path:
    """Learning curves of a training log CSV (see the module docstring): the loss on the
    left, success rates (%) on the right; a panel without data is left out.

    Raises:
        PlotError: no ``step`` column, none of the curve columns, or a bad value.
    """
    config = config or PlotConfig()
    rows = read_csv(log, ["step"])
    present = [c for c in CURVE_COLUMNS if rows and c in rows[0]]
    if not present:
        raise PlotError(f"{log}: no curve to draw; expected a column among "
                        f"{list(CURVE_COLUMNS)} besides 'step'")
    data = read_columns(log, rows, ["step", *present])
    panels = [[c for c in present if CURVE_COLUMNS[c][1] is rate] for rate in (False, True)]
    panels = [p for p in panels if p]
    fig = config.figure()
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, columns in zip(axes, panels, strict=True):
        rate = CURVE_COLUMNS[columns[0]][1]
        for column in columns:
            keep = ~np.isnan(data[column]) & ~np.isnan(data["step"])
            y = data[column][keep] * (100.0 if rate else 1.0)
            ax.plot(data["step"][keep], y, marker="o" if keep.sum() < 30 else None,
                    markersize=3, label=CURVE_COLUMNS[column][0])
        ax.set_xlabel("step")
        ax.set_ylabel("success rate (%)" if rate else "loss")
        if rate:
            ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle(f"training curves: {Path(log).name}", fontsize=11)
    return save_figure(fig, out, config.dpi)


# ---------------------------------------------------------------------- bars
def _families(results: Sequence[dict[str, Any]]) -> list[str]:
    """Families of all results in first-seen order, ``overall`` last."""
    seen: list[str] = []
    for res in results:
        seen += [f for f in res["metrics"] if f != OVERALL and f not in seen]
    return seen + [OVERALL]


def _run_label(res: dict[str, Any], all_results: Sequence[dict[str, Any]]) -> str:
    label = str(res.get("policy"))
    if len({(r.get("suite"), r.get("split")) for r in all_results}) > 1:
        label += f" ({res.get('suite')}/{res.get('split')})"
    return label


def error_bars(means: np.ndarray, cis: np.ndarray, rate: bool) -> np.ndarray:
    """``(2, N)`` lower and upper error-bar lengths: the CI half-width, cut at 0 and 100
    for rates (a rate's interval cannot leave [0, 100] %)."""
    lower, upper = cis.copy(), cis.copy()
    if rate:
        lower = np.minimum(lower, np.nan_to_num(means))
        upper = np.minimum(upper, 100.0 - np.nan_to_num(means))
    return np.stack([lower, upper])


def plot_bars(results_files: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str],
              metric: str = "sr", config: PlotConfig | None = None) -> Path:
    """``metric`` per task family (and overall) for each results file, side by side, with
    95% CI error bars; rates in percent.

    Raises:
        PlotError: an unknown metric.
        ResultsError: a file that is not a results file.
    """
    config = config or PlotConfig()
    if metric not in LABELS:
        raise PlotError(f"unknown metric {metric!r}; expected one of {list(LABELS)}")
    results = [load_results(p) for p in results_files]
    families = _families(results)
    scale = 1.0 if metric in LENGTHS else 100.0
    fig = config.figure()
    ax = fig.add_subplot()
    width = 0.8 / len(results)
    x = np.arange(len(families))
    for i, res in enumerate(results):
        rows = [res["metrics"].get(f) for f in families]
        means = np.array([np.nan if r is None else r[metric]["mean"] * scale for r in rows])
        cis = np.array([0.0 if r is None or r[metric]["ci"] is None
                        else r[metric]["ci"] * scale for r in rows])
        bars = ax.bar(x - 0.4 + width * (i + 0.5), means, width,
                      yerr=error_bars(means, cis, scale == 100.0), capsize=3,
                      label=_run_label(res, results), error_kw={"elinewidth": 1})
        ax.bar_label(bars, fmt="%.0f" if scale == 100.0 else "%.1f", fontsize=7, padding=2)
    ax.set_xticks(x, [f.replace("_", " ") for f in families], fontsize=9)
    unit = " (cells)" if metric in LENGTHS else " (%)"
    ax.set_ylabel(LABELS[metric] + unit)
    if scale == 100.0:
        ax.set_ylim(0, 108)
    ax.grid(axis="y", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(results), 6), fontsize=9,
               frameon=False)
    first = results[0]
    n = ", ".join(str(r.get("episodes")) for r in results)
    clipped = ", clipped to 0-100" if scale == 100.0 else ""
    fig.suptitle(f"{LABELS[metric]} per task family on {first.get('suite')}/"
                 f"{first.get('split')} ({n} episodes; error bars: 95% CI{clipped})",
                 fontsize=10)
    return save_figure(fig, out, config.dpi)


# ---------------------------------------------------------------------- scaling
def plot_scaling(points: str | os.PathLike[str], out: str | os.PathLike[str],
                 config: PlotConfig | None = None) -> Path:
    """Success rate against the number of demonstrations (log axis), one line per family
    (see the module docstring for the CSV format).

    Raises:
        PlotError: missing columns, bad values, or demos that are not positive.
    """
    config = config or PlotConfig()
    rows = read_csv(points, ["demos", "family", "sr"])
    if not rows:
        raise PlotError(f"{points}: no data rows")
    has_ci = "sr_ci" in rows[0]
    data = read_columns(points, rows, ["demos", "sr"] + (["sr_ci"] if has_ci else []))
    if np.any(~(data["demos"] > 0)):
        line = int(np.argmax(~(data["demos"] > 0))) + 2
        raise PlotError(f"{points}:{line}: demos must be a number > 0 (log axis)")
    families = list(dict.fromkeys(r["family"] for r in rows))
    fig = config.figure()
    ax = fig.add_subplot()
    for family in families:
        pick = np.array([r["family"] == family for r in rows])
        order = np.argsort(data["demos"][pick])
        x, y = data["demos"][pick][order], data["sr"][pick][order] * 100.0
        err = data["sr_ci"][pick][order] * 100.0 if has_ci else None
        style = {"linewidth": 3, "color": "black"} if family == OVERALL else {}
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=family.replace("_", " "),
                    **style)
    ax.set_xscale("log")
    ax.set_xlabel("demonstrations")
    ax.set_ylabel("success rate (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    ax.set_title(f"success rate against demonstrations ({Path(points).name})", fontsize=10)
    return save_figure(fig, out, config.dpi)
