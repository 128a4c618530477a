"""``vln house``: render, validate and generate house map files.

* ``vln house show FILE [--out PNG] [--tile N]``: top-down picture of a house.
* ``vln house check FILE...``: validate map files; prints ``path:line:col: message`` for
  each broken file and exits 1 if any is broken.
* ``vln house new --seed N --out FILE [--size small|large]``: write a generated house.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vlnenv.errors import MapError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``house`` command group."""
    group = sub.add_parser("house", help="render, check and generate house map files")
    cmds = group.add_subparsers(dest="house_command", metavar="COMMAND", required=True)

    show = cmds.add_parser("show", help="render a house (top-down) to a PNG")
    show.add_argument("file", type=Path, help="map file (.toml)")
    show.add_argument("--out", type=Path, default=None,
                      help="PNG to write (default: FILE with .png suffix)")
    show.add_argument("--tile", type=int, default=24, help="pixels per cell (1..64)")
    show.set_defaults(func=_show)

    check = cmds.add_parser("check", help="validate map files (exit 1 on any error)")
    check.add_argument("files", type=Path, nargs="+", help="map files")
    check.set_defaults(func=_check)

    new = cmds.add_parser("new", help="write a procedurally generated house")
    new.add_argument("--seed", type=int, required=True, help="generator seed")
    new.add_argument("--out", type=Path, required=True, help="map file to write")
    new.add_argument("--size", choices=("small", "large"), default="small",
                     help="generator preset")
    new.set_defaults(func=_new)


def _show(args: argparse.Namespace) -> int:
    from PIL import Image

    from vlnenv.fileio import atomic_path
    from vlnenv.render.topdown import render_topdown
    from vlnenv.world.mapfile import load_house

    if not 1 <= args.tile <= 64:
        print(f"vln house show: --tile must be in 1..64, got {args.tile}", file=sys.stderr)
        return 2
    house = load_house(args.file)
    out = args.out or args.file.with_suffix(".png")
    picture = render_topdown(house, args.tile)
    with atomic_path(out, ".png") as tmp:
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
        except OSError as err:
            print(f"{path}: cannot read ({err.strerror})")
            broken += 1
        else:
            print(f"{path}: ok ({house.height}x{house.width}, {len(house.rooms)} rooms)")
    return 1 if broken else 0


def _new(args: argparse.Namespace) -> int:
    from vlnenv.world.generate import LARGE, SMALL, generate_house
    from vlnenv.world.mapfile import save_house

    house = generate_house(LARGE if args.size == "large" else SMALL, args.seed)
    save_house(house, args.out)
    print(f"{args.out}: {house.name}, {house.height}x{house.width}, {len(house.rooms)} rooms")
    return 0
