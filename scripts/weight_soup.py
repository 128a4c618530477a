"""Average the weights of several models into one model folder (a "model soup").

The uniform mean ``w̄ = (1/K) Σ_k w_k`` of ``K`` models of one config and vocabulary
(:func:`agents.train.averaging.average_models`; Wortsman et al., 2022), written as a model
folder that ``vln benchmark --policy OUT`` scores with one forward a step. Average only runs
that started from the same weights (two second half hours from one first half hour, or
snapshots of one run): the mean of two runs from different fresh weights never succeeded
in docs/experiments/35-averaged-weights.md §3, where their ``ensemble:`` did.

Usage: ``python scripts/weight_soup.py --out OUT MODEL MODEL [MODEL ...] [--force]``
"""

from __future__ import annotations

import argparse
import sys

from agents.train.averaging import average_models
from agents.train.checkpoint import TRAIN_CONFIG_FILE, checkpoint_config, export_model, load_model
from agents.train.errors import TrainError
from vlnenv.errors import OutputError
from vlnenv.fileio import check_inputs_outside, output_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model folders or training checkpoints")
    parser.add_argument("--out", required=True, help="the model folder to write")
    parser.add_argument("--force", action="store_true", help="replace an earlier folder at --out")
    args = parser.parse_args(argv)
    try:
        check_inputs_outside(args.out, args.models)
        models = [load_model(path) for path in args.models]
        soup = average_models(models, args.models)
        config = checkpoint_config(args.models[0]) or {}
        config = {**config, "soup_of": list(args.models)}
        with output_folder(args.out, args.force) as folder:
            export_model(soup, folder, config)
    except (TrainError, OutputError) as err:
        print(f"weight_soup: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: the mean of {len(models)} models' weights "
          f"({TRAIN_CONFIG_FILE} names them under soup_of)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
