"""Where a training run writes, and what a resumed run may change.

A new run refuses a run folder that is a file or holds earlier files, unless ``--force``
(:func:`vlnenv.fileio.check_output`). A resumed run (``--resume``) goes on in the folder
named on the command line, wherever the checkpoint was first written (a copied or a moved
run resumes where it now is), with the checkpoint's own config, except for settings that:

* describe this invocation and are always taken from it: ``run.time_budget_s``,
  ``run.progress_bar``, ``run.tensorboard`` (:data:`PER_INVOCATION`);
* may change on resume when asked (a value other than the default, and other than the
  run's): :data:`RESUME_SAFE` (``optim.max_steps`` for behaviour cloning: the cosine then
  ends at the new step); each is applied and said in the log;
* anything else asked that differs from the run's own config is refused, with the list of
  differences (changing the model, data or optimiser mid-run is a new run).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agents.train.checkpoint import load_checkpoint
from agents.train.config import TrainConfig
from agents.train.errors import TrainError
from agents.train.schedule import refitted
from vlnenv.fileio import check_inputs_outside, check_output, output_folder

#: Settings of one invocation, always taken from it on resume (never compared).
PER_INVOCATION: tuple[str, ...] = ("run.time_budget_s", "run.progress_bar", "run.tensorboard")
#: Settings about the folder itself (never compared).
FOLDER_SETTINGS: tuple[str, ...] = ("run.out", "run.resume", "run.force", "run.asked")
#: Settings a resumed behaviour-cloning run may change (applied, and said in the log).
RESUME_SAFE: tuple[str, ...] = ("optim.max_steps", "run.device", "run.threads",
                                "run.log_every", "run.checkpoint_every")


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 1}}`` -> ``{"optim.lr": 1}`` (dict-valued fields kept whole)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and not prefix:
            out.update(flatten(value, f"{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def resume_changes(asked: TrainConfig, saved: TrainConfig,
                   derived: tuple[str, ...] = ()) -> list[tuple[str, Any, Any]]:
    """``(setting, run's value, asked value)`` for each setting this invocation asks for
    that differs from the run's own, sorted by name; :data:`PER_INVOCATION` and
    :data:`FOLDER_SETTINGS` left out. Asked: named in the config file or the overrides
    (``run.asked``), or else given a value other than the default. Settings starting with
    a prefix in ``derived`` are left out too (a trainer sets them itself: DAgger's model
    section and step count)."""
    default, new, old = (flatten(c.to_dict()) for c in (type(asked)(), asked, saved))
    skip = set(PER_INVOCATION) | set(FOLDER_SETTINGS)
    named = set(asked.run.asked)
    return [(key, old[key], value) for key, value in sorted(new.items())
            if key not in skip and not key.startswith(derived)
            and (key in named or value != default[key]) and value != old[key]]


def run_inputs(config: Any) -> list[str]:
    """The runs or models a run starts from (``dagger.init``, ``ppo.init``), which
    ``--force`` must never replace."""
    return [init for section in ("dagger", "ppo")
            if (init := getattr(getattr(config, section, None), "init", None))]


def prepare_run(config: TrainConfig, safe: tuple[str, ...] = RESUME_SAFE,
                derived: tuple[str, ...] = ()) -> tuple[TrainConfig, list[str]]:
    """The config to run, and lines for the log.

    A new run: ``config`` itself, once its folder is checked. On resume: the checkpoint's
    config with ``run.out`` the folder asked for, this invocation's
    :data:`PER_INVOCATION` settings, and the changes asked among ``safe`` (each said in a
    log line); settings under a ``derived`` prefix are the trainer's own (not compared).

    Raises:
        TrainError: a new run over an earlier one without ``--force``; ``--resume`` with
            ``--force``, or with no ``last.pt``, or with changed settings outside ``safe``
            (all of them listed).
        OutputError: a new run's folder is a file, or holds other files without
            ``--force``.
    """
    out = Path(config.run.out)
    last = out / "last.pt"
    if not config.run.resume:
        if last.exists() and not config.run.force:
            raise TrainError(f"{out} already holds a run ({last}); pass --resume to continue "
                             "it, --force to replace it, or choose another --out")
        check_output(out, config.run.force)
        if config.run.force:
            check_inputs_outside(out, run_inputs(config))
        # force is this invocation's, never saved with the run (a config.json given to
        # --config must not replace anything by itself); run_folder acts on it
        return config.replace(run=dataclasses.replace(config.run, force=False)), []
    if config.run.force:
        raise TrainError("--resume continues the run in --out and --force replaces it; "
                         "expected one of them")
    if not last.is_file():
        raise TrainError(f"--resume: no checkpoint {last} to continue from")
    checkpoint = load_checkpoint(last)
    saved = type(config).from_dict(checkpoint["config"], where=str(last))
    changes = resume_changes(config, saved, derived)
    refused = [c for c in changes if c[0] not in safe]
    if refused:
        listed = "; ".join(f"{key} {old!r} -> {new!r}" for key, old, new in refused)
        raise TrainError(f"--resume: {len(refused)} setting(s) differ from the run's own "
                         f"({last}): {listed}; expected only {list(safe)} to change on resume "
                         "(drop the others, or start a new run with another --out)")
    sections = {f.name: getattr(saved, f.name) for f in dataclasses.fields(saved)}
    for key, _, new in changes:
        section, field = key.split(".", 1)
        extra: dict[str, Any] = {}
        if key == "optim.max_steps":  # re-aim the cosine from where the run stands
            opt = sections["optim"]
            extra["refits"] = refitted(int(checkpoint["step"]), opt.warmup_steps,
                                       opt.max_steps, opt.refits, new)
        sections[section] = dataclasses.replace(sections[section], **{field: new}, **extra)
    sections["run"] = dataclasses.replace(
        sections["run"], out=str(out), resume=True, force=False,
        time_budget_s=config.run.time_budget_s, progress_bar=config.run.progress_bar,
        tensorboard=config.run.tensorboard)
    notes = [f"resume: {key} {old!r} -> {new!r} (applied)" for key, old, new in changes]
    if Path(saved.run.out).resolve() != out.resolve():
        notes.append(f"resume: the run was started in {saved.run.out}; it goes on in {out}")
    return saved.replace(**sections), notes


@contextmanager
def run_folder(out: str, force: bool, main: bool) -> Iterator[None]:
    """The block of a new run: with ``force`` (on rank 0), earlier files in ``out`` are set
    aside while it runs, deleted when it ends well and put back if it fails
    (:func:`vlnenv.fileio.output_folder`, in place, so a killed run can be resumed).

    Args:
        out: the run folder.
        force: ``run.force`` of a new run as asked (before :func:`prepare_run`).
        main: whether this process is rank 0 (the only one that writes).
    """
    if not force or not main:
        yield
        return
    with output_folder(out, force=True, in_place=True):
        yield
