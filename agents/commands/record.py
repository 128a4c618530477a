"""``vln record``: a policy's episodes as a GIF or MP4.

``vln record --policy oracle|random|forward[:N]|CHECKPOINT --suite S --split X --episode ID
--out FILE.gif|FILE.mp4 [--grid N] [--attention] [--reference] [--fps F] [--seed S]``

Each frame shows the egocentric view, the map with the path so far, the instruction, the
step and the action taken; the first frame is the state after reset. ``--grid N`` tiles
episodes ``ID``, ``ID + 1``, ... into one video. ``--attention`` (a
``MultimodalTransformer`` folder as the policy) shades the view cells and instruction
words the state token attends to. MP4 needs the optional ``video`` extra.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agents.commands import add_force, count_arg, seed_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``record`` command."""
    p = sub.add_parser(
        "record", help="record a policy's episodes as a GIF or MP4",
        description="Record a policy's episodes: egocentric view, map with the path, "
                    "instruction, step and action in every frame.",
    )
    p.add_argument("--policy", required=True,
                   help="random, forward[:N], oracle, or a model folder (save_pretrained)")
    p.add_argument("--suite", default="small", help="suite name or folder (default: small)")
    p.add_argument("--split", default="val_unseen", help="split (default: val_unseen)")
    p.add_argument("--episode", default="0", help="episode id or index (default: 0)")
    p.add_argument("--out", type=Path, required=True,
                   help="video to write (.gif or .mp4; an existing one only with --force)")
    add_force(p)
    p.add_argument("--grid", type=count_arg, default=1,
                   help="record N consecutive episodes tiled into one video (default: 1)")
    p.add_argument("--attention", action="store_true",
                   help="draw the Transformer's attention over the view and the words")
    p.add_argument("--reference", action="store_true",
                   help="highlight the reference path on the map")
    p.add_argument("--fps", type=float, default=4.0, help="frames per second (default: 4)")
    p.add_argument("--seed", type=seed_arg, default=0, help="policy seed (default: 0)")
    p.set_defaults(func=_record)


def _record(args: argparse.Namespace) -> int:
    from agents.viz.driver_factory import make_driver
    from agents.viz.episodes import SuiteEpisodes
    from agents.viz.record import RecordConfig, record_episodes
    from vlnenv.fileio import check_output

    check_output(args.out, args.force, folder=False)  # before anything is run
    episodes = SuiteEpisodes(args.suite, args.split, args.episode)
    driver = make_driver(args.policy, args.seed, attention=args.attention)
    config = RecordConfig(fps=args.fps, show_reference=args.reference)
    recordings = record_episodes(driver, episodes, args.out, args.grid, config)
    for rec in recordings:
        r = rec.record
        verdict = "success" if r["success"] else "failure"
        print(f"{r['episode_id']} ({r['family']}): {verdict} in {r['steps']} steps, "
              f"{len(rec.frames)} frames")
    print(f"wrote {args.out}")
    return 0
