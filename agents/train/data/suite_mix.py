"""Demonstrations of several suites trained on together (``data.extra_suites``): house
sizes mixed in one run, e.g. the ``small`` and ``large`` train houses.

Suites name their houses alike (``train-h0000`` in every suite), so the houses of an
extra suite are keyed ``<suite name>/<house id>`` in the mixed data; the main suite's
(``data.suite``) keep their own ids, so a run without extra suites is unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from agents.train.data.demo_set import DemoSet
from agents.train.errors import TrainError
from vlnenv.suites.load import Suite
from vlnenv.world.house import House


def tag_houses(demos: DemoSet, suite: Suite) -> DemoSet:
    """``demos`` with every episode's house keyed ``<suite name>/<house id>``."""
    episodes = [dataclasses.replace(ep, house=f"{suite.name}/{ep.house}")
                for ep in demos.episodes]
    return dataclasses.replace(demos, episodes=episodes)


def mixed_houses(main: Suite, extra: Sequence[Suite], keys: Iterable[str]) -> dict[str, House]:
    """The houses of ``keys`` (sorted): a main-suite house id, or ``<suite>/<id>`` of an
    extra suite (:func:`tag_houses`).

    Raises:
        TrainError: a key names no house of these suites.
    """
    by_name = {s.name: s for s in extra}
    out = {}
    for key in sorted(set(keys)):
        name, sep, hid = key.partition("/")
        suite, hid = (by_name.get(name), hid) if sep else (main, key)
        if suite is None or hid not in suite.houses:
            raise TrainError(f"house {key!r} is in no suite of data.suite ({main.name}) or "
                             f"data.extra_suites ({sorted(by_name)})")
        out[key] = suite.houses[hid]
    return out
