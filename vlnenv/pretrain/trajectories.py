"""Instruction–trajectory pairs: each suite episode's instruction with the views along its
reference path (the oracle's demonstration), for all task families."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vlnenv.pretrain.views import VIEW, HouseViews
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import DIRECTIONS, House

#: Views kept per trajectory (evenly spaced along the path, first and last included).
FRAMES = 6


@dataclass(frozen=True)
class TrajectorySample:
    """One instruction with the views along its path."""

    episode_id: str
    family: str
    instruction: str
    codes: np.ndarray
    """``(K, V, V)`` int32 view codes along the path."""


def path_poses(episode: Episode) -> list[tuple[tuple[int, int], int]]:
    """``(cell, heading)`` at every cell of the reference path: the heading of the move
    into the cell (the start heading at the start)."""
    heading = episode.start[2]
    poses = [(tuple(episode.reference_path[0]), heading)]
    for a, b in zip(episode.reference_path, episode.reference_path[1:], strict=False):
        step = (b[0] - a[0], b[1] - a[1])
        heading = DIRECTIONS.index(step) if step in DIRECTIONS else heading
        poses.append((tuple(b), heading))
    return poses


def frame_indices(length: int, frames: int = FRAMES) -> np.ndarray:
    """``(frames,)`` evenly spaced indices into a path of ``length`` poses (repeats when
    the path is shorter)."""
    return np.round(np.linspace(0, length - 1, frames)).astype(np.int64)


def trajectory_pairs(episodes: list[Episode], houses: dict[str, House], n: int, seed: int,
                     frames: int = FRAMES, view: int = VIEW) -> list[TrajectorySample]:
    """``n`` episodes drawn without replacement (all of them when ``n`` is larger), each
    with :data:`FRAMES` views along its reference path.

    Args:
        episodes: the split's episodes.
        houses: the split's houses by id.
        n: number of pairs.
        seed: seed of the draw.
        frames: views per trajectory.
        view: view size.
    """
    rng = np.random.default_rng(seed)
    pick = [episodes[int(i)] for i in rng.permutation(len(episodes))[:n]]
    codes = trajectory_codes(pick, houses, frames, view)
    return [TrajectorySample(ep.episode_id, ep.family, ep.instruction, c)
            for ep, c in zip(pick, codes, strict=True)]


def trajectory_codes(episodes: Sequence[Episode], houses: Mapping[str, House],
                     frames: int = FRAMES,
                     view: int = VIEW) -> np.ndarray:
    """``(E, frames, V, V)`` int32 view codes at ``frames`` evenly spaced poses along each
    episode's reference path (:func:`path_poses`, :func:`frame_indices`)."""
    cache: dict[str, HouseViews] = {}
    out = np.zeros((len(episodes), frames, view, view), np.int32)
    for e, ep in enumerate(episodes):
        hv = cache.get(ep.house)
        if hv is None:
            hv = cache[ep.house] = HouseViews(houses[ep.house], view)
        poses = path_poses(ep)
        out[e] = np.stack([hv.codes(*poses[k]) for k in frame_indices(len(poses), frames)])
    return out
