"""benchmarks/cue_fill.py: the room it times makes the flood run every one of its steps."""

from __future__ import annotations

from helpers import load_script

from agents.models.cue import fill_cue, near_cue


def test_the_benchmark_room_needs_every_step_of_the_flood():
    bench = load_script("benchmarks/cue_fill.py")
    goal, cue = bench.room_maps(2, 20, 7)  # a 7 x 7 room: 4 steps past the window
    near, room = near_cue(cue, 2), goal > 0
    assert bool((fill_cue(near, goal, 4)[room] == 1.0).all())
    assert not bool((fill_cue(near, goal, 3)[room] == 1.0).all())
