"""Which parts of a route description a model fails, by the part's kind and, for "walk N
steps", by ``N``: each part played on its own, from where the oracle's walk of the parts
before it left the reader.

A route description is cut into its parts as a model with ``read_route_parts`` reads it
(:func:`vlnenv.language.route_parts.route_part_texts`: "take a left" | "move ahead three
steps" | "walk out of the bedroom. walk into the hallway, then turn right" | ...), and
each part is placed on the route (:func:`vlnenv.language.route_parts.route_part_ends`:
route cell ``i``, facing ``h`` or any way). Part ``u`` becomes an episode of its own, as
behaviour cloning on route parts trains it (:func:`agents.train.data.route_parts.
route_part_episodes`, which also gives each part's place): its start is the pose where the
teacher's walk of parts ``1..u-1`` ends, its instruction the part's words, so the ``gps``
observation counts from there. The
policy plays each part episode; a part **succeeds** when the policy stops on the part's
end cell, facing its end heading where the part has one (a turn), or for the last part
on one of the route's goal cells (as the whole route is judged), and fails otherwise
(stopped elsewhere, or out of steps: the part keeps its episode's step budget).

The kind of a part is the clause kinds of the route parser's reading
(:func:`vlnenv.language.route_parts.part_atoms`) joined by ``+`` ("steps", "turn_left",
"leave+enter_turn", "past+turn_left", "stop_entering", ...); walks of ``N`` steps,
alone or with a stop ("steps", "steps+stop"), are also counted by ``N``, and a walk not
done by how it missed (:func:`walk_miss`): stopped short of its end along the heading it
started in, walked past it, stopped level with it but in another lane (a sidestep too
many or too few), or never stopped. Routes whose parts cannot be placed are left out and
counted.

So the success of a whole route is split into the success of its parts under teacher
forcing: a part kind whose success falls from ``small`` to ``large`` houses is what a big
house asks that a small one does not.

    python scripts/route_part_modes.py --suite large --split val_unseen \\
        --policy runs/long_large/best
    python scripts/route_part_modes.py --suite small --split val_unseen \\
        --policy runs/long_large/best --json runs/route_parts_small.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.benchmark.registry import make_policy
from agents.train.data.route_parts import route_part_episodes, walk_length
from vlnenv.actions import Action
from vlnenv.eval.evaluate import evaluate_episodes
from vlnenv.language.route_parts import part_atoms
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.episode import Episode
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import DIRECTIONS, House

#: Bins of a "walk N steps" part's ``N``: (label, lowest, highest).
STEP_BINS = (("1-3", 1, 3), ("4-7", 4, 7), ("8-12", 8, 12), ("13-16", 13, 16),
             ("17-24", 17, 24), ("25+", 25, 10**6))


@dataclass(frozen=True)
class PartCase:
    """One part of one route episode, as an episode of its own."""

    episode: Episode
    route_id: str
    index: int
    kind: str
    steps: int | None
    end_cell: tuple[int, int]
    end_heading: int | None
    last: bool


def part_kinds(text: str) -> list[tuple[str, int | None]] | None:
    """Per part of the route description ``text``: its clause kinds joined by ``+``, and
    its number of steps when it is one "walk N steps" clause, alone or with a stop;
    ``None`` when ``text`` is not read as route clauses.

    >>> part_kinds("Take a left, move ahead three steps and walk out of the bedroom. "
    ...            "Walk into the hallway, then turn right.")
    [('turn_left', None), ('steps', 3), ('leave+enter_turn', None)]
    """
    parts = part_atoms(text)
    if parts is None:
        return None
    return [("+".join(str(atom[0]) for atom in atoms), walk_length(atoms)) for atoms in parts]


def step_bin(steps: int) -> str:
    """The :data:`STEP_BINS` label of ``steps``."""
    return next(label for label, lo, hi in STEP_BINS if lo <= steps <= hi)


def part_cases(suite: Suite, split: str) -> tuple[list[PartCase], int, int]:
    """Every placed part of the split's route episodes; how many routes there are and how
    many were left out (parts not placed)."""
    cases: list[PartCase] = []
    routes = left_out = 0
    for ep in suite.episodes(split):
        if ep.family != "follow_route":
            continue
        routes += 1
        house = suite.houses[ep.house]
        parts = route_part_episodes(ep, house)
        kinds = None if parts is None else part_kinds(ep.instruction)  # read: placed
        if parts is None or kinds is None:
            left_out += 1
            continue
        route = [tuple(int(v) for v in c) for c in ep.task["route"]]
        last = len(parts) - 1
        for u, ((part, _, _, end), (kind, steps)) in enumerate(zip(parts, kinds,
                                                                   strict=True)):
            cases.append(PartCase(part, ep.episode_id, u, kind, steps, route[end[0]],
                                  end[1], u == last))
    return cases, routes, left_out


def stop_state(house: House, case: PartCase, actions: Sequence[int]) -> EpisodeState | None:
    """The state where ``actions`` from the part's start first stop; ``None`` when they
    never stop (out of steps)."""
    state = EpisodeState.initial(house, tuple(int(v) for v in case.episode.start))
    for action in actions:
        if action == int(Action.STOP):
            return state
        state.step_action(int(action))
    return None


def stopped_on_end(case: PartCase, state: EpisodeState | None) -> bool:
    """Whether a stop in ``state`` (:func:`stop_state`; ``None``: never stopped) does the
    part: on its end cell (facing its end heading, when it has one); the last part, as the
    whole route is judged: on one of the episode's goal cells."""
    if state is None:
        return False
    if case.last:
        return tuple(state.pos) in {tuple(c) for c in case.episode.goal}
    return state.pos == case.end_cell and (case.end_heading is None
                                           or state.heading == case.end_heading)


def part_succeeded(house: House, case: PartCase, actions: Sequence[int]) -> bool:
    """Whether ``actions`` from the part's start stop where the part is done
    (:func:`stopped_on_end`)."""
    return stopped_on_end(case, stop_state(house, case, actions))


#: How a walk part was missed (:func:`walk_miss`), in the order they are printed.
MISSES = ("short", "past", "aside", "no stop")


def walk_miss(case: PartCase, state: EpisodeState | None) -> str:
    """How a walk part that was not done was missed, from its :func:`stop_state`: ``no
    stop`` (out of steps), else where the stop lies along the heading the part starts in
    against the part's end cell: ``short`` before it, ``past`` beyond it, ``aside`` level
    with it (another lane)."""
    if state is None:
        return "no stop"
    r0, c0, h = (int(v) for v in case.episode.start)
    dr, dc = DIRECTIONS[h]
    went = (state.pos[0] - r0) * dr + (state.pos[1] - c0) * dc
    wanted = (case.end_cell[0] - r0) * dr + (case.end_cell[1] - c0) * dc
    return "short" if went < wanted else "past" if went > wanted else "aside"


def rates(cases: Sequence[PartCase], success: Sequence[bool],
          misses: Sequence[str | None] | None = None) -> dict[str, Any]:
    """Parts and success per kind, per step bin (with how the walks not done were missed,
    given ``misses``: a :data:`MISSES` label per walk part not done), overall, and the
    routes whose every part succeeded."""
    misses = [None] * len(cases) if misses is None else misses
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_bin: dict[str, list[bool]] = defaultdict(list)
    missed: dict[str, list[str]] = defaultdict(list)
    by_route: dict[str, list[bool]] = defaultdict(list)
    for case, ok, miss in zip(cases, success, misses, strict=True):
        by_kind[case.kind].append(ok)
        if case.steps is not None:
            by_bin[step_bin(case.steps)].append(ok)
            if miss is not None:
                missed[step_bin(case.steps)].append(miss)
        by_route[case.route_id].append(ok)

    def row(oks: list[bool]) -> dict[str, float]:
        return {"parts": len(oks), "success": 100.0 * sum(oks) / max(len(oks), 1)}

    def walk_row(label: str) -> dict[str, float]:
        return {**row(by_bin[label]), **{m: missed[label].count(m) for m in MISSES}}

    return {"kinds": {k: row(v) for k, v in sorted(by_kind.items(), key=lambda kv: -len(kv[1]))},
            "steps": {label: walk_row(label) for label, _, _ in STEP_BINS if by_bin[label]},
            "all": row(list(success)),
            "routes_all_parts": 100.0 * sum(all(v) for v in by_route.values())
            / max(len(by_route), 1)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="small")
    parser.add_argument("--split", default="val_unseen")
    parser.add_argument("--policy", required=True, help="a policy spec, e.g. a model folder")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--json", type=Path, help="write the counts here")
    args = parser.parse_args(argv)

    suite = load_suite(args.suite)
    cases, routes, left_out = part_cases(suite, args.split)
    records = evaluate_episodes(make_policy(args.policy), [c.episode for c in cases],
                                suite.houses, batch=args.batch)
    stops = [stop_state(suite.houses[c.episode.house], c, r["actions"])
             for c, r in zip(cases, records, strict=True)]  # one replay a part
    success = [stopped_on_end(c, s) for c, s in zip(cases, stops, strict=True)]
    misses = [None if ok or c.steps is None else walk_miss(c, s)
              for c, s, ok in zip(cases, stops, success, strict=True)]
    out = rates(cases, success, misses)
    out.update(suite=args.suite, split=args.split, policy=args.policy, routes=routes,
               routes_left_out=left_out)
    print(f"{args.policy} on the route parts of {args.suite}/{args.split}: {len(cases)} "
          f"parts of {routes - left_out} routes ({left_out} left out: parts not placed); "
          f"parts done {out['all']['success']:.1f}%, routes with every part done "
          f"{out['routes_all_parts']:.1f}%\n")
    print("| part kind | parts | done % |\n|---|---:|---:|")
    for kind, r in out["kinds"].items():
        print(f"| {kind} | {r['parts']} | {r['success']:.1f} |")
    print("\n| walk N steps, N | parts | done % | " + " | ".join(MISSES) + " |\n|---|"
          + "---:|" * (2 + len(MISSES)))
    for label, r in out["steps"].items():
        print(f"| {label} | {r['parts']} | {r['success']:.1f} | "
              + " | ".join(str(r[m]) for m in MISSES) + " |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
