"""scripts/frontier_agreement.py: with exact cell labels, the explore memory's way to the
nearest frontier is the explorer teacher's own search rule, so it agrees with nearly
every turn the teacher makes while searching and most of its forward steps."""

from __future__ import annotations

from helpers import load_script


def test_the_frontier_way_agrees_with_the_searching_explorer(tmp_path):
    script = load_script("scripts/frontier_agreement.py")
    counts = script.agreement(40, "tiny", str(tmp_path))
    for name, floor in (("forward", 0.75), ("turn_left", 0.9), ("turn_right", 0.9)):
        yes, no = counts[(name, True)], counts[(name, False)]
        assert yes + no > 0, name
        assert yes / (yes + no) >= floor, (name, yes, no)
