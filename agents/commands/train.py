"""``vln train``: demonstrations, behaviour cloning, DAgger, PPO, stable-baselines3.

* ``vln train bc [--config FILE] [--set section.field=value ...] [--suite S] [--out DIR]
  [--resume | --force] [--time-budget S] [--max-steps N] [--seed N] [--device D]``:
  behaviour cloning; writes ``DIR/{config.json, log.csv, evals.jsonl, last.pt, best.pt,
  last/, best/, result.json}``. ``--resume`` continues the run in ``DIR`` wherever it was
  first written; ``--force`` replaces an earlier run once the new one ends
  (:mod:`agents.train.resume`, docs/cli.md). ``--init DIR [--init-parts text,vision]``
  starts from pretrained weights (:mod:`agents.train.initial_weights`).
* ``vln train dagger --from CKPT [same options]``: DAgger from a checkpoint (a ``.pt``
  training checkpoint or a model folder); ``vln train dagger --out DIR --resume``
  continues the DAgger run in ``DIR`` from its ``last.pt``.
* ``vln train ppo [--config FILE] [--set section.field=value ...] [--init MODEL_DIR]
  [--env ID] [--suite S] [--frames N] --out DIR [--resume] [--time-budget S] [--seed N]
  [--device D]``: recurrent PPO on the batched environment (:mod:`agents.rl.ppo_run`; config
  sections ``model``, ``env``, ``ppo``, ``eval``, ``run``); writes the same files as
  ``bc``.
* ``vln train sb3 --env ID --steps N --out DIR [--envs K] [--seed N] [--device D]
  [--save-every M] [--set model.field=value ...]``: stable-baselines3's PPO with the
  project's encoders (:mod:`agents.rl.sb3`); ``vln benchmark --policy DIR`` scores the
  result.
* ``vln train demos --suite S --split train --teacher oracle|explorer [--workers K]
  [--sampled N --seed S] [--demos-dir DIR] [--measure N]``: generate (or check) a
  demonstrations file; ``--measure N`` also times re-rendering N episodes' observations
  against reading them from a memory-mapped file.

Config precedence: defaults < ``--config`` file (TOML or JSON, sections ``model``,
``data``, ``optim``, ``eval``, ``run``, ``dagger``) < the flat flags < ``--set``.
``python -m agents.train bc ...`` is the same command (for ``torchrun``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from agents.commands import add_force, count_arg, seed_arg
from vlnenv.expert.kinds import ExpertKind

#: Flat flag (argparse dest) -> the config field it sets.
FLAT_FLAGS: dict[str, str] = {
    "suite": "data.suite",
    "out": "run.out",
    "time_budget": "run.time_budget_s",
    "max_steps": "optim.max_steps",
    "seed": "run.seed",
    "device": "run.device",
    "init": "dagger.init",
    "init_path": "init.path",
    "init_parts": "init.parts",
}
#: The same for ``vln train ppo`` (:class:`agents.rl.config.RLConfig`).
PPO_FLAGS: dict[str, str] = {
    "suite": "env.suite",
    "env": "env.id",
    "out": "run.out",
    "time_budget": "run.time_budget_s",
    "frames": "ppo.total_frames",
    "seed": "run.seed",
    "device": "run.device",
    "init": "ppo.init",
}


def _run_options(p: argparse.ArgumentParser, ppo: bool = False) -> None:
    p.add_argument("--config", type=Path, default=None,
                   help="TOML or JSON config file (sections " + (
                       "model, env, ppo, eval, run)" if ppo else
                       "model, data, optim, eval, run, dagger)"))
    p.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="override one field, e.g. --set optim.lr=3e-4 (repeatable)")
    p.add_argument("--suite", default=None,
                   help="suite to learn from (data.suite; ppo: env.suite, also evaluated)")
    p.add_argument("--out", default=None, help="run folder (run.out)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last.pt (wherever it was first "
                        "written); changing settings other than --max-steps (BC), --time-budget, "
                        "--device and run.threads/log_every/checkpoint_every is refused")
    add_force(p)
    p.add_argument("--time-budget", type=float, default=None, metavar="S",
                   help="wall-clock seconds to train, then finish cleanly (run.time_budget_s)")
    if ppo:
        p.add_argument("--frames", type=count_arg, default=None,
                       help="environment frames in all (ppo.total_frames)")
    else:
        p.add_argument("--max-steps", type=count_arg, default=None,
                       help="optimiser steps (optim.max_steps)")
    p.add_argument("--seed", type=seed_arg, default=None, help="seed (run.seed)")
    p.add_argument("--device", default=None, help="auto, cpu, cuda or cuda:N (run.device)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``train`` command group."""
    group = sub.add_parser("train", help="demonstrations, behaviour cloning, DAgger, PPO",
                           description="Train the multimodal policy by imitation or "
                                       "reinforcement learning.")
    add_commands(group.add_subparsers(dest="train_command", metavar="COMMAND", required=True))


def add_commands(cmds: argparse._SubParsersAction) -> None:
    """The ``bc``, ``dagger``, ``ppo``, ``sb3`` and ``demos`` sub-commands (shared with
    ``python -m agents.train``)."""
    bc = cmds.add_parser("bc", help="behaviour cloning on teacher demonstrations")
    bc.add_argument("--init", dest="init_path", default=None, metavar="DIR",
                    help="start from pretrained weights: a pretraining run (its encoders/), "
                         "a model folder or a checkpoint (init.path)")
    bc.add_argument("--init-parts", dest="init_parts", default=None, metavar="PARTS",
                    help="comma-separated parts loaded from --init (init.parts; default "
                         "text,vision; 'all': every weight, to continue a trained policy)")
    _run_options(bc)
    bc.set_defaults(func=_bc)

    dagger = cmds.add_parser("dagger", help="DAgger from a checkpoint")
    dagger.add_argument("--from", dest="init", default=None, metavar="CKPT",
                        help="starting checkpoint: runs/NAME/last.pt or runs/NAME/best")
    _run_options(dagger)
    dagger.set_defaults(func=_dagger)

    ppo = cmds.add_parser("ppo", help="recurrent PPO on the batched environment")
    ppo.add_argument("--init", default=None, metavar="MODEL_DIR",
                     help="start from this model folder (e.g. runs/quickstart/model) or "
                          "training checkpoint (ppo.init)")
    ppo.add_argument("--env", default=None, metavar="ID",
                     help="play a registered id's generated tasks (env.id) instead of the "
                          "suite's train split")
    _run_options(ppo, ppo=True)
    ppo.set_defaults(func=_ppo)

    sb3 = cmds.add_parser("sb3", help="stable-baselines3 PPO with the project's encoders")
    sb3.add_argument("--env", required=True, metavar="ID",
                     help="registered id, e.g. vlnenv/GoToRoom-v0")
    sb3.add_argument("--steps", type=int, required=True, help="environment steps in all")
    sb3.add_argument("--out", required=True, help="folder for sb3_policy.zip/.json")
    sb3.add_argument("--envs", type=int, default=8, help="environments (default 8)")
    sb3.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    sb3.add_argument("--device", default="auto", help="auto, cpu, cuda (default auto)")
    sb3.add_argument("--save-every", type=int, default=0, metavar="M",
                     help="also save the policy every M steps as OUT/at_<steps>/ (0: no)")
    sb3.add_argument("--dense-reward", type=float, default=0.0, metavar="L",
                     help="the environment's dense_reward shaping weight (default 0: the "
                          "success reward only)")
    sb3.add_argument("--set", action="append", default=[], metavar="model.FIELD=VALUE",
                     help="encoder setting, e.g. --set model.n_embd=64 (repeatable)")
    sb3.set_defaults(func=_sb3)

    demos = cmds.add_parser("demos", help="generate a demonstrations file")
    demos.add_argument("--suite", default="small", help="suite (default: small)")
    demos.add_argument("--split", default="train", help="split (default: train)")
    demos.add_argument("--teacher", choices=tuple(k.value for k in ExpertKind), required=True,
                       help="the expert whose actions are recorded (reader: the explorer on "
                            "the task as its words read)")
    demos.add_argument("--workers", type=count_arg, default=1, help="processes (default 1)")
    demos.add_argument("--sampled", type=int, default=0,
                       help="sample N fresh episodes on the split's houses instead")
    demos.add_argument("--seed", type=seed_arg, default=0, help="seed of sampled episodes")
    demos.add_argument("--demos-dir", default="runs/demos",
                       help="folder of demonstration files (default: runs/demos)")
    demos.add_argument("--measure", type=int, default=0, metavar="N",
                       help="also time re-rendering N episodes against a memory-mapped file")
    demos.set_defaults(func=_demos)


def config_from_args(args: argparse.Namespace, flags: dict[str, str] | None = None,
                     base: object = None) -> object:
    """The resolved config of the parsed options (see the module docstring): a
    ``TrainConfig``, or of ``base``'s class, its flat flags given by ``flags``."""
    from agents.train.config import resolve_config

    overrides = [f"{field}={getattr(args, dest)}"
                 for dest, field in (FLAT_FLAGS if flags is None else flags).items()
                 if getattr(args, dest, None) is not None]
    if args.resume:
        overrides.append("run.resume=true")
    if args.force:
        overrides.append("run.force=true")
    return resolve_config(args.config, overrides + list(args.set), base=base)


def _report(result: object, as_json: bool) -> int:
    data = result.to_dict()  # type: ignore[attr-defined]
    if as_json:
        print(json.dumps(data, indent=2, default=str))
        return 0
    print(f"{data['kind']}: {data['steps']} steps, {data['samples']:,} samples, "
          f"{data['elapsed_s']:.0f} s ({data['stopped_by']}); best step {data['best_step']} "
          f"SR {data['best_sr']}")
    for split, r in data["final_eval"].items():
        families = ", ".join(f"{f} {v:.2f}" for f, v in r["by_family"].items())
        print(f"  {split}: SR {r['sr']:.3f} on {r['episodes']} episodes ({families})")
    print(f"wrote {data['out']} (best model: {data['best_model']})")
    return 0


def _bc(args: argparse.Namespace) -> int:
    from agents.train.bc import train_bc

    return _report(train_bc(config_from_args(args)), args.json)  # type: ignore[arg-type]


def _dagger(args: argparse.Namespace) -> int:
    from agents.train.dagger import train_dagger

    return _report(train_dagger(config_from_args(args)), args.json)  # type: ignore[arg-type]


def _ppo(args: argparse.Namespace) -> int:
    from agents.rl.config import RLConfig
    from agents.rl.ppo_run import train_ppo

    config = config_from_args(args, PPO_FLAGS, RLConfig())
    return _report(train_ppo(config), args.json)  # type: ignore[arg-type]


def _sb3(args: argparse.Namespace) -> int:
    from agents.rl.config import RLConfig
    from agents.rl.sb3 import train_sb3
    from agents.train.config import resolve_config
    from agents.train.errors import TrainError

    bad = [s for s in args.set if not s.startswith("model.")]
    if bad:
        raise TrainError(f"--set {bad[0]!r}: vln train sb3 takes model.FIELD=VALUE only")
    model = resolve_config(None, list(args.set), base=RLConfig()).model
    meta = train_sb3(args.env, args.steps, args.out, model.to_dict(), n_envs=args.envs,
                     seed=args.seed, device=args.device, progress_bar=sys.stderr.isatty(),
                     save_every=args.save_every, dense_reward=args.dense_reward)
    print(f"sb3 PPO on {meta['env']}: {meta['steps']:,} steps; wrote {args.out} (score it: "
          f"vln benchmark --policy {args.out})")
    return 0


def _demos(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.train.data.demos import ensure_demos
    from vlnenv.suites.load import load_suite

    suite = load_suite(args.suite)
    total = args.sampled or len(suite.episodes(args.split))
    with tqdm(total=total, desc=f"{args.teacher} on {suite.name}/{args.split}", unit="ep",
              file=sys.stderr, disable=None) as bar:
        demos = ensure_demos(suite, args.split, args.teacher, args.demos_dir, args.sampled,
                             args.seed, args.workers, progress=bar.update)
    meta = demos.meta
    print(f"{meta['teacher']} demonstrations of {suite.name}/{args.split}: {len(demos)} "
          f"episodes, {meta['successful']} successful, {meta['steps']:,} steps")
    if args.measure:
        from agents.train.data.replay import measure_rerender

        n = min(args.measure, len(demos))
        houses = {e.house: suite.houses[e.house] for e in demos.episodes[:n]}
        m = measure_rerender(demos.episodes[:n], demos.actions[:n], houses)
        print(f"re-render ({m['steps']:,} observations of {m['episodes']} episodes): "
              f"batched env {m['rerender_batched_obs_per_s']:,.0f} obs/s, single env "
              f"{m['rerender_single_obs_per_s']:,.0f} obs/s; memory-mapped .npy (page cache) "
              f"{m['disk_memmap_obs_per_s']:,.0f} obs/s; {m['disk_bytes']:,} bytes on disk "
              f"vs {m['action_bytes']:,} bytes of actions")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m agents.train COMMAND ...``."""
    from vlnenv.errors import VLNError

    parser = argparse.ArgumentParser(prog="python -m agents.train",
                                     description="Train the multimodal policy by imitation.")
    add_commands(parser.add_subparsers(dest="train_command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except VLNError as err:
        print(f"python -m agents.train: error: {err}", file=sys.stderr)
        return 1
