"""``vln house``: render, validate and generate house map files.

* ``vln house show FILE [--out PNG] [--tile N] [--force]``: top-down picture of a house.
* ``vln house check FILE...``: validate map files; prints ``path:line:col: message`` for
  each broken file and exits 1 if any is broken.
* ``vln house new --seed N --out FILE [--size small|large|huge] [--force]``: write a
  generated house (3-6 rooms, 8-14, or 16-24 on grids up to 64x64).

An existing output file is replaced only with ``--force`` (the output rule,
:func:`vlnenv.fileio.output_file`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agents.commands import add_force, seed_arg
from vlnenv.errors import MapError
from vlnenv.world.generate import PRESETS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``house`` command group."""
    group = sub.add_parser("house", help="render, check and generate house map files")
    cmds = group.add_subparsers(dest="house_command", metavar="COMMAND", required=True)

    show = cmds.add_parser("show", help="render a house (top-down) to a PNG")
    show.add_argument("file", type=Path, help="map file (.toml)")
    show.add_argument("--out", type=Path, default=None,
                      help="PNG to write (default: FILE with .png suffix)")
    show.add_argument("--tile", type=int, default=24, help="pixels per cell (1..64)")
    add_force(show)
    show.set_defaults(func=_show)

    check = cmds.add_parser("check", help="validate map files (exit 1 on any error)")
    check.add_argument("files", type=Path, nargs="+", help="map files")
    check.set_defaults(func=_check)

    new = cmds.add_parser("new", help="write a procedurally generated house")
    new.add_argument("--seed", type=seed_arg, required=True, help="generator seed")
    new.add_argument("--out", type=Path, required=True, help="map file to write")
    new.add_argument("--size", choices=tuple(PRESETS), default="small",
                     help="generator preset")
    add_force(new)
    new.set_defaults(func=_new)


def _show(args: argparse.Namespace) -> int:
    from PIL import Image

    from vlnenv.fileio import check_output, output_file
    from vlnenv.render.topdown import render_topdown
    from vlnenv.world.mapfile import load_house

    if not 1 <= args.tile <= 64:
        print(f"vln house show: --tile must be in 1..64, got {args.tile}", file=sys.stderr)
        return 2
    house = load_house(args.file)  # first: a missing or unnamed file is a MapError
    out = check_output(args.out or args.file.with_suffix(".png"), args.force, folder=False)
    picture = render_topdown(house, args.tile)
    with output_file(out, args.force, ".png") as tmp:
        Image.fromarray(picture).save(tmp)
    print(f"{out}: {house.name}, {house.height}x{house.width} cells, {len(house.rooms)} rooms")
    return 0


def _check(args: argparse.Namespace) -> int:
    from vlnenv.world.mapfile import load_house

    broken = 0
    for path in args.files:
        try:
            house = load_house(path)
        except MapError as err:
            print(err)
            broken += 1
        else:
            print(f"{path}: ok ({house.height}x{house.width}, {len(house.rooms)} rooms)")
    return 1 if broken else 0


def _new(args: argparse.Namespace) -> int:
    from vlnenv.fileio import check_output, output_file
    from vlnenv.world.generate import generate_house
    from vlnenv.world.mapfile import dumps_house

    check_output(args.out, args.force, folder=False)
    house = generate_house(PRESETS[args.size], args.seed)
    with output_file(args.out, args.force) as tmp:
        tmp.write_text(dumps_house(house), encoding="utf-8")
    print(f"{args.out}: {house.name}, {house.height}x{house.width}, {len(house.rooms)} rooms")
    return 0
