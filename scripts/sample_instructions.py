"""Write ``docs/instructions_sample.md``: realised instructions of every task family, from
episodes sampled in generated houses, for reading by eye.

Usage::

    python scripts/sample_instructions.py [--per-family 40] [--houses 20] [--out PATH]

The same arguments give the same file on every machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vlnenv.errors import TaskError
from vlnenv.language.instructions import FAMILIES
from vlnenv.tasks.sample import sample_episode
from vlnenv.world.generate import GeneratorConfig, generate_house

ROOT = Path(__file__).resolve().parents[1]


def sample(per_family: int, n_houses: int, seed: int) -> dict[str, list[tuple[str, str, int]]]:
    """``family -> [(house name, instruction, reference path length)]``."""
    houses = [generate_house(GeneratorConfig(), s) for s in range(n_houses)]
    rng = np.random.default_rng(seed)
    out: dict[str, list[tuple[str, str, int]]] = {f: [] for f in FAMILIES}
    for family in FAMILIES:
        i = 0
        while len(out[family]) < per_family:
            house = houses[i % len(houses)]
            i += 1
            try:
                ep = sample_episode(house, rng, families=[family])
            except TaskError:
                continue
            out[family].append((house.name, ep.instruction, len(ep.reference_path)))
    return out


def render(samples: dict[str, list[tuple[str, str, int]]], args: argparse.Namespace) -> str:
    lines = [
        "# Sample instructions",
        "",
        "Realised by `vlnenv.language.realise` for episodes drawn by",
        "`vlnenv.tasks.sample.sample_episode` in houses from `generate_house(GeneratorConfig(),",
        f"seed)`, seeds 0..{args.houses - 1}. Regenerate with",
        "`python scripts/sample_instructions.py` (deterministic).",
        "",
    ]
    for family, rows in samples.items():
        lines += [f"## {family}", ""]
        for house, text, length in rows:
            lines.append(f"- {text} *({house}, path {length} cells)*")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-family", type=int, default=40)
    parser.add_argument("--houses", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "instructions_sample.md")
    args = parser.parse_args()
    text = render(sample(args.per_family, args.houses, args.seed), args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
