"""``vln play``: play an episode by hand in a pygame window.

* ``vln play [--suite S --split X --episode ID]``: episodes of a suite split, from ``ID``
  (an episode id or index) on; ``n`` moves to the next one.
* ``vln play --house FILE --task FAMILY [--seed N]``: fresh tasks of ``FAMILY`` on a map
  file.
* ``vln play --house FILE --instruction "..." [--start ROW,COL,HEADING]``: your own
  instruction, read as a task in the map file (or, without ``--house``, in the house of
  the suite episode, from its start).
* ``--keys "up,up,left,enter"`` presses those keys and quits (no keyboard needed; runs
  headless when there is no display); ``--save-last PNG`` writes the last frame.
* Without ``--keys`` and without a display (no ``DISPLAY``/``WAYLAND_DISPLAY``, or a
  headless ``SDL_VIDEODRIVER``) it refuses in one line and says how to record instead.

Keys (Minigrid's manual control): arrows turn and move forward, space toggles a door,
page-up or tab picks up, page-down or shift drops, enter stops, backspace restarts, ``n``
next episode, ``r`` shows the reference path, escape quits.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agents.commands import add_force, seed_arg


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``play`` command."""
    p = sub.add_parser(
        "play", help="play an episode by hand (pygame window)",
        description="Play episodes by hand: arrows turn and move, space toggles a door, "
                    "tab/page-up picks up, shift/page-down drops, enter stops, backspace "
                    "restarts, n next episode, r reference path, escape quits.",
    )
    p.add_argument("--suite", default="small", help="suite name or folder (default: small)")
    p.add_argument("--split", default="val_unseen", help="split (default: val_unseen)")
    p.add_argument("--episode", default="0", help="episode id or index (default: 0)")
    p.add_argument("--house", type=Path, default=None,
                   help="play fresh tasks on this map file instead of a suite")
    p.add_argument("--task", default="go_to_room",
                   help="task family with --house (default: go_to_room)")
    p.add_argument("--instruction", default=None,
                   help="play this typed instruction (in --house, or the suite episode's house)")
    p.add_argument("--start", default=None,
                   help="start pose ROW,COL,HEADING with --instruction (default: drawn)")
    p.add_argument("--seed", type=seed_arg, default=0, help="task seed with --house (default: 0)")
    p.add_argument("--keys", default=None,
                   help='comma-separated keys to press, then quit (e.g. "up,up,left,enter")')
    p.add_argument("--save-last", type=Path, default=None,
                   help="write the last frame (PNG; an existing one only with --force)")
    add_force(p)
    p.add_argument("--scale", type=int, default=4,
                   help="pixels per egocentric-view pixel (default: 4)")
    p.set_defaults(func=_play)


def _play(args: argparse.Namespace) -> int:
    from agents.viz.episodes import choose_episodes, parse_start
    from agents.viz.frames import Layout
    from agents.viz.play import parse_keys, play
    from vlnenv.fileio import check_output

    if args.save_last is not None:
        check_output(args.save_last, args.force, folder=False)
    start = None if args.start is None else parse_start(args.start)
    episodes = choose_episodes(args.house, args.suite, args.split, args.episode,
                               args.instruction, start, args.task, args.seed)
    script = parse_keys(args.keys) if args.keys is not None else None
    result = play(episodes, script=script, save_last=args.save_last,
                  layout=Layout(view_scale=args.scale))
    verdict = {None: "not finished", True: "success", False: "failure"}[result.success]
    print(f"{result.episode_id}: {verdict} after {result.steps} steps")
    if args.save_last is not None:
        print(f"wrote {args.save_last}")
    return 0
