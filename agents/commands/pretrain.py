"""``vln pretrain``: pretrain the policy's encoders on data made from a suite, and ``vln
pretrain eval DIR``: their figures on ``val_unseen`` houses beside chance."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from vlnenv.language.instructions import FAMILIES


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``pretrain`` command (and its ``eval`` sub-command)."""
    p = sub.add_parser("pretrain", help="pretrain the encoders (contrastive, ITM, MLM, ...)",
                       description="Pretrain the text and vision encoders and the fusion on "
                                   "views, captions, questions and instruction-trajectory "
                                   "pairs made from a suite's train split.")
    p.add_argument("--objectives", default="contrastive,itm,mlm,caption,trajectory,qa",
                   help="comma-separated objectives (default: all six)")
    p.add_argument("--suite", default="small", help="suite (default: small)")
    p.add_argument("--budget", type=float, default=None, metavar="S",
                   help="stop after S seconds of training (checkpointed)")
    p.add_argument("--steps", type=int, default=None, help="optimiser steps (default 500)")
    p.add_argument("--batch", type=int, default=None, help="views per step (default 32)")
    p.add_argument("--path-batch", type=int, default=None,
                   help="instruction-trajectory pairs per step (default 8)")
    p.add_argument("--lr", type=float, default=None, help="AdamW learning rate (default 3e-4)")
    p.add_argument("--fusion", default=None,
                   help="single_stream (default) or dual_stream (any registered fusion)")
    p.add_argument("--preset", default=None, metavar="NAME",
                   help="the encoders of a model preset: default, large (GPU-sized) or "
                        "quickstart (those of quickstart_v12 and the longer recipe); "
                        "default: default")
    p.add_argument("--large", action="store_true", help="the same as --preset large")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="the encoders of a training config's model (a file, or a shipped "
                        "config's name: quickstart pretrains those of `vln train bc --config "
                        "quickstart`, to --init it); instead of --preset")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--phrasing", choices=("any", "trained"), default="any",
                   help="trained: captions and instructions in trained phrasing only, so "
                        "the suite's *_phrasing splits stay unseen (default any)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--out", default="runs/pretrain", help="run folder (default runs/pretrain)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.set_defaults(func=_pretrain)
    cmds = p.add_subparsers(dest="pretrain_command", metavar="COMMAND")
    ev = cmds.add_parser("eval", help="figures on val_unseen houses beside chance")
    ev.add_argument("run", help="run folder written by vln pretrain")
    ev.add_argument("--views", type=int, default=1000, help="retrieval candidates (1000)")
    ev.add_argument("--paths", type=int, default=500, help="trajectory candidates (500)")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.set_defaults(func=_eval)
    sp = cmds.add_parser("speak", help="demonstrations whose instructions the speaker wrote",
                         description="Teacher demonstrations of fresh episodes on a suite's "
                                     "train houses, each instruction written by the run's "
                                     "speaker from the views along its path (speaker "
                                     "augmentation); train on them beside the real ones with "
                                     "--set 'data.extra_demos=[\"FILE\"]'.")
    sp.add_argument("run", help="run folder written by vln pretrain")
    sp.add_argument("--out", required=True, help="demonstrations file to write (.npz)")
    sp.add_argument("--episodes", type=int, default=1000, help="demonstrations (1000)")
    sp.add_argument("--families", default=",".join(FAMILIES),
                    help="comma-separated task families (default: all five)")
    sp.add_argument("--suite", default=None, help="suite (default: the run's)")
    sp.add_argument("--split", default="train", help="split whose houses are used (train)")
    sp.add_argument("--seed", type=int, default=1,
                    help="seed of the fresh episodes (default 1; the real demonstrations' "
                         "data.sample_seed is 0)")
    sp.add_argument("--demos-dir", default="runs/demos",
                    help="folder of the teachers' demonstration files (runs/demos)")
    sp.add_argument("--force", action="store_true", help="replace an existing --out")
    sp.set_defaults(func=_speak)


def config_from_args(args: argparse.Namespace) -> object:
    """The ``PretrainConfig`` of the parsed options."""
    from agents.models.config import ModelConfig
    from agents.pretrain.config import PretrainConfig
    from agents.train.config import resolve_config
    from agents.train.errors import TrainError

    if args.large and args.preset not in (None, "large"):
        raise TrainError(f"--large and --preset {args.preset} name two models; give one")
    model = {} if args.fusion is None else {"fusion": args.fusion}
    if args.config is not None:
        if args.preset is not None or args.large:
            given = "--large" if args.large else f"--preset {args.preset}"
            raise TrainError(f"--config {args.config} and {given} name two models; give one")
        mc = resolve_config(args.config).model.replace(**model)
    else:
        mc = ModelConfig.preset("large" if args.large else (args.preset or "default"), **model)
    extra = {k: v for k, v in (("steps", args.steps), ("batch", args.batch),
                               ("path_batch", args.path_batch), ("lr", args.lr))
             if v is not None}
    return PretrainConfig(objectives=tuple(o.strip() for o in args.objectives.split(",")
                                           if o.strip()),
                          suite=args.suite, budget_s=args.budget, seed=args.seed,
                          device=args.device, model=mc, phrasing=args.phrasing, **extra)


def _pretrain(args: argparse.Namespace) -> int:
    from agents.pretrain.loop import pretrain

    last = pretrain(config_from_args(args), args.out, resume=args.resume)
    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 reports
        return 0
    losses = ", ".join(f"{k} {v:.3f}" for k, v in last.items() if k != "step")
    print(f"pretrained {last.get('step', 0)} steps ({losses}); wrote {args.out}/last.pt and "
          f"{args.out}/encoders")
    return 0


#: Rows of the eval table: label, figure key, chance key.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("view -> caption R@1 (1000)", "view_to_caption_r1", "view_caption_chance_r1"),
    ("view -> caption R@5", "view_to_caption_r5", "view_caption_chance_r5"),
    ("caption -> view R@1", "caption_to_view_r1", "view_caption_chance_r1"),
    ("caption -> view R@5", "caption_to_view_r5", "view_caption_chance_r5"),
    ("trajectory -> instruction R@1 (500)", "path_to_instruction_r1",
     "path_instruction_chance_r1"),
    ("trajectory -> instruction R@5", "path_to_instruction_r5", "path_instruction_chance_r5"),
    ("instruction -> trajectory R@1", "instruction_to_path_r1", "path_instruction_chance_r1"),
    ("instruction -> trajectory R@5", "instruction_to_path_r5", "path_instruction_chance_r5"),
    ("MLM token accuracy, text only", "mlm_accuracy_text", "mlm_chance"),
    ("MLM token accuracy, given the view", "mlm_accuracy_view", "mlm_chance"),
    ("QA accuracy (chance: majority answer)", "qa_accuracy", "qa_majority"),
    *((f"  QA {k}", f"qa_{k}_accuracy", f"qa_{k}_majority")
      for k in ("room", "exists", "color", "count", "side")),
    ("speaker BLEU-4, captions", "speaker_caption_bleu4", ""),
    ("speaker BLEU-4, instructions", "speaker_instruction_bleu4", ""),
    ("speaker instructions verified (vs true)", "speaker_instruction_verified",
     "true_instruction_verified"),
)


def _eval(args: argparse.Namespace) -> int:
    from agents.pretrain.probes import evaluate_run

    res = evaluate_run(args.run, args.views, args.paths)
    if args.json:
        print(json.dumps(res, indent=2, sort_keys=True))
        return 0
    print(f"{'val_unseen':<40} {'model':>8} {'chance':>8}")
    for label, key, chance in ROWS:
        base = f"{res[chance]:8.3f}" if chance else f"{'':>8}"
        print(f"{label:<40} {res[key]:8.3f} {base}")
    return 0


def _speak(args: argparse.Namespace) -> int:
    from agents.pretrain.augment import spoken_demos
    from agents.pretrain.loop import load_pretrain_model
    from agents.train.data.demo_set import save_demos
    from agents.train.errors import TrainError
    from vlnenv.fileio import check_output, output_file
    from vlnenv.suites.load import load_suite

    out = check_output(args.out, args.force, folder=False)  # before any work
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise TrainError(f"--families {args.families!r}: expected some of {list(FAMILIES)}")
    if args.episodes < 1:
        raise TrainError(f"--episodes must be >= 1, got {args.episodes}")
    model, pretrained = load_pretrain_model(args.run)
    suite = load_suite(args.suite or pretrained.suite)
    demos = spoken_demos(model, suite, args.episodes, families, args.split, args.seed,
                         args.demos_dir, log=print)
    demos.meta["speaker"] = str(args.run)
    if len(demos) == 0:
        raise TrainError(f"the speaker of {args.run} wrote no instruction for "
                         f"{args.episodes} episodes")
    with output_file(out, args.force, ".npz") as tmp:
        save_demos(demos, tmp)
    print(f"wrote {len(demos)} demonstrations to {out}; "
          f"{100 * demos.meta['verified']:.1f}% of the speaker's instructions describe their "
          f"trajectory's task; e.g. {demos.episodes[0].instruction!r}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m agents.commands.pretrain``."""
    parser = argparse.ArgumentParser(prog="vln")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
