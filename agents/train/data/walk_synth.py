"""Straight walks drawn in the training houses, taught as "walk N steps" route parts
(``data.walk_synth``).

A model that reads a route part by part (``model.read_route_parts``) follows "walk N
steps" by counting: the ``gps`` observation counts from where the part starts, and the
words say ``N``. The suites' routes say long walks rarely: in ``small/train``'s 1,000
routes ``N >= 8`` appears 62 times and ``N >= 13`` 7 times, in ``large/train``'s 200
routes ``N >= 13`` 57 times, most numbers from thirteen up 1-10 times each; and the
longer recipe's model does walks of 8-12 steps in 63% and of 13+ in 28% of the route
parts of ``large_val/val_unseen`` (``scripts/route_part_modes.py``;
docs/experiments/42-a-wider-look-at-big-houses.md). The generator's houses hold straight
runs of every length up to their longest, so walks of any ``N`` are there for the
drawing:

* **Runs.** For each floor cell and heading, the floor cells straight ahead before a
  wall, a door or furniture (:func:`straight_runs`; a door ends a walk, as the route
  describer ends a leg there).
* **Draws.** Each house gives ``count`` walks: ``N`` uniform in ``[from_steps, L]``
  (``L`` the house's longest run; none when ``L < from_steps``), then a start pose
  uniform among those whose run holds ``N`` cells, so every length the house holds is
  taught about as often (:func:`draw_walks`). Each house draws from its own generator,
  seeded from ``data.sample_seed`` and the CRC-32 of the house's id.
* **The demonstration.** The words are one of the describer's "walk N steps" forms
  (:data:`vlnenv.language.lexicon.WALK_STEPS` with
  :func:`~vlnenv.language.lexicon.steps_phrase`, in the demonstrations' phrasing), the
  moves ``N`` forwards then ``stop``, the episode a route part of its own (the route the
  ``N + 1`` cells walked), as :mod:`agents.train.data.route_parts` makes them.
* **Weaves** (``data.walk_synth_kind = "weave"``). In big houses the long walks run
  down hallways with furniture in them, and the oracle's route steps around each piece
  and back: the describer absorbs those one-cell sidesteps into the walk ("walk seventeen
  steps" of ``large_val`` takes one to six), which a straight run never shows. A weave
  is drawn as the suites' walks are made: ``N`` uniform up to the house's longest room
  reach (the cells ahead before a wall, a door or another room, furniture passed;
  :func:`room_reaches`), a pose whose reach holds ``N``, an end ``N`` cells ahead and up
  to one lane aside, and the oracle's route there, kept when it stays in the room and
  its moves make one run of ``N`` steps in the heading, sidesteps absorbed
  (:func:`vlnenv.language.legs.runs_between`; :func:`draw_weaves`). The oracle leaves a
  step back into the lane to the end where it can (it costs one turn less there), which
  the describer says as a turn of its own, so such draws are dropped. Its moves are the
  oracle's (turns included), its words the same "walk N steps".
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Mapping

import numpy as np

from agents.train.data.demo_set import DemoSet
from agents.train.data.route_parts import FAMILY
from vlnenv.actions import Action
from vlnenv.errors import UnreachableGoalError
from vlnenv.expert.goals import Goal
from vlnenv.expert.oracle import Oracle, Route
from vlnenv.language import lexicon as lx
from vlnenv.language.legs import route_directions, runs_between
from vlnenv.language.phrasing import Phrasing
from vlnenv.language.refer import pick
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import RunTrace
from vlnenv.world.house import CELL_FLOOR, CELL_FURNITURE, DIRECTIONS, House

#: The ways of drawing a walk (``data.walk_synth_kind``).
WALK_KINDS = ("straight", "weave")
#: Draws tried per weave wanted before a house gives up (most are kept in open rooms).
WEAVE_TRIES = 12

_FORWARD, _STOP = int(Action.FORWARD), int(Action.STOP)


def _cells_ahead(structure: np.ndarray, passes: Callable[[np.ndarray, np.ndarray], np.ndarray]
                 ) -> np.ndarray:
    """``(4, H, W)`` int: for heading ``h`` and floor cell ``p``, the cells straight ahead
    of ``p`` before the first that ``passes`` refuses; 0 off the floor.

    ``ahead_h(p) = sum_k prod_{j <= k} passes(p + j d_h)``, one shifted array per ``k``:
    ``passes(rows, cols)`` gets the ``(H,)`` rows and ``(W,)`` columns of the ``k``-th cell
    ahead of every cell (clipped to the grid) and gives ``(H, W)`` bool for them."""
    H, W = structure.shape
    out = np.zeros((4, H, W), np.int64)
    for h, (dr, dc) in enumerate(DIRECTIONS):
        going = structure == CELL_FLOOR  # (H, W): every cell ahead so far passed
        for k in range(1, max(H, W)):
            rows, cols = np.arange(H) + k * dr, np.arange(W) + k * dc
            inside = ((rows >= 0) & (rows < H))[:, None] & ((cols >= 0) & (cols < W))[None]
            going &= inside & passes(rows.clip(0, H - 1), cols.clip(0, W - 1))
            if not going.any():
                break
            out[h] += going
    return out  # (4, H, W)


def straight_runs(house: House) -> np.ndarray:
    """``(4, H, W)`` int: for heading ``h`` (:data:`~vlnenv.world.house.DIRECTIONS`) and
    cell ``(r, c)``, how many floor cells lie straight ahead of a floor cell before the
    first cell that is not floor; 0 off the floor (:func:`_cells_ahead`)."""
    s = np.asarray(house.structure)  # (H, W)
    return _cells_ahead(s, lambda r, c: s[r][:, c] == CELL_FLOOR)


def draw_walks(runs: np.ndarray, count: int, from_steps: int, rng: np.random.Generator
               ) -> list[tuple[tuple[int, int, int], int]]:
    """Up to ``count`` walks ``((row, col, heading), N)`` from a house's
    :func:`straight_runs`: ``N`` uniform in ``[from_steps, max(runs)]``, then a start
    uniform among the poses whose run is at least ``N`` (module docstring); none when no
    run reaches ``from_steps``."""
    longest = int(runs.max(initial=0))
    return [] if longest < from_steps else [
        draw_pose(runs, from_steps, longest, rng) for _ in range(count)]


def draw_pose(reaches: np.ndarray, from_steps: int, longest: int, rng: np.random.Generator
              ) -> tuple[tuple[int, int, int], int]:
    """``((row, col, heading), N)``: ``N`` uniform in ``[from_steps, longest]``, then a pose
    uniform among those whose ``(4, H, W)`` ``reaches`` hold ``N`` cells."""
    n = int(rng.integers(from_steps, longest + 1))
    h, r, c = np.nonzero(reaches >= n)  # poses that reach n cells
    k = int(rng.integers(len(h)))
    return (int(r[k]), int(c[k]), int(h[k])), n


def room_reaches(house: House) -> np.ndarray:
    """``(4, H, W)`` int: for heading ``h`` and floor cell ``p``, the cells straight ahead
    before a wall, a door or another room's floor (furniture does not end it: a route
    steps around it); 0 off the floor (:func:`_cells_ahead`)."""
    s = np.asarray(house.structure)  # (H, W)
    room = np.asarray(house.room_map)  # (H, W), -1 off the floor
    return _cells_ahead(s, lambda r, c: (s[r][:, c] == CELL_FURNITURE)
                        | ((s[r][:, c] == CELL_FLOOR) & (room[r][:, c] == room)))


def weave_steps(house: House, route: Route, heading: int) -> int | None:
    """``N`` when ``route`` stays in its start's room off doors and its moves make one
    run in ``heading`` (one-cell sidesteps absorbed, as the describer does), else
    ``None``."""
    cells = route.cells
    room = house.room_of(cells[0])
    if any(house.structure[c] != CELL_FLOOR or house.room_of(c) != room for c in cells):
        return None
    runs = runs_between(route_directions(cells), 0, len(cells) - 1)
    if len(runs) != 1 or runs[0].direction != heading:
        return None
    return runs[0].steps


def draw_weaves(house: House, oracle: Oracle, count: int, from_steps: int,
                rng: np.random.Generator) -> list[tuple[Route, int]]:
    """Up to ``count`` weaves ``(route, N)`` (module docstring), ``WEAVE_TRIES`` draws
    each: ``N`` uniform in ``[from_steps, L]`` (``L`` the house's longest
    :func:`room_reaches`; none when shorter), a pose uniform among those that reach
    ``N``, an end ``N`` ahead and ``l`` lanes aside (``l`` in -1, 0, 0, 1) on the room's
    floor, and the oracle's route to it from the pose, kept when :func:`weave_steps` says
    ``N``."""
    reaches = room_reaches(house)  # (4, H, W)
    longest = int(reaches.max(initial=0))
    out: list[tuple[Route, int]] = []
    if longest < from_steps:
        return out
    for _ in range(count * WEAVE_TRIES):
        if len(out) == count:
            break
        (r, c, h), n = draw_pose(reaches, from_steps, longest, rng)
        lane = int(rng.choice((-1, 0, 0, 1)))
        (dr, dc), (sr, sc) = DIRECTIONS[h], DIRECTIONS[(h + 1) % 4]
        end = (r + n * dr + lane * sr, c + n * dc + lane * sc)
        if house.structure[end] != CELL_FLOOR or house.room_of(end) != house.room_of((r, c)):
            continue
        try:
            route = oracle.route((r, c, h), Goal.stand([end]))
        except UnreachableGoalError:  # furniture walls the end off
            continue
        if weave_steps(house, route, h) == n:
            out.append((route, n))
    return out


def walk_episode(template: Episode, pose: tuple[int, int, int], steps: int, text: str,
                 index: int, route: Route | None = None) -> tuple[Episode, np.ndarray, RunTrace]:
    """The route part that walks ``steps`` cells straight on from ``pose`` (or along the
    oracle's ``route`` from it: a weave) and stops, said ``text``: ``(episode, actions,
    trace)``, the episode's other fields (house, budget) from ``template``, an episode in
    the same house."""
    h = pose[2]
    if route is None:
        (r, c, _), (dr, dc) = pose, DIRECTIONS[h]
        cells = tuple((r + i * dr, c + i * dc) for i in range(steps + 1))
        poses = [(row, col, h) for row, col in cells]
        moves = [_FORWARD] * steps
    else:
        cells, poses, moves = tuple(route.cells), list(route.poses), list(route.actions)
    actions = np.asarray(moves + [_STOP], np.uint8)  # (moves + 1,)
    episode = dataclasses.replace(
        template, episode_id=f"walk/{template.house}/{index}", start=pose, instruction=text,
        task={"family": FAMILY, "heading": h, "route": [list(cell) for cell in cells]},
        reference_path=cells, goal=(cells[-1],),
        max_steps=max(template.max_steps, 2 * len(moves) + 8))
    return episode, actions, RunTrace(poses, [0] * len(poses), [frozenset({cells[-1]})])


def synth_walks(demos: DemoSet, houses: Mapping[str, House], count: int, from_steps: int,
                phrasing: Phrasing | str, seed: int,
                kind: str = "straight") -> tuple[DemoSet, int]:
    """``demos`` with ``count`` drawn walks (:func:`draw_walks`; weaves,
    :func:`draw_weaves`, for ``kind = "weave"``) per house of its episodes added after
    them, as route-part demonstrations (module docstring); and how many were added."""
    templates: dict[str, Episode] = {}
    for ep in demos.episodes:
        templates.setdefault(ep.house, ep)
    added: list[tuple[Episode, np.ndarray, RunTrace]] = []
    for house_id in sorted(templates):
        key = zlib.crc32(house_id.encode())
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
        house = houses[house_id]
        if kind == "weave":
            walks = [(route.poses[0], n, route)
                     for route, n in draw_weaves(house, Oracle(house), count, from_steps, rng)]
        else:
            walks = [(pose, n, None) for pose, n in draw_walks(straight_runs(house), count,
                                                               from_steps, rng)]
        for pose, n, route in walks:
            text = pick(rng, lx.WALK_STEPS, phrasing).format(steps=lx.steps_phrase(n))
            added.append(walk_episode(templates[house_id], pose, n, text, len(added), route))
    if not added:
        return demos, 0
    walks = DemoSet([a[0] for a in added], [a[1] for a in added], [a[1].copy() for a in added],
                    np.ones(len(added), bool), np.ones(len(added), bool),
                    [a[2] for a in added], {})
    return DemoSet.concat([demos, walks], demos.meta), len(added)
