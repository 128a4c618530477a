"""Benchmark results as files and tables: ``results.json`` (everything, per-episode
records included), ``results.md`` and ``results.csv`` (the per-family table), and the
comparison of two results files.

Tables show rates (SR, SPL, OSR, nDTW, SDTW, CLS) in percent and lengths (NE, TL) in
cells, each as ``mean ± 95% CI half-width``; JSON and CSV keep the raw values (rates as
fractions) at full precision.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.benchmark.runner import LABELS, METRICS
from vlnenv.errors import VLNError
from vlnenv.eval.metrics import MetricError
from vlnenv.eval.stats import OVERALL, compare
from vlnenv.fileio import write_text_atomic

#: Metrics shown in cells rather than percent.
LENGTHS: frozenset[str] = frozenset({"ne", "tl"})
RESULT_FILES: tuple[str, ...] = ("results.json", "results.md", "results.csv")


class ResultsError(VLNError):
    """A results file that cannot be read or compared."""


def _scale(metric: str) -> tuple[float, int]:
    return (1.0, 2) if metric in LENGTHS else (100.0, 1)


def fmt_estimate(metric: str, mean: float, ci: float | None) -> str:
    """``"52.3 ± 4.4"`` (rates in percent, lengths with two decimals)."""
    scale, digits = _scale(metric)
    half = "∞" if ci is None or math.isinf(ci) else f"{ci * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {half}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table, columns padded to line up."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths,
                                                                  strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)]) + "\n"


def results_table(results: dict[str, Any]) -> str:
    """The per-family table of a results dict, in Markdown."""
    header = ["family", "episodes"] + [_label(m) for m in METRICS]
    rows = []
    for family, row in results["metrics"].items():
        name = f"**{family}**" if family == OVERALL else family
        rows.append([name, str(row["episodes"])] + [
            fmt_estimate(m, row[m]["mean"], row[m]["ci"]) for m in METRICS])
    return markdown_table(header, rows)


def _label(metric: str) -> str:
    return f"{LABELS[metric]}" + (" (cells)" if metric in LENGTHS else " (%)")


def results_markdown(results: dict[str, Any]) -> str:
    """``results.md``: what was run, then the table."""
    version = results["code_version"]
    git = version.get("git") or "unknown"
    if version.get("git_dirty"):
        git += " (with uncommitted changes)"
    lines = [
        f"# {results['policy']} on {results['suite']} / {results['split']}",
        "",
        f"- suite: `{results['suite']}` v{results['suite_version']}, sha256 "
        f"`{results['suite_sha256']}`"
        + ("" if results.get("suite_verified", True) else
           " (NOT verified against the manifest: `--no-verify`; the hash of the files read)"),
        f"- split: `{results['split']}`, {results['episodes']} episodes"
        + ("" if not results.get("families") else
           f" of {', '.join(results['families'])}"),
        f"- policy: `{results['policy']}` {json.dumps(results['policy_config'], sort_keys=True)}",
        f"- seed: {results['seed']}",
        f"- code: vlnenv {version.get('vlnenv')}, git {git}",
        "",
        "Mean ± 95% confidence half-width (Student t) per task family.",
        "",
    ]
    return "\n".join(lines) + "\n" + results_table(results)


def results_csv(results: dict[str, Any]) -> str:
    """``results.csv``: one row per family, each metric's mean and CI half-width (raw)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["family", "episodes"] + [f"{m}{s}" for m in METRICS for s in ("", "_ci")])
    for family, row in results["metrics"].items():
        cells = [family, row["episodes"]]
        for m in METRICS:
            ci = row[m]["ci"]
            cells += [repr(row[m]["mean"]), "" if ci is None else repr(ci)]
        writer.writerow(cells)
    return buffer.getvalue()


def dumps_results(results: dict[str, Any]) -> str:
    """``results.json`` text: sorted keys, no NaN or infinity, final newline."""
    return json.dumps(results, sort_keys=True, indent=1, allow_nan=False) + "\n"


def write_results(results: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write ``results.json``, ``results.md`` and ``results.csv`` into ``out_dir``
    (each atomically); returns their paths."""
    out = Path(out_dir)
    texts = (dumps_results(results), results_markdown(results), results_csv(results))
    paths = [out / name for name in RESULT_FILES]
    for path, text in zip(paths, texts, strict=True):
        write_text_atomic(path, text)
    return paths


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a ``results.json`` (or the folder holding one).

    Raises:
        ResultsError: unreadable, not JSON, or without records.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RESULT_FILES[0]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ResultsError(f"{path}: cannot read results ({err.strerror})") from None
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ResultsError(f"{path}: expected a benchmark results object with 'records'")
    return data


# ---------------------------------------------------------------------- comparison
def _by_family(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(str(record["family"]), []).append(record)
    return {key: groups[key] for key in sorted(groups)} | {OVERALL: list(records)}


def same_episodes(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two runs scored the same episodes of the same suite, in the same order (then
    the comparison is paired). A rephrased split (``test_phrasing``) holds the episodes of
    its source split (``episodes_of``: ``test``), said in other words, so its twins pair."""
    ids = [(r["episode_id"]) for r in a["records"]]
    return (a.get("suite_sha256") == b.get("suite_sha256")
            and a.get("episodes_of", a.get("split")) == b.get("episodes_of", b.get("split"))
            and ids == [r["episode_id"] for r in b["records"]])


def compare_results(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Per family (and overall) and metric: both means, their difference ``a - b``, its 95%
    CI half-width and two-sided p-value (paired t-test when both ran the same episodes,
    else Welch's). Families where either run has fewer than two episodes are skipped."""
    paired = same_episodes(a, b)
    groups_a, groups_b = _by_family(a["records"]), _by_family(b["records"])
    rows = []
    for family in [f for f in groups_a if f in groups_b]:
        ra, rb = groups_a[family], groups_b[family]
        for metric in METRICS:
            va, vb = [r[metric] for r in ra], [r[metric] for r in rb]
            try:
                cmp = compare(va, vb, paired=paired)
            except MetricError:
                continue
            rows.append({"family": family, "metric": metric, "paired": paired,
                         "a": sum(va) / len(va), "b": sum(vb) / len(vb), "diff": cmp.diff,
                         "ci": cmp.ci, "p": cmp.p, "n_a": len(va), "n_b": len(vb)})
    return rows


def comparison_markdown(a: dict[str, Any], b: dict[str, Any],
                        rows: Sequence[dict[str, Any]]) -> str:
    """The comparison as Markdown: what A and B are, then one row per family and metric."""
    paired = same_episodes(a, b)
    test = "paired t-test (same episodes)" if paired else "Welch's t-test (different episodes)"
    head = [f"A: {a.get('policy')} on {a.get('suite')}/{a.get('split')} "
            f"({len(a['records'])} episodes, seed {a.get('seed')})",
            f"B: {b.get('policy')} on {b.get('suite')}/{b.get('split')} "
            f"({len(b['records'])} episodes, seed {b.get('seed')})",
            f"Difference A - B with its 95% CI; {test}.", ""]
    table = []
    for row in rows:
        scale, digits = _scale(row["metric"])
        table.append([
            f"**{row['family']}**" if row["family"] == OVERALL else row["family"],
            _label(row["metric"]),
            f"{row['a'] * scale:.{digits}f}", f"{row['b'] * scale:.{digits}f}",
            f"{row['diff'] * scale:+.{digits}f} ± {row['ci'] * scale:.{digits}f}",
            f"{row['p']:.3g}",
        ])
    header = ["family", "metric", "A", "B", "A - B", "p"]
    return "\n".join(head) + "\n" + markdown_table(header, table)
