"""How unseen a suite's phrasing splits are to a model trained on trained phrasing.

Says every episode of the training split again in trained phrasing, as ``data.phrasing =
"trained"`` does for the demonstrations (:func:`vlnenv.tasks.rephrase.said_in`, seed
``--seed``: the config's ``data.sample_seed``), and prints, for each evaluation split, how
many instructions hold a token that text never says, how many such tokens there are, and
the most frequent ones.

    PYTHONPATH=$PWD python scripts/phrasing_coverage.py --suite small
"""

from __future__ import annotations

import argparse
from collections import Counter

from vlnenv.language.vocab import tokenize
from vlnenv.suites.load import load_suite
from vlnenv.tasks.rephrase import said_in


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="small")
    p.add_argument("--train", default="train", help="the training split (default train)")
    p.add_argument("--seed", type=int, default=0, help="data.sample_seed (default 0)")
    p.add_argument("--splits", default="test_phrasing,test_trained_phrasing,test",
                   help="comma-separated splits to measure")
    args = p.parse_args()
    suite = load_suite(args.suite)
    seen: set[str] = set()
    for j, ep in enumerate(suite.episodes(args.train)):
        seen |= set(tokenize(said_in(ep, suite.houses[ep.house], "trained", args.seed,
                                     j).instruction))
    print(f"{suite.name}/{args.train} in trained phrasing says {len(seen)} distinct tokens")
    for split in args.splits.split(","):
        episodes = suite.episodes(split)
        new = [set(tokenize(ep.instruction)) - seen for ep in episodes]
        counts = Counter(t for tokens in new for t in tokens)
        top = ", ".join(f"{t} {n}" for t, n in counts.most_common(8))
        print(f"{split}: {sum(bool(t) for t in new)}/{len(episodes)} instructions hold a "
              f"token it never says ({len(counts)} such tokens; most frequent: {top})")


if __name__ == "__main__":
    main()
