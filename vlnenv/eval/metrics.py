"""Vision-and-language navigation metrics, as pure functions of paths and a distance.

Every metric takes the predicted path ``P`` (a sequence of hashable points, here
``(row, col)`` cells, ``P[0]`` the start), the reference path ``R`` or the goal (a set of
cells), and a distance ``dist(a, b) -> float``. For houses the distance is
:func:`~vlnenv.eval.distances.geodesic` (shortest walk in cells);
:func:`~vlnenv.eval.distances.manhattan` ignores walls.

Success conventions. The success threshold and its comparison are explicit parameters:
``threshold`` and ``inclusive`` (``True`` means ``NE <= threshold``, ``False`` means
``NE < threshold``). The defaults, ``threshold=0.0, inclusive=True``, are this project's:
the agent must stand on a goal cell. The R2R convention is ``threshold=3.0,
inclusive=False`` (``tasks/R2R/eval.py``: ``NE < 3 m``). Habitat also requires the agent
to have called STOP: ``stopped=False`` forces success to 0.

Sources:
    * NE, SR, OSR, TL, SPL: Anderson et al., "On Evaluation of Embodied Navigation
      Agents", 2018, and Anderson et al., "Vision-and-Language Navigation", CVPR 2018
      (Matterport3DSimulator ``tasks/R2R/eval.py``); STOP: habitat-lab
      ``habitat/tasks/nav/nav.py`` (``Success``, ``SPL``).
    * DTW, nDTW, SDTW: Ilharco et al., "General Evaluation for Instruction Conditioned
      Navigation using Dynamic Time Warping", 2019 (google-research ``r4r/dtw.py``).
    * CLS: Jain et al., "Stay on the Path: Instruction Fidelity in Vision-and-Language
      Navigation", ACL 2019 (google-research ``r4r/cls.py``).

Degenerate inputs: an empty predicted path, an empty reference, an empty goal, a
negative threshold or a non-positive ``d_th`` raise :class:`MetricError`. An empty or
one-point path has length 0. Other edge cases are documented on each function.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from itertools import pairwise
from typing import Any

import numpy as np

from vlnenv.errors import MetricError
from vlnenv.eval.distances import Distance, Path

#: Default DTW/CLS distance scale d_th (r4r ``dtw.py`` and ``cls.py``: ``threshold=3.0``).
D_TH = 3.0


# ---------------------------------------------------------------------------- checks
def _require_path(path: Path, what: str = "predicted path") -> None:
    if len(path) == 0:
        raise MetricError(f"{what} is empty; expected at least its start point")


def _require_goal(goal: Collection[Any]) -> None:
    if len(goal) == 0:
        raise MetricError("goal is empty; expected at least one goal point")


def _require_threshold(threshold: float) -> None:
    if not threshold >= 0:
        raise MetricError(f"success threshold is {threshold}; expected a number >= 0")


def _require_d_th(d_th: float) -> None:
    if not d_th > 0:
        raise MetricError(f"d_th is {d_th}; expected a distance scale > 0")


def within(distance: float, threshold: float, inclusive: bool) -> bool:
    """Whether ``distance <= threshold`` (``inclusive``) or ``distance < threshold``."""
    return distance <= threshold if inclusive else distance < threshold


def distance_to_goal(point: Any, goal: Collection[Any], dist: Distance) -> float:
    """``min_{g in goal} d(point, g)``: distance from a point to a set of goal points."""
    _require_goal(goal)
    return min(dist(point, g) for g in goal)


# ---------------------------------------------------------------------------- lengths
def path_length(path: Path, dist: Distance) -> float:
    """Path length ``PL(P) = sum_{i>=1} d(p_{i-1}, p_i)``: the summed step distances,
    not the number of points (Jain et al. 2019, ``r4r/cls.py`` ``length``).

    Repeated consecutive points (turning in place) add 0. An empty or one-point path
    has length 0.
    """
    return float(sum(dist(a, b) for a, b in pairwise(path)))


def trajectory_length(path: Path, dist: Distance) -> float:
    """Trajectory length TL = ``PL(P)`` of the predicted path (R2R ``eval.py``:
    summed distances between consecutive viewpoints).

    Raises:
        MetricError: the path is empty.
    """
    _require_path(path)
    return path_length(path, dist)


# ---------------------------------------------------------------------------- goal metrics
def navigation_error(path: Path, goal: Collection[Any], dist: Distance) -> float:
    """Navigation error NE = ``min_{g in goal} d(P[-1], g)``: the distance from where
    the agent stopped to the nearest goal point (R2R ``eval.py``: ``d(P[-1], g)`` with a
    single goal viewpoint; pass ``[g]`` for one goal point).

    Raises:
        MetricError: the path or the goal is empty.
    """
    _require_path(path)
    return distance_to_goal(path[-1], goal, dist)


def success(
    path: Path,
    goal: Collection[Any],
    dist: Distance,
    *,
    threshold: float = 0.0,
    inclusive: bool = True,
    stopped: bool = True,
) -> float:
    """Success S = 1 if NE is within ``threshold`` and the agent stopped, else 0.

    ``S = [stopped] * [NE <= threshold]`` (``inclusive``) or ``[NE < threshold]``.
    R2R (``tasks/R2R/eval.py``): ``threshold=3.0, inclusive=False`` and no STOP check;
    habitat-lab (``nav.py`` ``Success``): the episode must end by STOP.

    Args:
        path: predicted path.
        goal: goal points.
        dist: distance.
        threshold: success radius; default 0 (stand on a goal cell).
        inclusive: ``True`` compares with ``<=``, ``False`` with ``<``.
        stopped: whether the agent ended the episode with STOP; ``False`` gives 0.

    Returns:
        1.0 or 0.0.
    """
    _require_threshold(threshold)
    ne = navigation_error(path, goal, dist)
    return float(stopped and within(ne, threshold, inclusive))


def oracle_success(
    path: Path,
    goal: Collection[Any],
    dist: Distance,
    *,
    threshold: float = 0.0,
    inclusive: bool = True,
) -> float:
    """Oracle success OS = 1 if any point of the path is within ``threshold`` of the
    goal: ``[min_{p in P} min_{g in goal} d(p, g) <= threshold]`` (``<`` when not
    ``inclusive``); STOP is not required (R2R ``eval.py``, oracle success).

    Returns:
        1.0 or 0.0.
    """
    _require_path(path)
    _require_threshold(threshold)
    nearest = min(distance_to_goal(p, goal, dist) for p in path)
    return float(within(nearest, threshold, inclusive))


def spl(
    path: Path,
    goal: Collection[Any],
    dist: Distance,
    *,
    shortest: float | None = None,
    threshold: float = 0.0,
    inclusive: bool = True,
    stopped: bool = True,
) -> float:
    """Success weighted by path length, for one episode: ``S * l / max(p, l)``.

    ``S`` is :func:`success`, ``p`` the trajectory length and ``l`` the shortest-path
    length from the start to the goal (Anderson et al. 2018, "On Evaluation of Embodied
    Navigation Agents"; R2R ``eval.py``; habitat-lab ``nav.py`` ``SPL``). The dataset
    SPL is the mean over episodes.

    When ``p = l = 0`` (the start is on the goal and the agent did not move) the ratio
    is taken as 1: the agent was optimal.

    Args:
        path: predicted path, ``path[0]`` the start.
        goal: goal points.
        dist: distance.
        shortest: ``l``; default ``min_g dist(path[0], g)``, the shortest-path length
            when ``dist`` is geodesic.
        threshold: success radius (see :func:`success`).
        inclusive: success comparison (see :func:`success`).
        stopped: whether the agent stopped (see :func:`success`).

    Raises:
        MetricError: empty path or goal, or ``l`` negative or infinite.
    """
    s = success(path, goal, dist, threshold=threshold, inclusive=inclusive, stopped=stopped)
    l = distance_to_goal(path[0], goal, dist) if shortest is None else float(shortest)
    if not 0 <= l < math.inf:
        raise MetricError(f"shortest-path length is {l}; expected a finite length >= 0 "
                          "(is the goal reachable from the start?)")
    if s == 0.0:
        return 0.0
    p = trajectory_length(path, dist)
    longest = max(p, l)
    return 1.0 if longest == 0 else l / longest


# ---------------------------------------------------------------------------- path fidelity
def dtw(path: Path, reference: Path, dist: Distance) -> float:
    """Dynamic time warping distance between the predicted and the reference path.

    ``D[0][0] = 0``, ``D[i][0] = D[0][j] = inf`` and
    ``D[i][j] = d(p_i, r_j) + min(D[i-1][j], D[i][j-1], D[i-1][j-1])``;
    ``DTW = D[|P|][|R|]`` (Ilharco et al. 2019, ``r4r/dtw.py``).

    Raises:
        MetricError: either path is empty.
    """
    _require_path(path)
    _require_path(reference, "reference path")
    previous = [0.0] + [math.inf] * len(reference)
    for p in path:
        row = [math.inf]
        for j, r in enumerate(reference, start=1):
            row.append(dist(p, r) + min(previous[j], row[j - 1], previous[j - 1]))
        previous = row
    return previous[-1]


def ndtw(path: Path, reference: Path, dist: Distance, *, d_th: float = D_TH) -> float:
    """Normalized DTW: ``nDTW = exp(-DTW(P, R) / (|R| * d_th))``, in (0, 1]
    (Ilharco et al. 2019, ``r4r/dtw.py``; ``|R|`` is the number of reference points).

    Args:
        path: predicted path.
        reference: reference path.
        dist: distance.
        d_th: distance scale, the success threshold in the paper; default 3.

    Raises:
        MetricError: either path is empty, or ``d_th <= 0``.
    """
    _require_d_th(d_th)
    return math.exp(-dtw(path, reference, dist) / (len(reference) * d_th))


def sdtw(
    path: Path,
    reference: Path,
    dist: Distance,
    *,
    d_th: float = D_TH,
    goal: Collection[Any] | None = None,
    threshold: float | None = None,
    inclusive: bool = True,
    stopped: bool = True,
) -> float:
    """Success weighted by normalized DTW: ``SDTW = S * nDTW``.

    With the defaults this is ``r4r/dtw.py``: ``S = [d(P[-1], R[-1]) <= d_th]`` (the
    threshold there is inclusive). Ilharco et al. 2019 define ``S`` as the task's
    success, so a caller may pass the task's ``goal``, ``threshold``, ``inclusive`` and
    ``stopped`` to use the same success as :func:`success`.

    Args:
        path: predicted path.
        reference: reference path.
        dist: distance.
        d_th: nDTW distance scale.
        goal: goal points; default ``[R[-1]]``.
        threshold: success radius; default ``d_th``.
        inclusive: success comparison; default ``<=``.
        stopped: whether the agent stopped; ``False`` gives 0.
    """
    _require_path(reference, "reference path")
    s = success(
        path,
        [reference[-1]] if goal is None else goal,
        dist,
        threshold=d_th if threshold is None else threshold,
        inclusive=inclusive,
        stopped=stopped,
    )
    return s * ndtw(path, reference, dist, d_th=d_th)


def path_coverage(path: Path, reference: Path, dist: Distance, *, d_th: float = D_TH) -> float:
    """Path coverage ``PC = mean_{r in R} exp(-min_{p in P} d(r, p) / d_th)``
    (Jain et al. 2019, ``r4r/cls.py``)."""
    _require_path(path)
    _require_path(reference, "reference path")
    _require_d_th(d_th)
    return float(np.mean([math.exp(-min(dist(r, p) for p in path) / d_th) for r in reference]))


def cls(path: Path, reference: Path, dist: Distance, *, d_th: float = D_TH) -> float:
    """Coverage weighted by length score: ``CLS = PC * LS`` (Jain et al. 2019,
    ``r4r/cls.py``).

    ``PC`` is :func:`path_coverage`, ``EPL = PC * PL(R)`` the expected length,
    ``LS = EPL / (EPL + |EPL - PL(P)|)`` and ``PL`` :func:`path_length`. CLS is not
    symmetric: coverage is of the reference by the prediction. When ``EPL = PL(P)`` (in
    particular both 0, e.g. a one-point reference and a prediction that does not move)
    ``LS = 1``, the limit of the formula.

    Note that the r4r doctests call ``cls(reference, prediction)`` with the arguments
    swapped; this function takes the prediction first, as its signature says.

    Raises:
        MetricError: either path is empty, or ``d_th <= 0``.
    """
    pc = path_coverage(path, reference, dist, d_th=d_th)
    expected = pc * path_length(reference, dist)
    predicted = path_length(path, dist)
    ls = 1.0 if expected == predicted else expected / (expected + abs(expected - predicted))
    return pc * ls


# ---------------------------------------------------------------------------- episodes
#: Keys of :func:`episode_metrics`, in order.
METRIC_KEYS: tuple[str, ...] = ("ne", "sr", "osr", "tl", "spl", "ndtw", "sdtw", "cls")


def collapse_repeats(path: Iterable[Any]) -> list[Any]:
    """The path without consecutive repeats (``[a, a, b, a] -> [a, b, a]``): the cells
    visited, with the steps that only turned the agent removed."""
    out: list[Any] = []
    for point in path:
        if not out or out[-1] != point:
            out.append(point)
    return out


def episode_metrics(
    path: Path,
    reference: Path,
    goal: Collection[Any],
    dist: Distance,
    *,
    stopped: bool = True,
    threshold: float = 0.0,
    inclusive: bool = True,
    d_th: float = D_TH,
    shortest: float | None = None,
) -> dict[str, float]:
    """Every metric of one episode, keyed by :data:`METRIC_KEYS`.

    ``ne`` :func:`navigation_error`, ``sr`` :func:`success`, ``osr``
    :func:`oracle_success`, ``tl`` :func:`trajectory_length`, ``spl`` :func:`spl`,
    ``ndtw`` :func:`ndtw`, ``sdtw`` :func:`sdtw` with the task's success (``sr``, on the
    goal set, as Ilharco et al. 2019 define it), ``cls`` :func:`cls`.

    DTW-based metrics and CLS see both paths with consecutive repeats removed
    (:func:`collapse_repeats`), so per-step positions that include turns in place give
    the same scores as the visited-cell sequence; the other metrics are unchanged by it.

    Args:
        path: predicted path (per-step positions, ``path[0]`` the start).
        reference: reference path (e.g. the expert's).
        goal: goal points.
        dist: distance, e.g. :func:`~vlnenv.eval.distances.geodesic`.
        stopped: whether the agent ended the episode with STOP.
        threshold: success radius; default 0 (stand on a goal cell).
        inclusive: success comparison ``<=`` (default) or ``<``.
        d_th: nDTW/CLS distance scale; default 3.
        shortest: shortest-path length for SPL; default from ``dist`` (see :func:`spl`).

    Returns:
        A dict of floats.
    """
    visited, ref = collapse_repeats(path), collapse_repeats(reference)
    return {
        "ne": navigation_error(path, goal, dist),
        "sr": success(
            path, goal, dist, threshold=threshold, inclusive=inclusive, stopped=stopped
        ),
        "osr": oracle_success(path, goal, dist, threshold=threshold, inclusive=inclusive),
        "tl": trajectory_length(path, dist),
        "spl": spl(
            path, goal, dist, shortest=shortest, threshold=threshold, inclusive=inclusive,
            stopped=stopped,
        ),
        "ndtw": ndtw(visited, ref, dist, d_th=d_th),
        "sdtw": sdtw(
            visited, ref, dist, d_th=d_th, goal=goal, threshold=threshold,
            inclusive=inclusive, stopped=stopped,
        ),
        "cls": cls(visited, ref, dist, d_th=d_th),
    }
