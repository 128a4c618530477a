"""``vln run``: one typed instruction, carried out by a policy, scored and recorded.

``vln run --house FILE --instruction "Go to the bedroom and bring me a pillow" --policy
oracle|explorer|rules|random|MODEL_DIR [--start ROW,COL,HEADING] [--seed S] [--out
episode.gif|.mp4]``, or ``--suite S [--split X] --episode ID`` instead of ``--house``
(the house of that episode, from its start; without ``--instruction``, the episode
itself). Prints the task read from the words, success, steps and every metric (NE, SR,
OSR, TL, SPL, nDTW, SDTW, CLS); words that cannot be read are refused in one line
(``vln: error: ...``, exit code 1).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

#: Metrics printed, with their labels.
METRICS: tuple[tuple[str, str], ...] = (
    ("ne", "NE"), ("sr", "SR"), ("osr", "OSR"), ("tl", "TL"), ("spl", "SPL"),
    ("ndtw", "nDTW"), ("sdtw", "SDTW"), ("cls", "CLS"),
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser(
        "run", help="run a policy on one typed instruction and score it",
        description="Read a typed instruction in a house, let a policy carry it out, print "
                    "success, steps and the metrics, and optionally record a video.",
    )
    p.add_argument("--house", type=Path, default=None, help="map file (.toml)")
    p.add_argument("--suite", default="small",
                   help="suite whose episode gives the house (default: small)")
    p.add_argument("--split", default="val_unseen", help="split (default: val_unseen)")
    p.add_argument("--episode", default="0", help="suite episode id or index (default: 0)")
    p.add_argument("--instruction", default=None,
                   help="the instruction in English (required with --house)")
    p.add_argument("--policy", default="rules",
                   help="oracle, explorer, rules (default), random, forward[:N] or a model "
                        "folder (save_pretrained)")
    p.add_argument("--start", default=None,
                   help="start pose ROW,COL,HEADING (heading 0 east, 1 south, 2 west, 3 "
                        "north); drawn with --seed when not given")
    p.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--out", type=Path, default=None, help="video to write (.gif or .mp4)")
    p.add_argument("--fps", type=float, default=4.0, help="frames per second (default: 4)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from agents.viz.driver_factory import make_driver
    from agents.viz.episodes import EpisodeLookupError, choose_episodes, parse_start
    from agents.viz.record import RecordConfig, run_episode, video_format, write_video

    if args.house is not None and args.instruction is None:
        raise EpisodeLookupError("--house needs --instruction (or use vln play --task)")
    if args.out is not None:
        video_format(args.out)  # fail before running anything
    start = None if args.start is None else parse_start(args.start)
    episodes = choose_episodes(args.house, args.suite, args.split, args.episode,
                               args.instruction, start, seed=args.seed)
    ref = episodes.get(0)
    driver = make_driver(args.policy, args.seed)
    config = RecordConfig(fps=args.fps)
    recording = run_episode(driver, ref, config, draw=args.out is not None)
    r = recording.record
    print(f"instruction: {ref.episode.instruction}")
    print(f"task: {json.dumps(ref.episode.task)}")
    print(f"start: {list(ref.episode.start)} in {ref.episode.house}, max steps "
          f"{ref.episode.max_steps}, reference path {len(ref.episode.reference_path)} cells")
    verdict = "success" if r["success"] else "failure"
    print(f"{args.policy}: {verdict} in {r['steps']} steps")
    print("  ".join(f"{label} {r[key]:.2f}" for key, label in METRICS))
    if args.out is not None:
        write_video(recording.frames, args.out, config.fps, config.hold_last)
        print(f"wrote {args.out}")
    return 0
