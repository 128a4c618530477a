"""How a policy fails, per family: outcomes and one cause per failed episode.

From a benchmark's results; and, for a model, how well it spots the target and decides
to stop or pick up on held-out demonstrations.

From ``vln benchmark ... --out DIR`` (``DIR/results.json``, the per-episode records with
their actions), every episode's actions are replayed on its state and instruction alone
(no rendering) to tell, per family:

* ``success`` / ``wrong stop`` (the policy stopped, not at the goal) / ``timeout``;
* ``target seen``: of the failures, those where the current target was in the view
  square at some step (:func:`agents.train.data.targets.goal_view_targets`);
* the *cause* of each failure, one per failed episode
  (:func:`vlnenv.eval.failures.failure_cause`: per family, a list of causes in order of
  precedence, e.g. a wrong stop beside a look-alike, a route left in its leg ``k``, a
  sequence stopped at its first part's goal), printed as a table per family (cause,
  count, share of the family's failures) and the top causes over all families; ``--json
  PATH`` writes the same counts as JSON.

The ``go_to_room`` and ``go_to_object`` episodes are also counted by the room their goal
lies in (:func:`room_outcomes`): per room type, the episodes, successes, how many of them
had another room of that type in the house (a look-alike room, which only the words'
"next to ..." or "with ..." tell apart) and the type's share of the rooms of the ``train``
houses of the suite, or of the suites ``--room-shares`` names (how often training saw it).

With ``--model DIR`` of a model with the goal memory, each ``go_to_object`` wrong stop and
timeout is replayed through the model to read its goal map at the end: whether the best
remembered cell was the target (and how far from it the agent ended), another object the
goal head scored above 0.5 (a look-alike: an object of the target's kind, or another
cell), or nothing sure (and, for the last two, whether the target had been in view at
all).

With ``--model DIR`` it also scores the model teacher-forced on the first ``--demos``
``val_unseen`` demonstrations (the default teachers'): recall and precision of ``stop``
and ``pickup`` (rare labels the episode's outcome hangs on), navigation accuracy (turns
and ``forward``), how often the goal head's highest-scoring seen cell shows the target
when the target is seen, over all families and over ``go_to_object`` alone (steps whose
target is in the view square but hidden behind a wall do not count: no seen cell could
be right), and, for ``go_to_object``, how often the
goal head takes a look-alike (an object of the target's kind, not the target) for the
target: the share of steps with a look-alike seen and the target not where some seen
cell scores above "not in view".

    python scripts/failure_modes.py runs/bench --model runs/quickstart/model
    python scripts/failure_modes.py runs/bench --json runs/bench/failures.json
    python scripts/failure_modes.py runs/bench_huge --suite runs/huge --room-shares small,large
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from agents.train.data.room_balance import goal_room
from agents.train.data.targets import goal_view_targets, trace_view_targets
from vlnenv.errors import SuiteError
from vlnenv.eval.failures import failure_cause, names_colour
from vlnenv.fileio import write_text_atomic
from vlnenv.suites.load import Suite, load_suite
from vlnenv.tasks.run import EpisodeRun


def outcomes(records: list[dict[str, Any]], suite: Suite, split: str) -> dict[str, Counter]:
    """Per family, ``success``, ``wrong stop``, ``timeout`` and ``failed, target seen``
    counts (module docstring)."""
    episodes = suite.episodes(split)
    out: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        ep = episodes[rec["episode_index"]]
        c = out[rec["family"]]
        c["success" if rec["success"] else "wrong stop" if rec["stopped"] else "timeout"] += 1
        if not rec["success"] and goal_view_targets(ep, suite.houses[ep.house],
                                                    rec["actions"]).any():
            c["failed, target seen"] += 1
    return dict(out)


def causes(records: list[dict[str, Any]], suite: Suite, split: str) -> dict[str, Counter]:
    """Per family, the count of each failure cause
    (:func:`vlnenv.eval.failures.failure_cause`); a family with no failure maps to an
    empty counter. Raises ``SystemExit`` when a record's success disagrees with its
    replayed actions (the records are not of this suite split)."""
    episodes = suite.episodes(split)
    out: dict[str, Counter] = {}
    for rec in records:
        ep = episodes[rec["episode_index"]]
        cause = failure_cause(ep, suite.houses[ep.house], rec["actions"])
        if (cause is None) != bool(rec["success"]):
            raise SystemExit(f"{ep.episode_id}: recorded success {rec['success']}, but its "
                             f"actions replay to {'success' if cause is None else cause!r}; "
                             f"expected the records of {split} of this suite")
        family = out.setdefault(rec["family"], Counter())
        if cause is not None:
            family[cause] += 1
    return out


def train_room_shares(suites: list[Suite]) -> dict[str, float]:
    """Room type name -> its share of all the rooms of the suites' ``train`` houses
    (empty for no suite)."""
    counts = Counter(room.type.name.lower() for suite in suites
                     for hid in suite.house_ids("train") for room in suite.houses[hid].rooms)
    total = sum(counts.values())
    return {name: n / total for name, n in counts.items()}


def room_outcomes(records: list[dict[str, Any]], suite: Suite, split: str) -> dict[str, Counter]:
    """Per room type of the goal (:func:`goal_room`) of the ``go_to_room`` and
    ``go_to_object`` records: ``episodes``, ``success``, ``look-alike room`` (the house has
    another room of the type) and ``look-alike room, success``."""
    episodes = suite.episodes(split)
    out: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        ep = episodes[rec["episode_index"]]
        house = suite.houses[ep.house]
        room = goal_room(ep, house)
        if room is None:
            continue
        kind = house.rooms[room].type
        c = out[kind.name.lower()]
        c["episodes"] += 1
        c["success"] += int(bool(rec["success"]))
        if len(house.rooms_of_type(kind)) > 1:
            c["look-alike room"] += 1
            c["look-alike room, success"] += int(bool(rec["success"]))
    return dict(out)


def room_table(by_type: dict[str, Counter], shares: dict[str, float]) -> str:
    """Markdown: per goal room type (most frequent in training first), episodes, SR, the
    episodes with a look-alike room and their SR, and the type's share of the training
    rooms; a last row sums every type."""
    def sr(wins: int, n: int) -> str:
        return f"{100 * wins / n:.0f}" if n else "-"

    lines = ["| goal room | episodes | SR | with a look-alike room | SR there "
             "| share of train rooms |", "|---|---:|---:|---:|---:|---:|"]
    total: Counter = Counter()
    for name in sorted(by_type, key=lambda k: (-shares.get(k, 0.0), k)):
        c = by_type[name]
        total += c
        lines.append(f"| {name} | {c['episodes']} | {sr(c['success'], c['episodes'])} | "
                     f"{c['look-alike room']} | "
                     f"{sr(c['look-alike room, success'], c['look-alike room'])} | "
                     + (f"{100 * shares[name]:.1f}% |" if name in shares else "- |"))
    lines.append(f"| all | {total['episodes']} | {sr(total['success'], total['episodes'])} | "
                 f"{total['look-alike room']} | "
                 f"{sr(total['look-alike room, success'], total['look-alike room'])} | |")
    return "\n".join(lines) + "\n"


def top_causes(by_family: dict[str, Counter], n: int) -> list[tuple[str, str, int]]:
    """The ``n`` most frequent ``(family, cause, count)`` over all families (ties: by
    family, then cause)."""
    rows = [(family, cause, count) for family, counts in by_family.items()
            for cause, count in counts.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))[:n]


def cause_tables(by_family: dict[str, Counter], episodes: Counter, top: int) -> str:
    """Markdown: per family, a table of its causes (count, share of its failures), most
    frequent first, then the ``top`` causes over all families (share of all failures);
    ``episodes`` counts each family's episodes."""
    lines: list[str] = []
    for family in sorted(by_family):
        counts = by_family[family]
        failed = sum(counts.values())
        lines += ["", f"### {family}: {failed} failures of {episodes[family]} episodes", ""]
        if not failed:
            continue
        lines += ["| cause | count | share of failures |", "|---|---|---|"]
        for cause, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {cause} | {count} | {100 * count / failed:.0f}% |")
    total = sum(sum(c.values()) for c in by_family.values())
    lines += ["", f"### Top causes: {total} failures of {sum(episodes.values())} episodes", ""]
    if total:
        lines += ["| family | cause | count | share of all failures |", "|---|---|---|---|"]
        lines += [f"| {family} | {cause} | {count} | {100 * count / total:.0f}% |"
                  for family, cause, count in top_causes(by_family, top)]
    return "\n".join(lines[1:]) + "\n"


def causes_json(data: dict[str, Any], by_family: dict[str, Counter], top: int) -> str:
    """The cause counts of a benchmark's results as JSON text: what was measured (policy,
    suite, split, the benchmark's code version), per family its episodes, failures and
    cause counts (most frequent first), and the ``top`` causes over all families."""
    episodes = Counter(r["family"] for r in data["records"])
    doc = {
        "policy": data["policy"], "suite": data["suite"], "split": data["split"],
        "code_version": data.get("code_version"), "episodes": len(data["records"]),
        "families": {family: {
            "episodes": episodes[family], "failures": sum(counts.values()),
            "causes": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}
            for family, counts in sorted(by_family.items())},
        "top": [{"family": f, "cause": c, "count": n}
                for f, c, n in top_causes(by_family, top)],
    }
    return json.dumps(doc, indent=2) + "\n"


def remembered_at_stop(records: list[dict[str, Any]], suite: Suite, split: str,
                       model_dir: str, outcome: str = "wrong stop") -> Counter:
    """For the ``go_to_object`` wrong stops (``outcome="timeout"``: timeouts) of a model
    with ``model.memory``, what its goal map held at the end (module docstring): the
    map is the one the model carries in its state after the last step."""
    import torch

    from agents.models import MultimodalTransformer
    from agents.models.map_grid import map_radius
    from agents.models.memory import seen_cells
    from agents.train.data.replay import Replayer

    model = MultimodalTransformer.from_pretrained(model_dir, "cpu").eval()
    if model.memory is None:
        raise SystemExit(f"{model_dir}: not a goal-memory model (model.memory is off)")
    episodes = suite.episodes(split)
    stopped = outcome == "wrong stop"
    chosen = [r for r in records if r["family"] == "go_to_object" and not r["success"]
              and bool(r["stopped"]) == stopped]
    pairs = [(episodes[r["episode_index"]], r["actions"]) for r in chosen]
    out: Counter = Counter()
    for (ep, actions), r in zip(pairs, Replayer(suite.houses, 64).render(pairs), strict=True):
        house = suite.houses[ep.house]
        run = EpisodeRun(ep, house)
        stage = run.instruction.stage(run.state)
        targets = stage.evidence if stage.evidence is not None else stage.cells
        run.replay(actions[:-1])
        state = run.state
        obs = {"image": r.image[None], "direction": r.direction[None],
               "carrying": r.carrying[None], "gps": r.gps[None],
               "instruction": [ep.instruction]}
        done = np.zeros((1, len(r.direction)), bool)
        done[:, 0] = True
        with torch.no_grad():
            final = model.forward_sequence(obs, None, done).state.goal_map[0]  # (M*M,)
        R = map_radius(final.shape[0])  # config.gps.range, or grown with config.far
        M = 2 * R + 1
        k, score = int(final.argmax()), float(final.max())  # the best cell of the (M*M,) map
        best = (ep.start[0] + k // M - R, ep.start[1] + k % M - R)
        shown = goal_view_targets(ep, house, actions) & seen_cells(
            torch.from_numpy(r.image), model.config.tile).numpy()  # (n, V*V)
        away = abs(best[0] - state.pos[0]) + abs(best[1] - state.pos[1])
        if best in targets:
            where = "beside it" if away <= 1 else "2+ cells away"
            out[f"remembered the target, {'stopped' if stopped else 'ended'} {where}"] += 1
        elif score > 0.5:
            there = state.objects.get(best)
            alike = there is not None and there.kind.word == ep.task["object"]["kind"]
            out[f"remembered {'a look-alike' if alike else 'another cell'} (score > 0.5), target "
                + ("seen" if shown.any() else "never seen")] += 1
        else:
            out["remembered nothing sure (best score <= 0.5), target "
                + ("seen" if shown.any() else "never seen")] += 1
    return out


def match_reading(model_dir: str, suite: Suite, split: str) -> dict[str, float]:
    """How well the goal match's text head of a ``model.match`` model names the target of the
    split's ``go_to_object`` instructions: top-1 of the object kind, and top-1 of the colour
    where the instruction says the colour's name (``None`` keys are left out when no
    instruction does)."""
    import torch

    from agents.models import CELL_CLASSES, MultimodalTransformer
    from vlnenv.world.colors import Color
    from vlnenv.world.objects import ObjectKind

    model = MultimodalTransformer.from_pretrained(model_dir, "cpu").eval()
    if model.match_head is None:
        raise SystemExit(f"{model_dir}: not a goal-match model (model.match is off)")
    episodes = [e for e in suite.episodes(split) if e.family == "go_to_object"]
    ids = model.instructions.encode([e.instruction for e in episodes])  # (N, L)
    with torch.no_grad():
        words = model.instruction_labels(model.text(torch.as_tensor(ids)))  # (N, K)
    base, kinds = CELL_CLASSES[0], CELL_CLASSES[1]
    kind = words[:, base:base + kinds].argmax(-1) - 1  # (N,) -1: none
    colour = words[:, base + kinds:sum(CELL_CLASSES)].argmax(-1) - 1  # (N,)
    kind_hits = colour_hits = named = 0
    for e, k, c in zip(episodes, kind.tolist(), colour.tolist(), strict=True):
        target = e.task["object"]
        kind_hits += int(k == int(ObjectKind[target["kind"].upper()]))
        if names_colour(e.instruction, target["color"]):
            named += 1
            colour_hits += int(c == int(Color[target["color"].upper()]))
    out = {"instructions": float(len(episodes)),
           "kind top-1": kind_hits / max(len(episodes), 1)}
    if named:
        out.update({"colour named": float(named), "named colour top-1": colour_hits / named})
    return out


def same_kind_in_view(episode: Any, house: Any, actions: Any, view: int = 7) -> np.ndarray:
    """``(n, V*V)`` bool: the view cells showing an object of the ``go_to_object`` target's
    kind other than the target, before each of the ``n`` steps (objects stay put in
    ``go_to_object``, so only the agent's pose is replayed)."""
    from agents.train.data.targets import stage_cells_in_view

    target = episode.task["object"]
    cell = tuple(target["cell"])
    others = frozenset(tuple(it.cell) for it in house.objects
                       if it.kind.word == target["kind"] and tuple(it.cell) != cell)
    run = EpisodeRun(episode, house, trace=True)
    run.replay(actions[:-1])
    run.trace.note(run)  # the pose before the last action
    out = np.zeros((len(actions), view * view), bool)
    for t, (r, c, h) in enumerate(run.trace.poses[:len(actions)]):
        out[t] = stage_cells_in_view(others, (r, c), h, view, (house.height, house.width))
    return out


def goal_choices(goal: np.ndarray, target: np.ndarray, seen: np.ndarray,
                 same_kind: np.ndarray | None = None) -> Counter:
    """Counts of how the goal head chooses, over ``(n, P)`` scores, targets and seen cells:
    ``seen`` steps where a target cell is seen and ``hits`` where the best seen cell is
    one; with ``same_kind`` (``(n, P)`` cells showing a look-alike of the target), at steps
    where no target is seen but a look-alike is, ``look-alike steps`` and ``look-alike in
    view``, those where some seen cell outscores the fixed "not in view" 0 of
    :func:`agents.train.losses.goal_choice_loss` (the goal head thinks the target is in
    view)."""
    out: Counter = Counter()
    shown = target & seen  # (n, P)
    score = np.where(seen, goal, -np.inf)  # (n, P)
    has = shown.any(1)  # (n,)
    out["seen"] += int(has.sum())
    out["hits"] += int(shown[has, score[has].argmax(1)].sum())
    if same_kind is not None:
        alike = ~has & (same_kind & seen).any(1)  # (n,)
        out["look-alike steps"] += int(alike.sum())
        out["look-alike in view"] += int((score[alike].max(1) > 0).sum())
    return out


def teacher_forced(model_dir: str, suite: Suite, demos_dir: str, n: int) -> dict[str, float]:
    """Stop and pickup recall/precision, navigation accuracy, goal-head top-1 and look-alike
    confusion (module docstring) of the model on the first ``n`` ``val_unseen``
    demonstrations."""
    import torch

    from agents.models import MultimodalTransformer
    from agents.train.data.replay import Replayer
    from agents.train.losses import seen_cells
    from agents.train.sections import DataConfig
    from agents.train.validation import held_out_demos

    model = MultimodalTransformer.from_pretrained(model_dir, "cpu").eval()
    demos = held_out_demos(suite, "val_unseen", DataConfig().teacher, demos_dir)
    demos = demos.subset(range(min(n, len(demos))))
    rendered = Replayer(suite.houses, 64).render(
        [(demos.episodes[i], demos.actions[i]) for i in range(len(demos))])
    labels, preds, choices = [], [], Counter()
    for i, r in enumerate(rendered):
        ep, steps = demos.episodes[i], len(demos.labels[i])
        obs = {"image": r.image[None], "direction": r.direction[None],
               "carrying": r.carrying[None], "gps": r.gps[None], "instruction": [ep.instruction]}
        done = np.zeros((1, steps), bool)
        done[:, 0] = True
        with torch.no_grad():
            out = model.forward_sequence(obs, None, done)
        labels.append(np.asarray(demos.labels[i]))
        preds.append(out.logits[0].argmax(-1).numpy())
        if out.goal is not None:
            house = suite.houses[ep.house]
            target = trace_view_targets(demos.traces[i], (house.height, house.width))  # (n, P)
            seen = seen_cells(torch.from_numpy(r.image), model.config.tile).numpy()  # (n, P)
            alike = (same_kind_in_view(ep, house, demos.actions[i])
                     if ep.family == "go_to_object" else None)  # (n, P)
            got = goal_choices(out.goal[0].numpy(), target, seen, alike)
            choices += got
            if ep.family == "go_to_object":
                choices["go_to_object seen"] += got["seen"]
                choices["go_to_object hits"] += got["hits"]
    y, p = np.concatenate(labels), np.concatenate(preds)
    res: dict[str, float] = {"steps": float(len(y)),
                             "navigation accuracy": float((y == p)[y < 3].mean())}
    for action, name in ((6, "stop"), (3, "pickup")):
        tp = float(((y == action) & (p == action)).sum())
        res[f"{name} recall"] = tp / max(float((y == action).sum()), 1.0)
        res[f"{name} precision"] = tp / max(float((p == action).sum()), 1.0)
    if choices["seen"]:
        res["goal top-1 when seen"] = choices["hits"] / choices["seen"]
    if choices["go_to_object seen"]:
        res["go_to_object goal top-1 when seen"] = (choices["go_to_object hits"]
                                                    / choices["go_to_object seen"])
    if choices["look-alike steps"]:
        res["look-alike steps"] = float(choices["look-alike steps"])
        res["'in view' beside a look-alike"] = (choices["look-alike in view"]
                                                / choices["look-alike steps"])
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a `vln benchmark --out` folder or its results.json")
    parser.add_argument("--model", help="model folder to score teacher-forced")
    parser.add_argument("--demos", type=int, default=300)
    parser.add_argument("--demos-dir", default="runs/demos")
    parser.add_argument("--top", type=int, default=10,
                        help="causes in the table over all families (default 10)")
    parser.add_argument("--suite", metavar="NAME_OR_FOLDER",
                        help="the suite the results were measured on, for one built outside "
                             "maps/suites (default: the results' suite name)")
    parser.add_argument("--room-shares", metavar="SUITES",
                        help="comma-separated suites whose train houses give the room types' "
                             "shares (default: the results' suite, if it has a train split)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the cause counts as JSON to PATH")
    args = parser.parse_args()
    path = Path(args.results)
    data = json.loads((path / "results.json" if path.is_dir() else path).read_text())
    suite = load_suite(args.suite or data["suite"])
    if suite.name != data["suite"]:
        raise SystemExit(f"--suite {args.suite}: suite {suite.name!r}, but the results are of "
                         f"{data['suite']!r}")
    print(f"{data['policy']} on {data['suite']}/{data['split']}, {len(data['records'])} episodes")
    for family, counts in sorted(outcomes(data["records"], suite, data["split"]).items()):
        print(f"  {family:<13} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    by_family = causes(data["records"], suite, data["split"])
    print()
    print(cause_tables(by_family, Counter(r["family"] for r in data["records"]), args.top))
    rooms = room_outcomes(data["records"], suite, data["split"])
    if rooms:
        names = (args.room_shares.split(",") if args.room_shares
                 else [data["suite"]] if "train" in suite.splits else [])
        print("### go_to_room and go_to_object by the goal's room (shares of the rooms of "
              + (", ".join(f"{n}/train" for n in names) or "no train split") + ")\n")
        try:
            shares = train_room_shares([load_suite(n) for n in names])
        except SuiteError as err:
            raise SystemExit(f"--room-shares {args.room_shares}: {err}") from None
        print(room_table(rooms, shares))
    if args.json:
        write_text_atomic(args.json, causes_json(data, by_family, args.top))
        print(f"wrote {args.json}")
    from agents.models.model_folder import read_config

    if args.model and read_config(args.model).memory is not None:
        for outcome in ("wrong stop", "timeout"):
            counts = remembered_at_stop(data["records"], suite, data["split"], args.model,
                                        outcome)
            print(f"  go_to_object {outcome}s, the goal map at the end: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.model and read_config(args.model).match is not None:
        reading = match_reading(args.model, suite, data["split"])
        print(f"  the goal match's words on {data['split']} go_to_object instructions: "
              + ", ".join(f"{k} {v:.3f}" if v < 1 or k.endswith("top-1") else f"{k} {v:.0f}"
                          for k, v in reading.items()))
    if args.model:
        scores = teacher_forced(args.model, suite, args.demos_dir, args.demos)
        print(f"{args.model}, teacher-forced on the first {args.demos} val_unseen demonstrations:")
        print("  " + ", ".join(f"{k} {v:.3f}" if not k.endswith("steps") else f"{k} {v:,.0f}"
                               for k, v in scores.items()))


if __name__ == "__main__":
    main()
