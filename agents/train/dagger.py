"""DAgger (Ross, Gordon & Bagnell, 2011): train on the states the learner itself visits.

Iteration ``i`` (``beta_i = beta0 * decay ** i``):

1. **roll out**: the learner plays ``dagger.rollouts`` episodes of ``rollout_split``
   of the trained families (``data.families``; each rank its own share, drawn with its
   own seeds); at every step the teacher of the episode's family labels the state, and
   the teacher's action is taken with probability ``beta_i``, the learner's greedy
   action otherwise;
2. **label**: the ``oracle`` labels from the state itself (with ``dagger.route_teacher``,
   a route's states are labelled back to the route and along it:
   :mod:`vlnenv.expert.route_teacher`); the ``explorer`` is a
   :class:`~vlnenv.tasks.solver.TaskSolver` that has been fed the learner's own
   trajectory (``observe`` at every visited pose before ``act``), so its labels use only
   what the learner could have seen;
3. **aggregate**: the labelled trajectories join the data (the BC demonstrations and
   every earlier iteration's), all ranks' trajectories gathered on every rank;
4. **train**: ``steps_per_iteration`` more optimiser steps from the current weights
   (the first iteration starts from ``dagger.init``), then evaluate and checkpoint.

Each iteration's trajectories are saved as ``dagger/iter<i>.npz`` (the demonstrations
format, ``actions`` taken and ``labels`` to imitate).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.models import MultimodalTransformer, autocast_context
from agents.train import distributed
from agents.train.bc import configure_torch, load_demos_for
from agents.train.checkpoint import load_checkpoint, load_model, model_of
from agents.train.config import TrainConfig
from agents.train.data.demo_set import FORMAT, FORMAT_VERSION, DemoSet, load_demos, save_demos
from agents.train.errors import TrainError
from agents.train.result import TrainResult
from agents.train.resume import RESUME_SAFE, prepare_run, run_folder
from agents.train.schedule import dagger_beta
from agents.train.trainer import Trainer
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.errors import VLNError
from vlnenv.eval.evaluate import stack_obs
from vlnenv.expert.oracle import Oracle
from vlnenv.expert.route_teacher import route_action
from vlnenv.language.instructions import FollowRoute
from vlnenv.suites.load import Suite
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.from_text import read_episode
from vlnenv.tasks.rephrase import said_all
from vlnenv.tasks.run import RunTrace
from vlnenv.tasks.solver import TaskSolver
from vlnenv.world.dynamics import EpisodeState


def rollout_indices(total: int, count: int, iteration: int, seed: int) -> list[int]:
    """Which of a split's ``total`` episodes iteration ``iteration`` rolls out: ``count``
    distinct ones (all of them, then repeats, when ``count > total``), drawn from
    ``default_rng([seed, iteration])``."""
    rng = np.random.default_rng([seed, iteration])
    reps = -(-count // total)
    return np.concatenate([rng.permutation(total) for _ in range(reps)])[:count].tolist()


def rollout_episodes(suite: Suite, split: str, families: Sequence[str]) -> list[Episode]:
    """The episodes of ``suite``'s ``split`` that DAgger may roll out: those of the
    trained ``families`` (``data.families``), in file order.

    Raises:
        TrainError: the split holds no episode of those families.
    """
    episodes = [ep for ep in suite.episodes(split) if ep.family in families]
    if not episodes:
        raise TrainError(f"dagger.rollout_split: {suite.name}/{split} holds no episode of "
                         f"data.families {list(families)}")
    return episodes


def teacher_label(solver: TaskSolver, state: EpisodeState) -> int:
    """The teacher's action in ``state``, after letting it see from the current pose (the
    explorer remembers every pose it was shown: the learner's history)."""
    solver.observe(state.pose, state)
    return solver.act(state)


@dataclasses.dataclass
class _Slot:
    """One environment of a roll-out and the episode it plays."""

    env: GridHouseEnv
    position: int = -1
    solver: TaskSolver | None = None
    route: tuple[tuple[int, int], ...] | None = None
    rng: np.random.Generator | None = None
    actions: list[int] = dataclasses.field(default_factory=list)
    labels: list[int] = dataclasses.field(default_factory=list)
    trace: RunTrace = dataclasses.field(default_factory=RunTrace)
    obs: dict[str, Any] = dataclasses.field(default_factory=dict)


def collect_rollouts(model: MultimodalTransformer, suite: Suite, episodes: Sequence[Episode],
                     teacher: Mapping[str, str], beta: float, seed: Sequence[int],
                     batch: int = 32, route_teacher: bool = False) -> DemoSet:
    """Roll ``episodes`` out with the learner (the teacher acting with probability
    ``beta``, drawn from the episode's generator ``default_rng([*seed, position])``),
    labelling every visited state with the teacher of the episode's family (with
    ``route_teacher``, a ``follow_route`` episode's with
    :func:`~vlnenv.expert.route_teacher.route_action`).

    Returns:
        One trajectory per episode, in order: ``actions`` taken, teacher ``labels``,
        ``success`` of the roll-out; ``expert`` false (no progress targets). A trajectory
        whose teacher gives up (the explorer finds no way from where the learner went)
        ends at that state.
    """
    houses = {hid: suite.houses[hid] for hid in sorted({ep.house for ep in episodes})}
    oracles = {hid: Oracle(house) for hid, house in houses.items()}
    slots = [_Slot(GridHouseEnv(EpisodeSource.episodes(list(episodes), houses)))
             for _ in range(min(batch, len(episodes)))]
    results: dict[int, tuple[list[int], list[int], bool, RunTrace]] = {}
    next_position = 0

    def start(slot: _Slot) -> None:
        nonlocal next_position
        slot.position, slot.actions, slot.labels = -1, [], []
        slot.trace = RunTrace(view=slot.env.view)
        if next_position >= len(episodes):
            return
        ep = episodes[next_position]
        slot.position, next_position = next_position, next_position + 1
        slot.obs, _ = slot.env.reset(options={"episode": ep, "house": houses[ep.house]})
        told = (read_episode(ep, houses[ep.house]) if teacher[ep.family] == "reader"
                else slot.env.instruction)
        slot.solver = TaskSolver(told, teacher[ep.family], slot.env.view, oracles[ep.house])
        slot.route = (slot.env.instruction.route
                      if route_teacher and isinstance(slot.env.instruction, FollowRoute) else None)
        slot.rng = np.random.default_rng([*seed, slot.position])

    def finish(slot: _Slot, success: bool) -> None:
        if slot.actions:
            results[slot.position] = (slot.actions, slot.labels, success, slot.trace)
        start(slot)

    for slot in slots:
        start(slot)
    model.eval()
    state = model.initial_state(len(slots))
    try:
        while any(s.position >= 0 for s in slots):
            with torch.no_grad(), autocast_context(model.device):
                logits, _, state = model.act(stack_obs([s.obs for s in slots]), state)
            learner = logits.argmax(-1).tolist()  # (N,)
            done = torch.zeros(len(slots), dtype=torch.bool)  # (N,)
            for b, slot in enumerate(slots):
                if slot.position < 0:
                    continue
                try:
                    label = (teacher_label(slot.solver, slot.env.state) if slot.route is None
                             else route_action(slot.route, slot.env.state,
                                               oracles[episodes[slot.position].house]))
                except VLNError:
                    finish(slot, False)
                    done[b] = True
                    continue
                action = label if slot.rng.random() < beta else int(learner[b])
                slot.actions.append(action)
                slot.labels.append(label)
                slot.trace.note(slot.env.run, slot.solver.instruction)
                slot.obs, _, terminated, truncated, info = slot.env.step(action)
                if terminated or truncated:
                    finish(slot, bool(info["success"]))
                    done[b] = True
            state = state.reset(done)
    finally:
        model.train()
    kept = sorted(results)
    return DemoSet([episodes[p] for p in kept],
                   [np.asarray(results[p][0], np.uint8) for p in kept],
                   [np.asarray(results[p][1], np.uint8) for p in kept],
                   np.array([results[p][2] for p in kept], bool), np.zeros(len(kept), bool),
                   [results[p][3] for p in kept],
                   {"format": FORMAT, "version": FORMAT_VERSION, "suite": suite.name,
                    "suite_sha256": suite.suite_hash, "teacher": dict(teacher),
                    "sampled_episodes": 0, "beta": beta, "route_teacher": route_teacher})


#: Settings a resumed DAgger run may change: not ``optim.max_steps``, which DAgger
#: derives from its iterations (see :mod:`agents.train.resume`).
DAGGER_RESUME_SAFE: tuple[str, ...] = tuple(k for k in RESUME_SAFE if k != "optim.max_steps")
#: Settings DAgger sets itself (the model of ``dagger.init``, the step count), so a
#: resume does not compare them with what the command line says.
DAGGER_DERIVED: tuple[str, ...] = ("model.", "optim.max_steps")


def dagger_config(config: TrainConfig) -> tuple[TrainConfig, MultimodalTransformer, list[str]]:
    """The config to run, the starting model, and lines for the log (a resume's applied
    changes).

    A new run: the model section is ``dagger.init``'s (it must fit the weights) and
    ``optim.max_steps`` is ``iterations * steps_per_iteration``. On ``run.resume``: the
    config saved in ``run.out/last.pt`` (see :func:`~agents.train.bc.prepare_run`) and
    that checkpoint's model (its weights are loaded again by :meth:`Trainer.load`).

    Raises:
        TrainError: a new run with no ``dagger.init`` or nothing loadable there, or over
            an earlier run; a resume with no ``last.pt`` or one that is not DAgger's;
            ``optim.fit_budget`` (behaviour cloning only).
    """
    if config.optim.fit_budget:
        raise TrainError("optim.fit_budget = true is for behaviour cloning; DAgger's steps "
                         "are dagger.iterations x dagger.steps_per_iteration (set "
                         "optim.fit_budget=false)")
    if config.run.resume:
        config, notes = prepare_run(config, DAGGER_RESUME_SAFE, DAGGER_DERIVED)
        last = Path(config.run.out) / "last.pt"
        saved = load_checkpoint(last)
        if saved.get("kind") != "dagger":
            raise TrainError(f"--resume: {last} is a {saved.get('kind')!r} checkpoint, not a "
                             f"DAgger run's; start DAgger from it with --from {last}")
        return config, model_of(saved, str(last)).train(), notes
    if not config.dagger.init:
        raise TrainError("DAgger needs a starting checkpoint: --from runs/NAME/best (a model "
                         "folder) or runs/NAME/last.pt (dagger.init)")
    model = load_model(config.dagger.init).train()
    steps = config.dagger.iterations * config.dagger.steps_per_iteration
    optim = dataclasses.replace(config.optim, max_steps=steps)
    config, notes = prepare_run(config.replace(model=model.config, optim=optim))
    return config, model, notes


def iteration_path(out: Path, iteration: int) -> Path:
    """Where iteration ``iteration``'s labelled trajectories are saved."""
    return out / "dagger" / f"iter{iteration}.npz"


def load_iteration(trainer: Trainer, iteration: int) -> DemoSet:
    """Iteration ``iteration``'s trajectories as saved by this run.

    Raises:
        TrainError: the file is missing, unreadable, or another iteration's.
    """
    path = iteration_path(trainer.out, iteration)
    if not path.is_file():
        raise TrainError(f"--resume: {path} is missing (iteration {iteration}'s roll-outs)")
    demos = load_demos(path, trainer.suite)
    if demos.meta.get("iteration") != iteration:
        raise TrainError(f"--resume: {path} holds iteration {demos.meta.get('iteration')!r}'s "
                         f"roll-outs, not iteration {iteration}'s")
    return demos


def resume_point(trainer: Trainer) -> tuple[int, bool]:
    """Where a resumed run (``last.pt`` loaded) goes on: the iteration in progress, and
    whether its roll-outs are still to be done (the checkpoint closed the iteration before).

    The checkpoint's ``extra`` holds ``iterations`` (the stats of every iteration whose
    roll-outs joined the data) and ``iterations_done`` (those trained to their last step,
    evaluated and checkpointed).

    Raises:
        TrainError: the books and the checkpoint's step disagree.
    """
    per = trainer.config.dagger.steps_per_iteration
    stats = trainer.extra.get("iterations")
    if not isinstance(stats, list) or not stats:
        raise TrainError(f"--resume: {trainer.out / 'last.pt'} holds no DAgger iteration "
                         "records (extra['iterations'])")
    aggregated = len(stats)
    done = int(trainer.extra.get("iterations_done", aggregated - 1))
    if done == aggregated:  # closed at its last step: the next iteration starts afresh
        current, fresh = aggregated, True
        fits = trainer.step == aggregated * per
    else:
        current, fresh = aggregated - 1, False
        fits = done == current and current * per <= trainer.step <= (current + 1) * per
    if not fits:
        raise TrainError(f"--resume: step {trainer.step} of {trainer.out / 'last.pt'} does not "
                         f"fit its {aggregated} aggregated and {done} finished iteration(s) "
                         f"of {per} steps")
    return current, fresh


def train_dagger(config: TrainConfig) -> TrainResult:
    """DAgger from ``config.dagger.init`` (see the module docstring), or, with
    ``run.resume``, the run in ``run.out`` continued from its ``last.pt``: the data are
    rebuilt as they were at the checkpoint (the demonstrations, then ``dagger/iter<i>.npz``
    in order), and the run goes on within the iteration the checkpoint's step falls in, or
    with the next iteration's roll-outs when the checkpoint closed an iteration (read back
    from ``dagger/iter<i+1>.npz`` when that was written before the interruption).

    Returns:
        The run's result; ``extra["iterations"]`` lists, per iteration, ``beta``, the
        roll-outs' success rate, the trajectories added and the dataset size;
        ``extra["iterations_done"]`` counts the iterations trained to their end.

    Raises:
        TrainError: see :func:`dagger_config`; missing demonstrations; on resume, missing
            iteration files or books that do not fit the checkpoint.
    """
    force = config.run.force and not config.run.resume  # prepare_run drops it
    config, model, notes = dagger_config(config)
    ctx = distributed.setup(config.run.device)
    trainer: Trainer | None = None
    try:
        with run_folder(config.run.out, force, ctx.main):
            configure_torch(config, ctx)
            trainer = Trainer(config, ctx, "dagger", model=model)
            dg = config.dagger
            deadline = (time.monotonic() + config.run.time_budget_s
                        if config.run.time_budget_s else None)
            data = (load_demos_for(config, trainer.suite, ctx, log=trainer.logger.message,
                                   extra=trainer.extra_suites)
                    if dg.keep_demos else DemoSet.concat([]))
            first, reuse = 0, False
            if config.run.resume:
                # ---- the data as at the checkpoint, then the checkpoint itself
                checkpoint = load_checkpoint(trainer.out / "last.pt")
                aggregated = len(checkpoint.get("extra", {}).get("iterations", []))
                for j in range(aggregated):
                    data = DemoSet.concat([data, load_iteration(trainer, j)], data.meta)
                trainer.set_data(data)
                trainer.load(trainer.out / "last.pt")
                first, fresh = resume_point(trainer)
                reuse = fresh and iteration_path(trainer.out, first).is_file()
                last_stats = trainer.extra["iterations"][-1]
                if (last_stats["episodes"], last_stats["steps"]) != (len(data), data.steps):
                    raise TrainError(f"--resume: the rebuilt data ({len(data)} trajectories, "
                                     f"{data.steps} steps) differ from the run's "
                                     f"({last_stats['episodes']}, {last_stats['steps']})")
                where = (f"iteration {first}{' (roll-outs first)' if fresh else ''}"
                         if first < dg.iterations else f"all {dg.iterations} iterations done")
                trainer.logger.message(f"dagger: resuming at step {trainer.step}, {where}, "
                                       f"{len(data)} trajectories")
            else:
                trainer.extra["iterations"] = []
                trainer.extra["iterations_done"] = 0
            trainer.open_logs()
            for note in notes:
                trainer.logger.message(note)
            # roll out the families BC trains on, in the words its demos read; routes not
            # when they are trained as parts (a whole route's labels are not a part's)
            rolled = [f for f in config.data.families
                      if not (config.data.route_parts and f == "follow_route")]
            split_episodes = said_all(rollout_episodes(trainer.suite, dg.rollout_split,
                                                       rolled),
                                      trainer.suite.houses, config.data.phrasing,
                                      config.data.sample_seed)
            stopped_by = "max_steps"
            for i in range(first, dg.iterations):
                if i == len(trainer.extra["iterations"]):
                    # ---- roll out (this rank's share) and label, unless saved before the resume
                    beta = dagger_beta(i, dg.beta0, dg.beta_decay)
                    if reuse and i == first:
                        new = load_iteration(trainer, i)
                    else:
                        chosen = rollout_indices(len(split_episodes), dg.rollouts, i,
                                                 config.run.seed)
                        mine = [split_episodes[j] for j in chosen[ctx.rank::ctx.world]]
                        rollouts = collect_rollouts(trainer.model, trainer.suite, mine,
                                                    config.data.teacher, beta,
                                                    seed=(config.run.seed, i, ctx.rank),
                                                    batch=dg.rollout_batch,
                                                    route_teacher=dg.route_teacher)
                        # ---- aggregate every rank's trajectories with the data so far
                        new = DemoSet.concat(distributed.gather(rollouts, ctx),
                                             {**rollouts.meta, "split": dg.rollout_split,
                                              "iteration": i})
                        if ctx.main:
                            save_demos(new, iteration_path(trainer.out, i))
                    data = DemoSet.concat([data, new], data.meta)
                    stats = {"iteration": i, "beta": beta, "rollouts": len(new),
                             "rollout_sr": float(new.success.mean()) if len(new) else 0.0,
                             "steps_added": new.steps, "episodes": len(data), "steps": data.steps,
                             "at_step": trainer.step}
                    trainer.extra["iterations"].append(stats)
                    trainer.logger.message(f"dagger iteration {i}: beta {beta:.3f}, roll-out SR "
                                           f"{stats['rollout_sr']:.2f}, +{len(new)} trajectories "
                                           f"({new.steps} steps): {len(data)} in all")
                    trainer.set_data(data)
                # ---- train on the aggregate, evaluate, checkpoint
                stopped_by = trainer.fit((i + 1) * dg.steps_per_iteration, deadline)
                if stopped_by == "max_steps":
                    trainer.extra["iterations_done"] = i + 1
                trainer.evaluate_and_save()
                if stopped_by == "time_budget":
                    break
            if first >= dg.iterations:  # resumed a finished run: evaluate for the result
                trainer.evaluate_and_save()
            result = trainer.result(stopped_by)
            trainer.logger.close()
            return result
    finally:
        if trainer is not None:
            trainer.close()
        distributed.teardown(ctx)
