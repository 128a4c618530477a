"""``TrainConfig``: every knob of a training run, in sections (``model``, ``data``,
``optim``, ``eval``, ``run``, ``dagger``), each a typed dataclass with a docstring per
field. The resolved config is written as JSON into the run folder, into every checkpoint
and into every result, so any number can be traced to what produced it.

A config is built from defaults, then a TOML or JSON file (:func:`read_config_file`, the
same sections as tables), then ``section.field=value`` overrides
(:func:`apply_overrides`; ``data.teacher.fetch=oracle`` sets one entry of a dict field).
Values are checked against the field's type; errors name the field and the source.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.legacy import upgrade_model_dict
from agents.train.budget import MIN_WARMUP
from agents.train.errors import TrainError
from agents.train.losses import GOAL_LOSSES
from agents.train.typed import coerce
from vlnenv.language.instructions import FAMILIES
from vlnenv.tasks.solver import EXPERTS

#: The teacher whose demonstrations each family imitates: the explorer (it knows only what
#: the agent has seen, so an agent that sees only its view can imitate it) for families
#: whose goal must be searched for, the oracle for ``follow_route``, whose instruction
#: itself describes the way. Measured against all-oracle and all-explorer teaching by
#: ``scripts/imitation_studies.py`` (docs/training.md): within noise at the budgets run so
#: far, so these stand.
DEFAULT_TEACHERS: dict[str, str] = {
    "go_to_room": "explorer",
    "go_to_object": "explorer",
    "fetch": "explorer",
    "follow_route": "oracle",
    "sequence": "explorer",
}

_C = TypeVar("_C")


def _check(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise TrainError(f"{where}: {message}")


def _check_refits(refits: tuple[tuple[int, float, int], ...], warmup_steps: int,
                  max_steps: int, where: str) -> None:
    """Refits in step order, each after the warm-up and before its end, progress in
    ``[0, 1)``, the last ending at ``max_steps``."""
    last = warmup_steps - 1
    for i, (step, progress, end) in enumerate(refits):
        _check(last < step < end and 0.0 <= progress <= 1.0, f"{where}[{i}]",
               f"expected steps after the warm-up ({warmup_steps}) and the previous refit, "
               f"before the end, and progress in [0, 1]; got {(step, progress, end)!r}")
        last = step
    _check(not refits or refits[-1][2] == max_steps, where,
           f"the last refit ends at {refits[-1][2] if refits else None}, but max_steps is "
           f"{max_steps}; expected them equal (clear optim.refits to set another count)")


@dataclass
class DataConfig:
    """Which demonstrations to learn from and how they are cut into training batches."""

    suite: str = "small"
    """Suite name (under ``maps/suites``) or folder."""
    split: str = "train"
    """Split whose episodes (and houses) the demonstrations come from."""
    teacher: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TEACHERS))
    """Family -> teacher (``oracle`` or ``explorer``) whose actions are imitated; see
    :data:`DEFAULT_TEACHERS` for the defaults and why."""
    families: tuple[str, ...] = tuple(FAMILIES)
    """Task families whose demonstrations are trained on (the others are left out)."""
    sampled_episodes: int = 0
    """Episodes sampled afresh on the split's houses, used instead of the split's own
    episodes when > 0 (for more data than the split holds)."""
    sample_seed: int = 0
    """Seed of the sampled episodes (each episode has its own generator)."""
    max_episodes: int | None = None
    """Use only the first ``N`` demonstrations (in file order; nested for growing ``N``,
    for scaling studies); ``None``: all."""
    demos_dir: str = "runs/demos"
    """Folder of the demonstration files, one per (suite, split, teacher); missing ones
    are generated there."""
    workers: int = 1
    """Processes generating missing demonstrations (the result does not depend on it)."""
    lanes: int = 32
    """Batch rows ``B``: each plays demonstrations back to back, its recurrent state
    carried from chunk to chunk of the same episode (truncated backpropagation)."""
    chunk: int = 16
    """Steps ``T`` per row and training step (the backpropagation horizon)."""
    render_batch: int = 128
    """Episodes whose observations are re-rendered together in one batched env (more is
    faster, up to ~256, and holds more observations in memory)."""
    loader_workers: int = 0
    """Processes re-rendering the coming episodes ahead of training (0: the training
    process renders them when needed). The batches do not depend on it; use it where
    cores are spare (a GPU run), not where training already uses every core."""

    def __post_init__(self) -> None:
        where = "data"
        for name in ("lanes", "chunk", "render_batch", "workers"):
            _check(getattr(self, name) >= 1, f"{where}.{name}", "expected an integer >= 1, "
                   f"got {getattr(self, name)!r}")
        _check(self.loader_workers >= 0, f"{where}.loader_workers",
               f"expected an integer >= 0, got {self.loader_workers!r}")
        _check(self.sampled_episodes >= 0, f"{where}.sampled_episodes",
               f"expected an integer >= 0, got {self.sampled_episodes!r}")
        _check(self.max_episodes is None or self.max_episodes >= 1, f"{where}.max_episodes",
               f"expected None or an integer >= 1, got {self.max_episodes!r}")
        for family, teacher in self.teacher.items():
            _check(family in FAMILIES, f"{where}.teacher", f"unknown family {family!r}; "
                   f"expected some of {list(FAMILIES)}")
            _check(teacher in EXPERTS, f"{where}.teacher.{family}",
                   f"expected one of {list(EXPERTS)}, got {teacher!r}")
        missing = [f for f in FAMILIES if f not in self.teacher]
        _check(not missing, f"{where}.teacher", f"no teacher for {missing}")
        unknown = [f for f in self.families if f not in FAMILIES]
        _check(bool(self.families) and not unknown, f"{where}.families",
               f"expected one or more of {list(FAMILIES)}, got {list(self.families)}")


@dataclass
class OptimConfig:
    """The optimiser (AdamW on ``model.optim_groups``), its schedule and the losses."""

    lr: float = 1e-3
    """Peak learning rate, reached at the end of the warm-up."""
    min_lr_ratio: float = 0.1
    """The cosine decays to ``lr * min_lr_ratio`` at ``max_steps``."""
    warmup_steps: int = 100
    """Steps of linear warm-up from 0 to ``lr``."""
    max_steps: int = 2000
    """Optimiser steps of the run (the end of the cosine); with ``fit_budget``, the most
    steps the fitted schedule may take."""
    fit_budget: bool = False
    """End the cosine where ``run.time_budget_s`` runs out (:mod:`agents.train.budget`):
    the warm-up's steps are timed and ``max_steps`` is set to the steps that fit (at most
    ``max_steps``); the saved config holds the fitted count (and ``fit_budget = false``),
    so it repeats the run exactly. Behaviour cloning only; needs ``run.time_budget_s`` and
    ``warmup_steps >= 50``."""
    refits: tuple[tuple[int, float, int], ...] = ()
    """Where the cosine was re-aimed while it ran: ``(step, progress, end)``, from ``step``
    on its progress runs from ``progress`` to 1 at ``end``
    (:func:`agents.train.schedule.progress_at`). ``fit_budget`` records them (the last
    ``end`` is ``max_steps``), so the saved config repeats the schedule float for float;
    empty: a plain cosine from the warm-up to ``max_steps``."""
    weight_decay: float = 0.01
    """AdamW weight decay on matrices and embeddings (none on biases and norms)."""
    beta1: float = 0.9
    """AdamW's first-moment decay."""
    beta2: float = 0.95
    """AdamW's second-moment decay."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this (0: no clipping)."""
    progress_weight: float = 0.1
    """Weight of the progress loss (MSE of the progress head against ``t / n``, expert
    demonstrations only) added to the action cross-entropy; 0 turns it off."""
    goal_weight: float = 0.0
    """Weight of the goal-in-view loss (binary cross-entropy of the model's per-cell goal
    scores against :mod:`agents.train.targets`, over the cells the agent sees); > 0 needs
    ``model.goal``. 0 turns it off."""
    goal_loss: str = "bce"
    """Form of the goal-in-view loss: ``bce`` (a binary term per seen cell,
    :func:`agents.train.losses.goal_loss`) or ``choice`` (one softmax per step over the
    seen cells and "not in view", :func:`agents.train.losses.goal_choice_loss`)."""
    cell_weight: float = 0.0
    """Weight of the cell-recognition loss (cross-entropy of the model's per-cell base,
    object-kind and colour logits against the labels read off the view's pixels,
    :mod:`vlnenv.render.decode`, over the cells the agent sees); > 0 needs
    ``model.cells``. 0 turns it off."""

    def __post_init__(self) -> None:
        where = "optim"
        _check(self.lr > 0, f"{where}.lr", f"expected > 0, got {self.lr!r}")
        _check(0 <= self.min_lr_ratio <= 1, f"{where}.min_lr_ratio",
               f"expected a value in [0, 1], got {self.min_lr_ratio!r}")
        _check(self.max_steps >= 1, f"{where}.max_steps", f"expected >= 1, got {self.max_steps!r}")
        _check(0 <= self.warmup_steps, f"{where}.warmup_steps",
               f"expected >= 0, got {self.warmup_steps!r}")
        _check(not self.fit_budget or self.warmup_steps >= MIN_WARMUP, f"{where}.warmup_steps",
               f"fit_budget times the warm-up: expected >= {MIN_WARMUP}, got "
               f"{self.warmup_steps!r}")
        _check_refits(self.refits, self.warmup_steps, self.max_steps, f"{where}.refits")
        for name in ("weight_decay", "grad_clip", "progress_weight", "goal_weight",
                     "cell_weight"):
            _check(getattr(self, name) >= 0, f"{where}.{name}",
                   f"expected >= 0, got {getattr(self, name)!r}")
        for name in ("beta1", "beta2"):
            _check(0 <= getattr(self, name) < 1, f"{where}.{name}",
                   f"expected a value in [0, 1), got {getattr(self, name)!r}")
        _check(self.goal_loss in GOAL_LOSSES, f"{where}.goal_loss",
               f"expected one of {list(GOAL_LOSSES)}, got {self.goal_loss!r}")


@dataclass
class EvalConfig:
    """Evaluation during training (through :func:`vlnenv.evaluate.evaluate`, greedy)."""

    every: int = 250
    """Evaluate every this many steps, and at the end (0: only at the end)."""
    episodes: int = 100
    """Episodes per split, evenly spaced over the split (all when larger than it)."""
    splits: tuple[str, ...] = ("val_seen", "val_unseen")
    """Splits evaluated; the log's ``sr_<split>`` columns."""
    select: str = "val_unseen"
    """Split whose success rate picks the ``best`` checkpoint."""
    batch: int = 32
    """Environments run in lock-step."""
    seed: int = 0
    """Evaluation seed (per-episode seeds derive from it)."""
    families: tuple[str, ...] = tuple(FAMILIES)
    """Task families evaluated: the first ``episodes`` episodes of these families."""
    decoding: str = "greedy"
    """``greedy`` (arg-max actions) or ``sample`` (actions drawn from the policy, one
    generator per episode; see ``agents.train.policy.SampledModelPolicy``)."""

    def __post_init__(self) -> None:
        where = "eval"
        _check(self.decoding in ("greedy", "sample"), f"{where}.decoding",
               f"expected 'greedy' or 'sample', got {self.decoding!r}")
        unknown = [f for f in self.families if f not in FAMILIES]
        _check(bool(self.families) and not unknown, f"{where}.families",
               f"expected one or more of {list(FAMILIES)}, got {list(self.families)}")
        _check(self.every >= 0, f"{where}.every", f"expected >= 0, got {self.every!r}")
        _check(self.episodes >= 1, f"{where}.episodes", f"expected >= 1, got {self.episodes!r}")
        _check(self.batch >= 1, f"{where}.batch", f"expected >= 1, got {self.batch!r}")
        _check(self.select in self.splits, f"{where}.select",
               f"{self.select!r} is not one of the evaluated splits {list(self.splits)}")


@dataclass
class RunConfig:
    """Where the run writes, on what it runs, and when it stops."""

    out: str = "runs/bc"
    """Run folder: ``config.json``, ``log.csv``, ``evals.jsonl``, ``last.pt``,
    ``best.pt``, the ``last/`` and ``best/`` model folders, ``result.json``."""
    seed: int = 0
    """Seed of the weights, the data order and everything else random in the run."""
    device: str = "auto"
    """``auto`` (cuda when present), ``cpu``, ``cuda`` or ``cuda:N``; under torchrun each
    rank takes ``cuda:<local rank>``."""
    time_budget_s: float | None = None
    """Wall-clock seconds this invocation may train; when spent, training ends cleanly
    (final evaluation and checkpoints). ``None``: no limit."""
    checkpoint_every: int = 250
    """Write ``last.pt`` every this many steps (and at every evaluation and the end)."""
    log_every: int = 10
    """Write a ``log.csv`` row every this many steps."""
    threads: int = 0
    """torch CPU threads (0: torch's default, all cores)."""
    deterministic: bool = False
    """``torch.use_deterministic_algorithms(True)``: bit-exact resumption on CPU."""
    tensorboard: bool = True
    """Also log to TensorBoard (``tb/``) when ``torch.utils.tensorboard`` imports."""
    progress_bar: bool = True
    """Show a tqdm bar with loss and success rate (on rank 0)."""
    resume: bool = False
    """Continue from ``out/last.pt`` (the run folder must hold one), wherever the folder
    was first written (a copied or moved run goes on in ``out``)."""
    force: bool = False
    """Start afresh over an earlier run (or other files) in ``out``: they are set aside,
    deleted once this run ends well and put back if it fails (``--force``)."""
    asked: tuple[str, ...] = ()
    """The ``section.field`` settings named in the config file and the overrides (filled
    by :func:`resolve_config`): a resumed run compares these with its own config, so a
    setting asked at its default value is noticed too (:mod:`agents.train.resume`)."""

    def __post_init__(self) -> None:
        where = "run"
        _check(self.seed >= 0, f"{where}.seed", f"expected an integer >= 0, got {self.seed!r}")
        for name in ("checkpoint_every", "log_every"):
            _check(getattr(self, name) >= 1, f"{where}.{name}",
                   f"expected >= 1, got {getattr(self, name)!r}")
        _check(self.threads >= 0, f"{where}.threads", f"expected >= 0, got {self.threads!r}")
        _check(self.time_budget_s is None or self.time_budget_s > 0, f"{where}.time_budget_s",
               f"expected None or > 0, got {self.time_budget_s!r}")


@dataclass
class InitConfig:
    """Weights the run's policy starts from instead of fresh ones (behaviour cloning;
    :func:`agents.models.pretrained.load_pretrained_weights`)."""

    path: str | None = None
    """A model folder (``save_pretrained``; a pretraining run's ``encoders/``), a
    training checkpoint, or a pretraining run folder (its ``encoders/`` are read);
    ``None``: fresh weights."""
    parts: tuple[str, ...] = ("text", "vision")
    """The parts loaded from ``path`` (``text``, ``vision``, ``fusion``, ``heads``,
    ``memory``, or a top-level module name); every other weight stays fresh. The
    parts' weights must exist in ``path`` with the policy's shapes (the run's
    ``model`` section sizes them)."""

    def __post_init__(self) -> None:
        _check(bool(self.parts), "init.parts", "expected at least one part name")


@dataclass
class DaggerConfig:
    """DAgger (Ross et al., 2011): the learner drives, the teacher labels every state it
    visits, the labelled trajectories are added to the data, training goes on."""

    init: str = ""
    """The checkpoint to start from: a training checkpoint (``.pt``) or a model folder
    (``vln train dagger --from``)."""
    iterations: int = 3
    """Rounds of (roll out, label, aggregate, train)."""
    rollouts: int = 200
    """Episodes rolled out per iteration (over all ranks), drawn from ``rollout_split``."""
    rollout_split: str = "train"
    """Split whose episodes the learner plays (its houses are the training houses)."""
    rollout_batch: int = 32
    """Environments run in lock-step during roll-outs."""
    beta0: float = 0.5
    """Probability that the teacher, not the learner, acts at iteration 0."""
    beta_decay: float = 0.5
    """``beta_i = beta0 * beta_decay ** i``."""
    steps_per_iteration: int = 500
    """Optimiser steps after each aggregation (``optim.max_steps`` is set to
    ``iterations * steps_per_iteration``)."""
    keep_demos: bool = True
    """Aggregate with the BC demonstrations of ``data`` (else only DAgger data)."""

    def __post_init__(self) -> None:
        where = "dagger"
        for name in ("iterations", "rollouts", "rollout_batch", "steps_per_iteration"):
            _check(getattr(self, name) >= 1, f"{where}.{name}",
                   f"expected >= 1, got {getattr(self, name)!r}")
        for name in ("beta0", "beta_decay"):
            _check(0 <= getattr(self, name) <= 1, f"{where}.{name}",
                   f"expected a value in [0, 1], got {getattr(self, name)!r}")


_S = TypeVar("_S", bound="Sections")


class Sections:
    """What every whole-run config (a dataclass whose fields are section dataclasses:
    :class:`TrainConfig`, ``agents.rl.config.RLConfig``) can do."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready nested dict."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[_S], data: dict[str, Any], where: str = "config") -> _S:
        """The config of a nested dict (missing sections and fields take defaults).

        Raises:
            TrainError: an unknown section or field, or a value of the wrong type; the
                message starts with ``where``.
        """
        return build_sections(cls, data, where)

    def replace(self: _S, **sections: Any) -> _S:
        """A copy with whole sections replaced."""
        return dataclasses.replace(self, **sections)  # type: ignore[type-var]


@dataclass
class TrainConfig(Sections):
    """A whole training run (behaviour cloning or DAgger)."""

    model: ModelConfig = field(default_factory=ModelConfig)
    """The policy's sizes and switches (see :class:`agents.models.ModelConfig`)."""
    data: DataConfig = field(default_factory=DataConfig)
    """Demonstrations and batching."""
    optim: OptimConfig = field(default_factory=OptimConfig)
    """Optimiser, schedule, losses."""
    eval: EvalConfig = field(default_factory=EvalConfig)
    """Evaluation during training."""
    run: RunConfig = field(default_factory=RunConfig)
    """Output folder, device, seed, budget."""
    dagger: DaggerConfig = field(default_factory=DaggerConfig)
    """DAgger rounds (``train_dagger`` only)."""
    init: InitConfig = field(default_factory=InitConfig)
    """Pretrained weights to start from (behaviour cloning)."""


def build_sections(cls: type[_C], data: dict[str, Any], where: str = "config") -> _C:
    """The config of class ``cls`` (a dataclass whose fields are section dataclasses, as
    :class:`TrainConfig`) of a nested dict; missing sections and fields take defaults.

    Raises:
        TrainError: an unknown section or field, or a value of the wrong type; the
            message starts with ``where``.
    """
    if not isinstance(data, dict):
        raise TrainError(f"{where}: expected a mapping of sections, got "
                         f"{type(data).__name__}")
    hints = typing.get_type_hints(cls)
    sections = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise TrainError(f"{where}: unknown section(s) {unknown}; expected some of "
                         f"{sorted(sections)}")
    built = {}
    for name, section_cls in sections.items():
        values = data.get(name, {})
        if not isinstance(values, dict):
            raise TrainError(f"{where}: section {name!r} must be a table/object, got "
                             f"{type(values).__name__}")
        built[name] = _build_section(section_cls, values, f"{where}: {name}")
    return cls(**built)


def _build_section(section_cls: type, values: dict[str, Any], where: str) -> Any:
    if section_cls is ModelConfig:
        values = _model_values(values, where)
    if section_cls is OptimConfig:
        values = _without_deleted(values, DELETED_OPTIM, where)
    hints = typing.get_type_hints(section_cls)
    known = [f.name for f in dataclasses.fields(section_cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise TrainError(f"{where}.{unknown[0]}: unknown field (of {unknown}); expected some "
                         f"of {known}")
    kwargs = {k: coerce(v, hints[k], f"{where}.{k}") for k, v in values.items()}
    try:
        return section_cls(**kwargs)
    except ModelError as err:
        raise TrainError(f"{where}: {err}") from None
    except TrainError as err:
        raise TrainError(f"{where.split(': ')[0]}: {err}") from None


#: ``optim`` fields deleted for want of a measured gain (last in commit ``a7041fd``), with the
#: value at which an old config still means the same run (any other is refused).
DELETED_OPTIM: dict[str, Any] = {"stop_weight": 1.0, "match_weight": 0.0,
                                 "match_labels": ["base", "kind", "colour"]}


def _without_deleted(values: dict[str, Any], deleted: dict[str, Any],
                     where: str) -> dict[str, Any]:
    """``values`` (a section of an old config) without its ``deleted`` fields, each of which
    must hold its neutral value.

    Raises:
        TrainError: a deleted field set to anything else.
    """
    for key, neutral in deleted.items():
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str):  # from the command line
            value = value.split(",") if key == "match_labels" else float(value)
        if list(value) != neutral if isinstance(neutral, list) else value != neutral:
            raise TrainError(f"{where}.{key}: deleted (last in commit a7041fd); expected "
                             f"{neutral!r} or no {key}, got {values[key]!r}")
    return {k: v for k, v in values.items() if k not in deleted}


def _model_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """The ``model`` section's fields: the old flat layout converted
    (:func:`agents.models.legacy.upgrade_model_dict`), and a named ``preset`` expanded under
    the fields set beside it."""
    try:
        values = upgrade_model_dict(values)
        if "preset" in values:
            rest = {k: v for k, v in values.items() if k != "preset"}
            values = {**ModelConfig.preset(str(values["preset"])).to_dict(), **rest}
    except ModelError as err:
        raise TrainError(f"{where}: {err}") from None
    return values


def shipped_config(name: str) -> Path:
    """The path of a config shipped with the package (``agents/configs/NAME``; ``.toml``
    added when ``name`` has no suffix), e.g. ``shipped_config("quickstart")``.

    Raises:
        TrainError: no such shipped config.
    """
    folder = resources.files("agents").joinpath("configs")
    file = name if Path(name).suffix else f"{name}.toml"
    path = Path(str(folder)) / file
    if not path.is_file():
        shipped = sorted(p.stem for p in Path(str(folder)).glob("*.toml"))
        raise TrainError(f"no shipped config {name!r}; expected one of {shipped}")
    return path


def config_path(spec: str | Path) -> Path:
    """A config file given as a path, or by the name of a shipped config
    (``quickstart``, ``gpu_large.toml``, ``configs/quickstart.toml``) when no such file
    exists here: the shipped configs are found from any folder, also without a checkout.

    Raises:
        TrainError: neither a file nor a shipped config.
    """
    path = Path(spec)
    if path.is_file():
        return path
    if path.parent in (Path("."), Path("configs")):
        try:
            return shipped_config(path.name)
        except TrainError:
            pass
    raise TrainError(f"{path}: no such config file, and not the name of a shipped config "
                     f"(agents/configs/)")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The nested dict of a TOML (``.toml``) or JSON (anything else) config file: tables
    (objects) ``model``, ``data``, ``optim``, ``eval``, ``run``, ``dagger``. A JSON file
    written by a run (``config.json``: ``{"format": ..., "config": {...}}``) works too.

    Raises:
        TrainError: the file is missing or not valid TOML/JSON.
    """
    path = config_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TrainError(f"{path}: cannot read the config file ({err.strerror})") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TrainError(f"{path}: not valid TOML ({err})") from None
    except json.JSONDecodeError as err:
        raise TrainError(f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg})") from None
    if isinstance(data, dict) and "config" in data and "format" in data:
        data = data["config"]
    if not isinstance(data, dict):
        raise TrainError(f"{path}: expected a table of sections, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str],
                    where: str = "--set") -> dict[str, Any]:
    """A copy of the nested dict ``data`` with ``section.field=value`` (or
    ``section.field.key=value`` for a dict field) overrides applied, in order. Values stay
    strings here; :meth:`TrainConfig.from_dict` parses them by the field's type.

    Raises:
        TrainError: an override without ``=`` or with fewer than two dotted parts.
    """
    out = json.loads(json.dumps(data))
    for item in overrides:
        key, sep, value = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise TrainError(f"{where} {item!r}: expected section.field=value "
                             "(e.g. optim.lr=3e-4)")
        node = out
        for part in parts[:-1]:
            if node.get(part) is None:  # a part that is off: on, from its defaults
                node[part] = {}
            child = node[part]
            if not isinstance(child, dict):
                raise TrainError(f"{where} {item!r}: {part!r} is not a section or dict field")
            node = child
        node[parts[-1]] = value
    return out


@typing.overload
def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None,
                   base: None = None) -> TrainConfig: ...


@typing.overload
def resolve_config(file: str | Path | None, overrides: list[str] | None,
                   base: _C) -> _C: ...


@typing.overload
def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None, *,
                   base: _C) -> _C: ...


def resolve_config(file: str | Path | None = None, overrides: list[str] | None = None,
                   base: Any = None) -> Any:
    """``base`` (a :class:`TrainConfig`, or another config of sections with ``to_dict``
    and ``from_dict``, as ``agents.rl.config.RLConfig``; the default ``TrainConfig`` when
    ``None``), then the config file, then the overrides; a config of ``base``'s class.

    Raises:
        TrainError: see :func:`read_config_file`, :func:`apply_overrides` and
            :meth:`TrainConfig.from_dict`.
    """
    base = TrainConfig() if base is None else base
    data = base.to_dict()
    asked = set(data["run"]["asked"])
    where = "config"
    if file is not None:
        read = read_config_file(file)  # read once: merged, and its keys count as asked
        if "preset" in read.get("model", {}):  # the preset, not the defaults, under its keys
            data["model"] = {}
        data = _merge(data, read)
        asked |= set(_keys(read))
        where = str(file)
    asked |= {".".join(item.partition("=")[0].strip().split(".")[:2])
              for item in overrides or []}
    if any(item.partition("=")[0].strip() == "model.preset" for item in overrides or []):
        data["model"] = {k: v for k, v in (read if file is not None else {}).get(
            "model", {}).items() if k != "preset"}  # the preset under the file's keys
    data = apply_overrides(data, list(overrides or []))
    data["run"]["asked"] = sorted(asked - {"run.asked"})
    return type(base).from_dict(data, where if not overrides else f"{where} + overrides")


def _keys(data: dict[str, Any]) -> list[str]:
    """``section.field`` of every field a nested config dict sets."""
    return [f"{section}.{field}" for section, values in data.items()
            if isinstance(values, dict) for field in values]


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, section by section (``data.teacher`` merged key by key)."""
    out = json.loads(json.dumps(base))
    for name, values in top.items():
        if isinstance(values, dict) and isinstance(out.get(name), dict):
            for key, value in values.items():
                if isinstance(value, dict) and isinstance(out[name].get(key), dict):
                    out[name][key] = {**out[name][key], **value}
                else:
                    out[name][key] = value
        else:
            out[name] = values
    return out
