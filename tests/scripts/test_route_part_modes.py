"""scripts/route_part_modes.py: each route part as an episode of its own, judged where its
words are done; the teacher's own part moves do every part, stopping at once does none
that moves; the counts by kind and walk length worked out by hand; a whole run writes
them."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import load_script

from agents.train.data.route_parts import route_part_episodes
from vlnenv.actions import Action
from vlnenv.language.route_parts import route_part_ends
from vlnenv.suites.load import load_suite
from vlnenv.world.house import DIRECTIONS
from vlnenv.world.mapfile import loads_house


@pytest.fixture(scope="module")
def script():
    return load_script("scripts/route_part_modes.py")


def test_each_parts_kind_and_walk_length_come_from_the_whole_descriptions_clauses(script):
    assert script.part_kinds("Turn to your right, walk up to the fridge, turn to your left "
                             "and go out of the kitchen. Enter the living room and turn "
                             "right, move ahead one step and stop.") == [
        ("turn_right", None), ("up_to", None), ("turn_left", None),
        ("leave+enter_turn", None), ("steps+stop", 1)]
    assert script.part_kinds("Go forward twelve steps, then turn left.") == [
        ("steps", 12), ("turn_left", None)]
    assert script.part_kinds("Bring me a cup.") is None
    assert [script.step_bin(n) for n in (1, 3, 4, 7, 8, 12, 13, 16, 17, 24, 25, 40)] == [
        "1-3", "1-3", "4-7", "4-7", "8-12", "8-12", "13-16", "13-16", "17-24", "17-24",
        "25+", "25+"]


def test_the_teachers_part_moves_do_every_part_and_stopping_at_once_none(script):
    suite = load_suite("small")
    cases, routes, left_out = script.part_cases(suite, "val_unseen")
    assert routes == 100 and left_out == 0 and len(cases) > 5 * routes
    checked = 0
    for ep in [e for e in suite.episodes("val_unseen") if e.family == "follow_route"][:8]:
        house = suite.houses[ep.house]
        mine = [c for c in cases if c.route_id == ep.episode_id]
        parts = route_part_episodes(ep, house)
        assert [c.episode for c in mine] == [p[0] for p in parts]
        assert [c.last for c in mine] == [False] * (len(mine) - 1) + [True]
        placed = route_part_ends(house, ep.task["route"], ep.task["heading"], ep.instruction)
        assert [c.end_cell for c in mine] == [tuple(ep.task["route"][i]) for (_, (i, _)) in placed]
        assert [c.end_heading for c in mine] == [h for (_, (_, h)) in placed]
        for case, (_, actions, _, _) in zip(mine, parts, strict=True):
            assert script.part_succeeded(house, case, [int(a) for a in actions])
            assert not script.part_succeeded(house, case, [int(a) for a in actions[:-1]])
            if not case.last:  # every part moves or turns before its stop
                assert not script.part_succeeded(house, case, [int(Action.STOP)])
            checked += 1
    assert checked > 30


def test_rates_by_kind_by_walk_length_and_whole_routes(script):
    def case(route, kind, steps):
        return script.PartCase(None, route, 0, kind, steps, (0, 0), None, False)

    cases = [case("a", "steps", 2), case("a", "turn_left", None), case("b", "steps", 9),
             case("b", "steps", 3), case("c", "turn_left", None)]
    out = script.rates(cases, [True, True, False, True, False],
                       [None, None, "past", None, None])
    assert out["kinds"] == {"steps": {"parts": 3, "success": pytest.approx(200 / 3)},
                            "turn_left": {"parts": 2, "success": 50.0}}
    none = dict.fromkeys(script.MISSES, 0)
    assert out["steps"] == {"1-3": {"parts": 2, "success": 100.0, **none},
                            "8-12": {"parts": 1, "success": 0.0, **none, "past": 1}}
    assert out["all"] == {"parts": 5, "success": 60.0}
    assert out["routes_all_parts"] == pytest.approx(100 / 3)  # a of a, b, c


#: A hall two cells deep and five long.
HALL = """\
name = "hall"

[rooms]
H = "hallway"

[grid]
cells = \"\"\"
#######
#HHHHH#
#HHHHH#
#######
\"\"\"
"""


def test_a_walk_missed_is_short_past_aside_or_never_stopped_along_its_start_heading(script):
    house = loads_house(HALL)
    east = DIRECTIONS.index((0, 1))
    # "walk three steps" from the hall's west end, facing east
    case = script.PartCase(SimpleNamespace(start=(1, 1, east)), "r", 0, "steps", 3, (1, 4),
                           None, False)
    F, S, L, R = (int(a) for a in (Action.FORWARD, Action.STOP, Action.TURN_LEFT,
                                   Action.TURN_RIGHT))
    def miss(actions):
        return script.walk_miss(case, script.stop_state(house, case, actions))

    assert miss([F, S]) == "short"
    assert miss([F] * 4 + [S]) == "past"
    assert miss([R, F, L, F, F, F, S]) == "aside"  # a lane south
    assert miss([F] * 3) == "no stop"
    assert script.part_succeeded(house, case, [F] * 3 + [S])


def test_a_run_writes_the_counts_it_prints(script, tmp_path, capsys):
    out = tmp_path / "parts.json"
    script.main(["--suite", "tiny", "--split", "val_unseen", "--policy", "random",
                 "--json", str(out)])
    data = json.loads(out.read_text())
    assert data["routes"] == 2 and data["routes_left_out"] == 0
    assert data["all"]["parts"] == sum(r["parts"] for r in data["kinds"].values()) > 2
    assert np.isclose(data["all"]["success"] * data["all"]["parts"],
                      sum(r["success"] * r["parts"] for r in data["kinds"].values()))
    assert f"{data['all']['parts']} parts of 2 routes" in capsys.readouterr().out
