"""What the integrity checks and the map-file limits cost, measured side by side.

Prints:

* ``from_pretrained`` of the quickstart-size model with the checks (zip CRC-32, the
  SHA-256 recorded in ``config.json``, finite weights) and with them switched off, and the
  ratio;
* the time to load the largest map the limits allow (256x256 cells, 1,024 objects), and
  to refuse a 1,500x1,500 map (2.25 MB, which loaded in 18.5 s before the cap).

Usage: ``python benchmarks/integrity_cost.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from agents.models import (
    MultimodalTransformer,  # noqa: E402
    model_folder,  # noqa: E402
)
from agents.train.config import resolve_config  # noqa: E402
from vlnenv.errors import MapError  # noqa: E402
from vlnenv.world.mapfile import MAX_OBJECTS, loads_house  # noqa: E402
from vlnenv.world.mapgrid import MAX_HOUSE_SIDE  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "quickstart.toml"


def mean_seconds(fn: object, repeats: int) -> float:
    """Mean wall-clock seconds of ``fn()`` over ``repeats`` calls."""
    start = time.perf_counter()
    for _ in range(repeats):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / repeats


def square_map(side: int, objects: int) -> str:
    """Map text: one room filling a bordered ``side`` x ``side`` grid, ``objects`` cups."""
    rows = ["#" * side] + ["#" + "A" * (side - 2) + "#"] * (side - 2) + ["#" * side]
    items = "".join(f'[[objects]]\nkind = "cup"\ncolor = "red"\nat = [{1 + i // (side - 2)}, '
                    f"{1 + i % (side - 2)}]\n" for i in range(objects))
    return (f'name = "big"\n[rooms]\nA = "kitchen"\n{items}[grid]\ncells = """\n'
            + "\n".join(rows) + '\n"""\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)

    folder = Path(tempfile.mkdtemp())
    MultimodalTransformer(resolve_config(CONFIG, []).model).save_pretrained(folder)
    checked = mean_seconds(lambda: MultimodalTransformer.from_pretrained(folder), args.repeats)
    saved = model_folder.check_archive, model_folder.verify_files, model_folder.check_finite
    model_folder.check_archive = lambda path: None
    model_folder.verify_files = lambda directory: None
    model_folder.check_finite = lambda state, where: None
    try:
        bare = mean_seconds(lambda: MultimodalTransformer.from_pretrained(folder), args.repeats)
    finally:
        model_folder.check_archive, model_folder.verify_files, model_folder.check_finite = saved
    size = (folder / model_folder.WEIGHTS_FILE).stat().st_size
    print(f"from_pretrained ({size:,} bytes of weights): {checked * 1e3:.1f} ms with the "
          f"checks, {bare * 1e3:.1f} ms without: x{checked / bare:.2f}")

    largest = square_map(MAX_HOUSE_SIDE, MAX_OBJECTS)
    load = mean_seconds(lambda: loads_house(largest), 3)
    huge = square_map(1500, 0)
    start = time.perf_counter()
    try:
        loads_house(huge)
    except MapError:
        refused = time.perf_counter() - start
    else:
        raise SystemExit("a 1,500x1,500 map loaded: the size cap is not enforced")
    print(f"largest map within the limits ({MAX_HOUSE_SIDE}x{MAX_HOUSE_SIDE}, {MAX_OBJECTS:,} "
          f"objects, {len(largest):,} bytes): {load:.2f} s to load; a 1,500x1,500 map "
          f"({len(huge):,} bytes): refused in {refused * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
