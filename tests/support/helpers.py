"""Small builders shared by tests: houses from ASCII art without going through map files,
and scripts loaded as modules."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from vlnenv.world.colors import Color
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import Cell, House, Item, Room
from vlnenv.world.objects import ObjectKind
from vlnenv.world.rooms import RoomType


def make_house(
    rows: Iterable[str],
    rooms: dict[str, str],
    furniture: dict[str, str] | None = None,
    objects: Iterable[tuple[str, str, tuple[int, int]]] = (),
    name: str = "test house",
) -> House:
    """Build a house from grid rows in the map-file glyphs.

    Args:
        rows: grid lines: ``#`` wall, ``+`` closed door, ``/`` open door, uppercase room
            letter, lowercase furniture glyph.
        rooms: letter -> room type word.
        furniture: glyph -> furniture kind word.
        objects: (kind word, colour word, (row, col)).
    """
    furniture = furniture or {}
    lines = list(rows)
    h, w = len(lines), len(lines[0])
    letters = sorted(rooms)
    structure = np.zeros((h, w), np.uint8)
    room_map = np.full((h, w), -1, np.int16)
    furn = np.full((h, w), -1, np.int16)
    for r, line in enumerate(lines):
        assert len(line) == w, f"row {r} has length {len(line)}, expected {w}"
        for c, ch in enumerate(line):
            if ch == "#":
                structure[r, c] = Cell.WALL
            elif ch == "+":
                structure[r, c] = Cell.DOOR_CLOSED
            elif ch == "/":
                structure[r, c] = Cell.DOOR_OPEN
            elif ch.isupper():
                structure[r, c] = Cell.FLOOR
                room_map[r, c] = letters.index(ch)
            else:
                structure[r, c] = Cell.FURNITURE
                furn[r, c] = Furniture.from_word(furniture[ch])
    return House(
        name,
        structure,
        [Room(letter, RoomType.from_word(rooms[letter])) for letter in letters],
        room_map,
        furn,
        [Item(tuple(cell), ObjectKind.from_word(k), Color[c.upper()]) for k, c, cell in objects],
        {Furniture.from_word(kind): glyph for glyph, kind in furniture.items()},
    )


#: A five-room flat (bedroom, office, hallway, kitchen, living room) with open and closed
#: doors, shared by the expert tests.
FLAT_ROWS = (
    "############",
    "#AAAA#BBBBB#",
    "#AAAA+BBBcB#",
    "#AAAA#BBBBB#",
    "###+####/###",
    "#HHHHHHHHHH#",
    "#HHHHHHHHHH#",
    "##+#####+###",
    "#KKK#LLLLLL#",
    "#KfK#LLsLLL#",
    "#KKK+LLLLLL#",
    "############",
)
FLAT_ROOMS = {"A": "bedroom", "B": "office", "H": "hallway", "K": "kitchen", "L": "living_room"}
FLAT_FURNITURE = {"c": "desk", "f": "fridge", "s": "sofa"}


def flat_house() -> House:
    """The shared five-room flat."""
    return make_house(FLAT_ROWS, FLAT_ROOMS, FLAT_FURNITURE)


#: Bedroom and kitchen above a hallway, joined by a closed door, an open door and a closed
#: door, shared by the expert tests.
TWO_ROOMS_ROWS = (
    "##########",
    "#AAb#KKKf#",
    "#AAA+KKKK#",
    "#AAA#KKKK#",
    "##/####+##",
    "#HHHHHHHH#",
    "##########",
)


def two_rooms_house(objects=()) -> House:
    """The shared bedroom-kitchen-hallway house, with optional objects."""
    return make_house(TWO_ROOMS_ROWS, {"A": "bedroom", "K": "kitchen", "H": "hallway"},
                      {"b": "bed", "f": "fridge"}, objects)


#: Two bedrooms (A has a desk, B a door to the bathroom C), a hallway H.
#: Twins: the white pillows on the two beds, the red cups on the two bedroom floors, the
#: blue towels in C and H, the red hats in B and H.
TWO_BEDROOMS = make_house(
    [
        "#############",
        "#AAb#BBb#CCx#",
        "#AAA#BBB/CCC#",
        "#AdA#BBB#CCw#",
        "###/###/##/##",
        "#HHHHHHHHHHH#",
        "#HHHHHHHHHHH#",
        "#############",
    ],
    {"A": "bedroom", "B": "bedroom", "C": "bathroom", "H": "hallway"},
    {"b": "bed", "d": "desk", "x": "toilet", "w": "sink"},
    [
        ("pillow", "white", (1, 3)),
        ("pillow", "white", (1, 7)),
        ("cup", "red", (2, 1)),
        ("cup", "red", (2, 5)),
        ("cup", "blue", (5, 5)),
        ("book", "green", (3, 2)),
        ("towel", "blue", (2, 10)),
        ("towel", "blue", (5, 11)),
        ("hat", "red", (3, 5)),
        ("hat", "red", (6, 3)),
        ("keys", "black", (6, 1)),
        ("apple", "orange", (3, 6)),
    ],
)

#: The repository root.
ROOT = Path(__file__).resolve().parents[2]


def load_script(relative: str) -> ModuleType:
    """A script of the repository (``benchmarks/x.py``, ``scripts/y.py``) imported as a
    module, so tests can call its functions. It is registered in ``sys.modules`` as
    ``script_<name>``, as an import would register it (a dataclass defined in it looks its
    module up there)."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def synthetic_walk(n: int, instruction: str, seed: int) -> dict:
    """``n`` (at most 6) steps of observations with random views whose gps leaves ``±4``
    at the third step (for models with ``gps.range = 4`` whose maps grow)."""
    rng = np.random.default_rng(seed)
    gps = np.array([[0, 0], [2, -1], [6, -3], [9, -4], [12, -7], [12, -11]])[:n]
    return {"image": rng.integers(0, 255, (n, 56, 56, 3), dtype=np.uint8),
            "direction": rng.integers(0, 4, n), "carrying": np.zeros(n, np.int64),
            "gps": gps, "instruction": [instruction] * n}


def assert_steps_match_sequence(model, obs: dict, done: np.ndarray) -> None:
    """One environment's ``T`` observations (``obs`` values ``(T, ...)``, the instruction a
    list of ``T`` strings) run step by step (the state reset where ``done[0, t]``) give the
    logits and final state of one ``forward_sequence`` over them."""
    import torch

    T = done.shape[1]
    seq = {k: (v[None] if k != "instruction" else [v]) for k, v in obs.items()}
    with torch.no_grad():
        whole = model.forward_sequence(seq, None, done)
        state, steps = None, []
        for t in range(T):
            if done[0, t]:
                state = None
            out = model({k: v[t:t + 1] for k, v in obs.items()}, state)
            state = out.state
            steps.append(out.logits[0])
    torch.testing.assert_close(whole.logits[0], torch.stack(steps), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(whole.state, state, atol=1e-5, rtol=1e-4)


def flip_bit_in_first_tensor(path: Path) -> None:
    """Flip one exponent bit of the first float of the first tensor stored in a torch
    archive (the bytes of member ``*/data/0``), as a damaged disk would."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("/data/0"))
    data = bytearray(path.read_bytes())
    # local header: 30 bytes + name + extra field, then the stored (uncompressed) bytes
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + 3] ^= 0x40  # the high exponent bit of a little-endian float32
    path.write_bytes(bytes(data))


#: A model small enough to train in seconds on one CPU thread (``--set`` overrides).
TINY_MODEL = ["model.n_embd=32", "model.n_head=2", "model.n_text_layer=1",
              "model.n_vision_layer=1", "model.n_fusion_layer=1"]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run as fast on one thread, and steadily on a shared machine (used as
    an autouse fixture by the training tests' conftests)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


#: What a rank prints when it aborts in torch's native threads (see :func:`run_two_ranks`).
GLOO_ABORT = "terminate called without an active exception"


def run_two_ranks(command: list[str], settings: Iterable[str], out: Path) -> dict:
    """``torchrun --standalone --nproc_per_node=2 -m agents.train COMMAND --device cpu
    --set ...`` (gloo, one thread a rank); returns the run's ``result.json`` once it has
    checked that both ranks end with identical weights.

    A run in which a rank dies in native code with ``terminate called without an active
    exception`` (SIGABRT inside torch's gloo threads, no Python traceback: seen once in a
    fresh-clone CI run on 2026-12-07, not reproduced in 14 runs alone) is run once more from
    an empty ``out``; any other failure, or that one twice, fails the test."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "agents.train", *command, "--device", "cpu"]
    for item in settings:
        cmd += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for _ in range(2):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        if done.returncode == 0 or GLOO_ABORT not in done.stderr:
            break
        shutil.rmtree(out, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    digests = result["weight_digests"]
    assert len(digests) == 2 and digests[0] == digests[1]
    return result


def oracle_demo_set(suite, episodes, meta: dict):
    """The oracle's successful demonstrations of ``episodes`` of a loaded ``suite``, as a
    :class:`~agents.train.data.demo_set.DemoSet` with ``meta``."""
    from agents.train.data.demo_set import DemoSet
    from agents.train.data.demos import teacher_run
    from vlnenv.expert.oracle import Oracle

    actions, traces = [], []
    for ep in episodes:
        house = suite.houses[ep.house]
        acts, run = teacher_run(ep, house, "oracle", Oracle(house))
        actions.append(np.asarray(acts, np.uint8))
        traces.append(run.trace)
    n = len(episodes)
    return DemoSet(list(episodes), actions, [a.copy() for a in actions], np.ones(n, bool),
                   np.ones(n, bool), traces, dict(meta))
