"""Behaviour cloning: imitate the teachers' demonstrations, sequence by sequence.

``train_bc(config)`` loads (or first generates) the demonstrations of ``data.suite`` /
``data.split`` (and of each of ``data.extra_suites``) for each teacher that
``data.teacher`` names, keeps per episode the demonstration of its family's teacher, and
trains the recurrent policy on them with
:class:`~agents.train.trainer.Trainer` for ``optim.max_steps`` steps or until
``run.time_budget_s`` is spent, then evaluates and writes the final checkpoints. It is
the same under ``torchrun`` (each rank on its shard, rank 0 writing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from agents.train import distributed
from agents.train.config import TrainConfig
from agents.train.data.demo_set import DemoSet, load_demos
from agents.train.data.demos import ensure_demos, select_teachers
from agents.train.data.family_repeat import repeat_families
from agents.train.data.room_balance import balance_rooms, repeat_lookalikes
from agents.train.data.route_parts import repeat_long_walks, split_route_demos
from agents.train.data.suite_mix import mixed_houses, tag_houses
from agents.train.data.walk_synth import synth_walks
from agents.train.errors import TrainError
from agents.train.result import TrainResult
from agents.train.resume import prepare_run, run_folder
from agents.train.trainer import Trainer
from vlnenv.suites.load import Suite


def configure_torch(config: TrainConfig, ctx: distributed.Context) -> None:
    """Threads, deterministic algorithms, and the seed of torch's global RNG (which only
    dropout draws from; its state is saved in checkpoints)."""
    if config.run.threads > 0:
        torch.set_num_threads(config.run.threads)
    if config.run.deterministic:
        torch.use_deterministic_algorithms(True)
    torch.manual_seed(config.run.seed * 1009 + ctx.rank)


def load_demos_for(config: TrainConfig, suite: Suite, ctx: distributed.Context,
                   log: Callable[[str], None] | None = None,
                   extra: Sequence[Suite] = ()) -> DemoSet:
    """The demonstrations the config asks for (rank 0 generates missing files while the
    other ranks wait), one per episode from its family's teacher, successful ones only,
    the first ``data.max_episodes`` of them; then those of the ``data.extra_demos`` files
    (:func:`extra_demos`); then the same as the first of each ``extra`` suite
    (``data.extra_suites``; its episodes sampled afresh as ``data.extra_sampled_episodes``
    says), its houses keyed ``<suite>/<id>``
    (:func:`agents.train.data.suite_mix.tag_houses`); then, with ``data.room_balance``,
    those whose goal room has a rare type repeated
    (:func:`agents.train.data.room_balance.balance_rooms`); then, with
    ``data.lookalike_repeat``, the ``go_to_room`` ones whose room has a look-alike
    (:func:`agents.train.data.room_balance.repeat_lookalikes`); then, with
    ``data.family_repeat``, each family's played as often as it says
    (:func:`agents.train.data.family_repeat.repeat_families`); then, with
    ``data.long_walk_repeat``, the route parts that walk many steps
    (:func:`agents.train.data.route_parts.repeat_long_walks`). Each suite's straight walks
    drawn with ``data.walk_synth`` (:mod:`agents.train.data.walk_synth`) join its route
    parts.

    Raises:
        TrainError: no demonstration is left (of ``suite`` or of an extra suite).
    """
    data = config.data
    teachers = sorted(set(data.teacher.values()))

    def of(source: Suite, sampled: int) -> DemoSet:
        def get(teacher: str) -> DemoSet:
            return ensure_demos(source, data.split, teacher, data.demos_dir,
                                sampled, data.sample_seed, data.workers, log=log,
                                phrasing=data.phrasing)

        if ctx.main:
            for teacher in teachers:
                get(teacher)
        distributed.barrier(ctx)
        demos = select_teachers({t: get(t) for t in teachers}, data.teacher)
        demos = demos.subset([i for i, ep in enumerate(demos.episodes)
                              if ep.family in data.families])
        if data.max_episodes is not None:
            demos = demos.subset(range(min(data.max_episodes, len(demos))))
        if data.route_parts:
            demos, dropped = split_route_demos(demos, source.houses)
            if log is not None:
                log(f"route demonstrations cut into parts ({dropped} left out: parts not "
                    "placed)")
        if data.walk_synth:
            demos, drawn = synth_walks(demos, source.houses, data.walk_synth,
                                       data.walk_synth_from, data.phrasing, data.sample_seed,
                                       data.walk_synth_kind)
            if log is not None:
                log(f"walk_synth {data.walk_synth}: {drawn} {data.walk_synth_kind} walks of "
                    f"{data.walk_synth_from}+ steps drawn in {source.name}'s houses")
        if len(demos) == 0:
            raise TrainError(f"no successful demonstrations in {source.name}/{data.split} "
                             f"for teachers {data.teacher}")
        return demos

    demos = of(suite, data.sampled_episodes)
    if data.extra_demos:
        demos = DemoSet.concat([demos, *(extra_demos(path, suite) for path in data.extra_demos)],
                               demos.meta)
    if extra:
        sampled = (data.sampled_episodes if data.extra_sampled_episodes is None
                   else data.extra_sampled_episodes)
        demos = DemoSet.concat([demos, *(tag_houses(of(s, sampled), s) for s in extra)],
                               demos.meta)
    if data.room_balance > 0 or data.lookalike_repeat > 1:
        houses = mixed_houses(suite, extra, (e.house for e in demos.episodes))
    if data.room_balance > 0:
        demos, added = balance_rooms(demos, houses, data.room_balance, data.room_balance_cap)
        if log is not None:
            each = "".join(f", {t} +{n}" for t, n in added.most_common())
            log(f"room_balance {data.room_balance:g}: {sum(added.values())} demonstrations "
                f"played again{each}")
    if data.lookalike_repeat > 1:
        demos, copies = repeat_lookalikes(demos, houses, data.lookalike_repeat)
        if log is not None:
            log(f"lookalike_repeat {data.lookalike_repeat}: {copies} copies of "
                f"{copies // (data.lookalike_repeat - 1)} go_to_room demonstrations whose "
                f"room has a look-alike")
    if data.family_repeat:
        demos, added = repeat_families(demos, data.family_repeat)
        if log is not None:
            each = ", ".join(f"{f} +{n}" for f, n in sorted(added.items()))
            log(f"family_repeat: {sum(added.values())} demonstrations played again ({each})")
    if data.long_walk_repeat > 1:
        demos, copies = repeat_long_walks(demos, data.long_walk_from, data.long_walk_repeat)
        if log is not None:
            log(f"long_walk_repeat {data.long_walk_repeat}: {copies} copies of "
                f"{copies // (data.long_walk_repeat - 1)} route parts that walk "
                f"{data.long_walk_from} steps or more")
    return demos


def extra_demos(path: str, suite: Suite) -> DemoSet:
    """The successful demonstrations of the file at ``path`` (``data.extra_demos``, e.g.
    written by ``vln pretrain speak``), made on ``suite``'s houses.

    Raises:
        TrainError: the file is missing or malformed, made on another suite (or another
            version of it), or holds no successful demonstration.
    """
    demos = load_demos(path, suite)
    made_on = (demos.meta.get("suite"), demos.meta.get("suite_sha256"))
    if made_on != (suite.name, suite.suite_hash):
        raise TrainError(f"data.extra_demos: {path} was made on suite {made_on[0]!r} "
                         f"(sha256 {str(made_on[1])[:12]}); expected {suite.name!r} (sha256 "
                         f"{suite.suite_hash[:12]})")
    demos = demos.successful()
    if len(demos) == 0:
        raise TrainError(f"data.extra_demos: {path} holds no successful demonstration")
    return demos


def train_bc(config: TrainConfig) -> TrainResult:
    """Behaviour cloning (see the module docstring).

    Args:
        config: the resolved config (``run.resume``: continue ``run.out/last.pt``).

    Returns:
        The run's result: checkpoints, model folders, logs, final evaluation.

    Raises:
        TrainError: a bad config, missing demonstrations or checkpoint.
    """
    force = config.run.force and not config.run.resume  # prepare_run drops it
    config, notes = prepare_run(config)
    if config.optim.fit_budget and not config.run.time_budget_s:
        raise TrainError("optim.fit_budget = true fits the schedule to run.time_budget_s, "
                         "which is not set (set it, or turn fit_budget off)")
    ctx = distributed.setup(config.run.device)
    trainer: Trainer | None = None
    try:
        with run_folder(config.run.out, force, ctx.main):
            configure_torch(config, ctx)
            trainer = Trainer(config, ctx, "bc")
            start = trainer.clock()
            deadline = start + config.run.time_budget_s if config.run.time_budget_s else None
            demos = load_demos_for(config, trainer.suite, ctx, log=trainer.logger.message,
                                   extra=trainer.extra_suites)
            trainer.set_data(demos)
            if config.run.resume:
                trainer.load(trainer.out / "last.pt")
            trainer.open_logs()
            for note in [*notes, trainer.init_note]:
                if note:
                    trainer.logger.message(note)
            trainer.logger.message(
                f"bc: {len(demos)} demonstrations ({demos.steps} steps) of "
                f"{'+'.join([config.data.suite, *config.data.extra_suites])}/"
                f"{config.data.split}, {trainer.model.num_parameters():,} "
                f"parameters, {ctx.world} rank(s) on {ctx.device}, from step {trainer.step}")
            if trainer.config.optim.fit_budget:
                assert deadline is not None  # checked above
                stopped_by = trainer.fit_budget(deadline)
            else:
                stopped_by = trainer.fit(trainer.config.optim.max_steps, deadline)
            trainer.evaluate_and_save()
            result = trainer.result(stopped_by)
            trainer.logger.close()
            return result
    finally:
        if trainer is not None:
            trainer.close()
        distributed.teardown(ctx)
