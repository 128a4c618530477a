"""Write the gallery: ``docs/gallery/*.png``, one GIF, and ``docs/gallery.md``.

Usage::

    python scripts/make_gallery.py [--out docs/gallery]

What it draws: top-down renders of three hand-made houses, a strip of egocentric views
along an oracle episode, one composed frame (view, map with the reference path, status),
a trajectory plot, benchmark bars of the three baselines on ``tiny``/``val_unseen``, and
a GIF of an oracle episode. Everything comes from the shipped maps and suites through the
same functions ``vln record`` and ``vln plot`` use.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from agents.benchmark.report import write_results
from agents.benchmark.runner import BenchmarkConfig, run_benchmark
from agents.viz.driver_factory import make_driver
from agents.viz.episodes import SuiteEpisodes
from agents.viz.frames import BACKGROUND, compose, scene_from_env
from agents.viz.play import save_png
from agents.viz.plots import PlotConfig, plot_bars, plot_trajectory
from agents.viz.record import RecordConfig, run_episode, write_video
from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.expert.kinds import EnvExpert
from vlnenv.render.text import draw_text, draw_text_block
from vlnenv.render.topdown import render_topdown
from vlnenv.world.mapfile import load_house

ROOT = Path(__file__).resolve().parents[1]
HOUSES = ("studio", "two_bedroom_apartment", "family_house")
SUITE = "tiny"
#: The oracle episode of the GIF and the egocentric strip: a fetch through a closed door.
GIF_SPLIT, GIF_EPISODE = "val_unseen", "val_unseen-e00002"
#: The trajectory plot: a baseline that does not know the way.
TRAJECTORY = ("test", "test-e00002", "forward:40")


def side_by_side(pictures: list[np.ndarray], gap: int = 8) -> np.ndarray:
    """Pictures in a row, top-aligned, on the frame background."""
    height = max(p.shape[0] for p in pictures) + 2 * gap
    width = sum(p.shape[1] for p in pictures) + gap * (len(pictures) + 1)
    row = np.empty((height, width, 3), np.uint8)
    row[:] = BACKGROUND
    x = gap
    for p in pictures:
        row[gap:gap + p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    return row


def houses_png(out: Path) -> Path:
    """Three hand-made houses at one scale, each named underneath."""
    pictures = []
    for name in HOUSES:
        house = load_house(ROOT / "maps" / "houses" / f"{name}.toml")
        picture = render_topdown(house, 14)
        caption = f"{house.name}\n{house.height}x{house.width}, {len(house.rooms)} rooms"
        pictures.append(draw_text_block(picture, caption, scale=2))
    return save_png(side_by_side(pictures), out / "houses.png")


def egocentric_strip_png(out: Path, n_views: int = 6) -> Path:
    """What the agent sees at evenly spaced steps of the oracle episode, each view under
    its step number and the action taken there."""
    ref = SuiteEpisodes(SUITE, GIF_SPLIT, GIF_EPISODE).get(0)
    actions = run_episode(make_driver("oracle"), ref, draw=False).record["actions"]
    env = GridHouseEnv()
    env.reset(options={"episode": ref.episode, "house": ref.house})
    steps = set(np.linspace(0, len(actions) - 1, n_views).round().astype(int).tolist())
    views = []
    for t, action in enumerate(actions):
        if t in steps:
            view = env.observer.image(env.state.pose).repeat(3, 0).repeat(3, 1)  # (168, 168, 3)
            views.append(draw_text_block(view, f"t={t}\n{Action(action).word}", scale=2))
        env.step(action)
    strip = side_by_side(views)
    band = np.zeros((24, strip.shape[1], 3), np.uint8)
    band[:] = BACKGROUND
    draw_text(band, f"oracle: {ref.episode.instruction}", 8, 8, (230, 230, 230), 2)
    return save_png(np.concatenate([band, strip]), out / "egocentric_strip.png")


def frame_png(out: Path) -> Path:
    """One frame as ``vln play`` shows it after a few steps, the reference path shown."""
    ref = SuiteEpisodes(SUITE, GIF_SPLIT, GIF_EPISODE).get(0)
    env = GridHouseEnv(config=EnvConfig(expert=EnvExpert.ORACLE))
    info = env.reset(options={"episode": ref.episode, "house": ref.house})[1]
    action = None
    for _ in range(12):
        action = info["expert_action"]
        info = env.step(action)[4]
    scene = scene_from_env(env, action=action, action_label="last", show_reference=True)
    return save_png(compose(scene), out / "frame.png")


def trajectory_png(out: Path) -> Path:
    """A baseline's path against the reference path."""
    split, episode, policy = TRAJECTORY
    ref = SuiteEpisodes(SUITE, split, episode).get(0)
    record = run_episode(make_driver(policy), ref, draw=False).record
    return plot_trajectory(ref, record, policy, out / "trajectory.png", PlotConfig())


def bars_png(out: Path) -> Path:
    """SR per family of the three baselines on ``tiny``/``val_unseen``."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for policy in ("oracle", "forward", "random"):
            results = run_benchmark(BenchmarkConfig(SUITE, "val_unseen", policy))
            files.append(write_results(results, Path(tmp) / policy)[0])
        return plot_bars(files, out / "bars.png", "sr", PlotConfig())


def oracle_gif(out: Path) -> Path:
    """The oracle on the fetch episode, with the reference path shown."""
    ref = SuiteEpisodes(SUITE, GIF_SPLIT, GIF_EPISODE).get(0)
    config = RecordConfig(fps=4.0, show_reference=True)
    frames = run_episode(make_driver("oracle"), ref, config).frames
    return write_video(frames, out / "oracle.gif", config.fps, config.hold_last)


PAGE = """# Gallery

Made by `python scripts/make_gallery.py` from the shipped maps and suites; every picture
below can be redrawn with the command under it.

## Houses

Three of the hand-made houses in `maps/houses/`, drawn top-down (`vln house show FILE`).

![three hand-made houses](gallery/houses.png)

## What the agent sees

The egocentric view (7x7 cells, the agent at the bottom centre facing up; walls and
closed doors hide what is behind them) at evenly spaced steps of an oracle episode, with
the action taken at each.

![egocentric views along an episode](gallery/egocentric_strip.png)

## A frame of `vln play` / `vln record`

The view scaled up beside the map (agent in red, its path in magenta, the reference path
tinted green when `r` is pressed or `--reference` given), the instruction, and the status
bar: step, action and what the agent holds; green or red at the end.

![a frame](gallery/frame.png)

`vln play --suite tiny --split val_unseen --episode val_unseen-e00002`

## An oracle episode

![the oracle fetching an object](gallery/oracle.gif)

`vln record --policy oracle --suite tiny --split val_unseen --episode val_unseen-e00002
--reference --out oracle.gif`

## A trajectory

The `forward:40` baseline (walk ahead, turn right when blocked, stop after 40 actions)
against the reference path of a fetch episode; goal cells in green.

![forward baseline against the reference](gallery/trajectory.png)

`vln plot trajectory --suite tiny --split test --episode test-e00002 --policy forward:40
--out trajectory.png`

## Baselines on `tiny`

Success rate per task family with 95% confidence intervals (two episodes a family, so the
intervals are wide).

![baseline success rates](gallery/bars.png)

`vln benchmark --suite tiny --split val_unseen --policy oracle --out runs/oracle` (and
`forward`, `random`), then `vln plot bars runs/*/results.json --out bars.png`
"""


def write_page(path: Path) -> None:
    """Write ``docs/gallery.md`` atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(PAGE)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery",
                        help="folder of the images (default: docs/gallery)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    made = [houses_png(args.out), egocentric_strip_png(args.out), frame_png(args.out),
            trajectory_png(args.out), bars_png(args.out), oracle_gif(args.out)]
    write_page(args.out.parent / "gallery.md")
    total = sum(p.stat().st_size for p in made)
    for p in made:
        print(f"{p}: {p.stat().st_size / 1024:.0f} KiB")
    print(f"total {total / 1024:.0f} KiB; wrote {args.out.parent / 'gallery.md'}")


if __name__ == "__main__":
    main()
