"""The demo this project exists for: type an instruction, watch a policy try it.

    python examples/vln_demo.py                       # runs/quickstart/model, or untrained
    python examples/vln_demo.py runs/quickstart/model --instruction "Bring me a cup"
    python examples/vln_demo.py --house maps/houses/family_house.toml --start 9,10,0 \\
        --instruction "Go to the living room and bring me a pillow"

The core, as in the issue that asked for it::

    env = VLNEnv()
    model = MultimodalTransformer()
    load_pretrained_weights(model, "runs/quickstart/model")
    text_features = model.encode_text("Go to the bedroom and bring me a pillow")
    obs, info = env.reset(options={"instruction": "Go to the bedroom and bring me a pillow"})
    while not done: ...

A trained folder (``vln quickstart`` writes ``runs/quickstart/model``) is loaded with its
own config (sizes and fusion); without one an untrained default model runs, which just
wanders. With no ``--house`` the house is a generated one in which the instruction reads
as exactly one task.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from agents import load_pretrained_weights
from agents.models.model_folder import read_config, read_tokenizer
from agents.models.policy import MultimodalTransformer
from vlnenv import EnvConfig, VLNEnv
from vlnenv.eval.evaluate import stack_obs

DEFAULT_MODEL = Path("runs/quickstart/model")
DEFAULT_INSTRUCTION = "Go to the bedroom and bring me a pillow"


def build_model(folder: Path) -> MultimodalTransformer:
    """The trained model in ``folder``, or an untrained default one when there is none."""
    if not folder.is_dir():
        print(f"no trained model at {folder}: running an untrained model")
        return MultimodalTransformer()
    model = MultimodalTransformer(read_config(folder), read_tokenizer(folder))
    load_pretrained_weights(model, folder)
    return model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", nargs="?", type=Path, default=DEFAULT_MODEL,
                        help=f"model folder (default: {DEFAULT_MODEL})")
    parser.add_argument("--instruction", default=DEFAULT_INSTRUCTION)
    parser.add_argument("--house", default=None, help="map file (default: a generated house)")
    parser.add_argument("--start", default=None, help="ROW,COL,HEADING")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="stop after this many steps (default: the episode's budget)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model = build_model(args.model).eval()
    env = VLNEnv(config=EnvConfig(tile=model.config.tile))
    with torch.no_grad():
        text_features = model.encode_text(args.instruction)  # (1, C)
    options = {"instruction": args.instruction}
    if args.house is not None:
        options["house"] = args.house
    if args.start is not None:
        options["start"] = tuple(int(v) for v in args.start.split(","))
    obs, info = env.reset(seed=args.seed, options=options)
    print(f"instruction: {obs['instruction']}  (text features {tuple(text_features.shape)})")
    print(f"task: {env.episode.task}")
    limit = env.episode.max_steps if args.max_steps is None else args.max_steps
    state, done, steps = None, False, 0
    while not done and steps < limit:
        with torch.no_grad():
            logits, _, state = model.act(stack_obs([obs]), state)  # (1, A), (1,), (1, S)
        obs, reward, terminated, truncated, info = env.step(int(logits[0].argmax()))
        done, steps = terminated or truncated, steps + 1
    verdict = "success" if info["success"] else ("failure" if done else "unfinished")
    print(f"{verdict} after {steps} steps; distance to goal {info['distance_to_goal']:.0f} "
          "cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
