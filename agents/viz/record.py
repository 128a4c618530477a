"""Recording episodes as videos: ``vln record``.

Each frame (:func:`agents.viz.frames.compose`) shows the egocentric view, the map with
the path walked so far, the instruction, the step number and the action taken from that
state; the first frame is the state after ``reset``, so an episode of ``T`` steps gives
``T + 1`` frames, the last one carrying the success or failure banner. Several episodes
can be tiled into one video (``grid``), shorter ones holding their last frame.

GIFs are written with Pillow; MP4s with imageio-ffmpeg (the optional ``video`` extra).
Files are written atomically: a temporary file in the same folder, then a rename.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.viz.drivers import Driver
from agents.viz.episodes import EpisodeProvider, EpisodeRef
from agents.viz.frames import BACKGROUND, Layout, compose, scene_from_env
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.errors import VLNError
from vlnenv.eval.distances import geodesic
from vlnenv.eval.evaluate import score_episode
from vlnenv.eval.protocol import expert_kind
from vlnenv.fileio import atomic_path

#: Video formats by file suffix.
FORMATS: dict[str, str] = {".gif": "GIF", ".mp4": "MP4"}


class RecordError(VLNError):
    """A video that cannot be written (unknown format, missing extra, no frames)."""


@dataclass(frozen=True)
class RecordConfig:
    """How episodes are drawn and written."""

    fps: float = 4.0
    """Frames per second."""
    hold_last: float = 1.5
    """Seconds the last frame stays on screen (GIF; MP4 repeats it)."""
    show_reference: bool = False
    """Highlight the reference path on the map."""
    layout: Layout = field(default_factory=Layout)
    """Sizes of the frame's parts."""
    gap: int = 6
    """Pixels between tiles of a grid."""


@dataclass(frozen=True)
class Recording:
    """The frames of one episode and how it went."""

    frames: list[np.ndarray]
    """``T + 1`` frames of one size (none when not drawn)."""
    record: dict[str, Any]
    """The episode's record as the benchmark writes it (path, actions, success and every
    metric; see :func:`vlnenv.eval.evaluate.score_episode`)."""


def run_episode(driver: Driver, ref: EpisodeRef, config: RecordConfig | None = None,
                draw: bool = True) -> Recording:
    """Play ``ref`` with ``driver`` until it stops or runs out of steps.

    Args:
        driver: the policy.
        ref: the episode.
        config: drawing options.
        draw: compose frames (``False``: only score the episode).
    """
    config = config or RecordConfig()
    env = GridHouseEnv(config=EnvConfig(expert=expert_kind(driver)))
    obs, info = env.reset(options={"episode": ref.episode, "house": ref.house})
    driver.begin(ref.index)
    frames: list[np.ndarray] = []
    actions: list[int] = []
    done = False
    while not done:
        decision = driver.act(obs, info)
        if draw:
            frames.append(_frame(env, config, decision.action, decision.attention))
        obs, _, terminated, truncated, info = env.step(decision.action)
        actions.append(decision.action)
        done = terminated or truncated
    if draw:
        frames.append(_frame(env, config, None, None))
    record = score_episode(ref.episode, ref.index, env, actions, geodesic(ref.house))
    env.close()
    return Recording(frames, record)


def _frame(env: GridHouseEnv, config: RecordConfig, action: int | None,
           attention: object) -> np.ndarray:
    scene = scene_from_env(env, action=action, attention=attention,
                           show_reference=config.show_reference)
    return compose(scene, config.layout)


def pad_to(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """``frame`` in the top left corner of a ``(height, width)`` canvas of the frame
    background."""
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = BACKGROUND
    canvas[:frame.shape[0], :frame.shape[1]] = frame
    return canvas


def grid_shape(n: int) -> tuple[int, int]:
    """``(rows, columns)`` of a grid of ``n`` tiles, as square as possible, wider than
    tall."""
    columns = math.ceil(math.sqrt(n))
    return math.ceil(n / columns), columns


def tile_episodes(episodes: Sequence[Sequence[np.ndarray]], gap: int = 6) -> list[np.ndarray]:
    """One video of several episodes side by side: frame ``t`` tiles frame ``t`` of each
    episode (its last frame once it has ended), every tile padded to the largest frame.

    Returns:
        ``max(len(e))`` frames of one size.

    Raises:
        RecordError: no episodes, or an episode without frames.
    """
    if not episodes or any(len(e) == 0 for e in episodes):
        raise RecordError("tiling needs at least one episode, each with at least one frame")
    h = max(f.shape[0] for e in episodes for f in e)
    w = max(f.shape[1] for e in episodes for f in e)
    rows, cols = grid_shape(len(episodes))
    out = []
    for t in range(max(len(e) for e in episodes)):
        canvas = np.empty((rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap, 3),
                          np.uint8)
        canvas[:] = BACKGROUND
        for i, frames in enumerate(episodes):
            r, c = divmod(i, cols)
            y, x = gap + r * (h + gap), gap + c * (w + gap)
            canvas[y:y + h, x:x + w] = pad_to(frames[min(t, len(frames) - 1)], h, w)
        out.append(canvas)
    return out


def video_format(path: str | os.PathLike[str]) -> str:
    """``"GIF"`` or ``"MP4"`` from the file suffix.

    Raises:
        RecordError: another suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise RecordError(f"{path}: cannot tell the video format from {suffix!r}; expected "
                          f"one of {sorted(FORMATS)}")
    return FORMATS[suffix]


def write_gif(frames: Sequence[np.ndarray], path: Path, fps: float, hold_last: float) -> None:
    """Write ``frames`` as a looping GIF (one adaptive palette per frame, no dithering)."""
    from PIL import Image

    images = [Image.fromarray(f).quantize(256, dither=Image.Dither.NONE) for f in frames]
    durations = [int(round(1000 / fps))] * len(images)
    durations[-1] = max(durations[-1], int(round(1000 * hold_last)))
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, disposal=1)


def write_mp4(frames: Sequence[np.ndarray], path: Path, fps: float, hold_last: float) -> None:
    """Write ``frames`` as an H.264 MP4 (sides padded to even numbers).

    Raises:
        RecordError: imageio-ffmpeg is not installed.
    """
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise RecordError("writing MP4 needs imageio and imageio-ffmpeg: install the "
                          "optional 'video' extra (pip install -e \".[video]\"), or write a "
                          ".gif") from None
    h, w = frames[0].shape[:2]
    extra = max(0, int(round(hold_last * fps)) - 1)
    with imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                            macro_block_size=1, pixelformat="yuv420p") as writer:
        for frame in [*frames, *[frames[-1]] * extra]:
            writer.append_data(pad_to(frame, h + h % 2, w + w % 2))


def write_video(frames: Sequence[np.ndarray], path: str | os.PathLike[str],
                fps: float = 4.0, hold_last: float = 1.5) -> Path:
    """Write ``frames`` to ``path`` (``.gif`` or ``.mp4``) atomically.

    Raises:
        RecordError: no frames, an unknown suffix, or MP4 without the ``video`` extra.
    """
    if not frames:
        raise RecordError(f"{path}: no frames to write")
    kind = video_format(path)
    path = Path(path)
    writer: Callable[..., None] = write_gif if kind == "GIF" else write_mp4
    with atomic_path(path, path.suffix) as tmp:
        writer(frames, tmp, fps, hold_last)
    return path


def record_episodes(driver: Driver, episodes: EpisodeProvider, out: str | os.PathLike[str],
                    grid: int = 1, config: RecordConfig | None = None) -> list[Recording]:
    """Record the first ``grid`` episodes of ``episodes`` with ``driver`` into one video
    (tiled when ``grid > 1``) at ``out``.

    Raises:
        RecordError: ``grid < 1``, an unknown suffix, or MP4 without the ``video`` extra.
    """
    config = config or RecordConfig()
    if grid < 1:
        raise RecordError(f"grid = {grid}: expected at least 1 episode")
    video_format(out)  # fail before running anything
    recordings = [run_episode(driver, episodes.get(i), config) for i in range(grid)]
    frames = (recordings[0].frames if grid == 1
              else tile_episodes([r.frames for r in recordings], config.gap))
    write_video(frames, out, config.fps, config.hold_last)
    return recordings
