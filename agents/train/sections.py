"""The sections of :class:`~agents.train.config.TrainConfig` (``data``, ``optim``,
``eval``, ``run``, ``init``, ``dagger``; ``model`` is :class:`agents.models.ModelConfig`),
each a typed dataclass with a docstring per field that checks its own values."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.train.budget import MIN_WARMUP
from agents.train.data.legs import POINTED_FAMILIES
from agents.train.data.walk_synth import WALK_KINDS
from agents.train.errors import TrainError
from agents.train.losses import GOAL_LOSSES
from vlnenv.expert.kinds import ExpertKind
from vlnenv.language.instructions import FAMILIES
from vlnenv.language.phrasing import Phrasing

#: The teacher whose demonstrations each family imitates: the explorer (it knows only what
#: the agent has seen, so an agent that sees only its view can imitate it) for families
#: whose goal must be searched for, the oracle for ``follow_route``, whose instruction
#: itself describes the way. Measured against all-oracle and all-explorer teaching by
#: ``scripts/imitation_studies.py`` (docs/experiments/03-why-the-policy-did-not-learn.md):
#: within noise at the budgets run so far, so these stand.
DEFAULT_TEACHERS: dict[str, ExpertKind] = {
    "go_to_room": ExpertKind.EXPLORER,
    "go_to_object": ExpertKind.EXPLORER,
    "fetch": ExpertKind.EXPLORER,
    "follow_route": ExpertKind.ORACLE,
    "sequence": ExpertKind.EXPLORER,
}

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
    extra_suites: tuple[str, ...] = ()
    """Further suites (names or folders) whose ``split`` demonstrations are trained on
    beside ``suite``'s, each with the same teachers, families, sampling and
    ``max_episodes``, e.g. ``["large"]`` to mix house sizes; their house ids are prefixed
    ``<suite name>/`` (:mod:`agents.train.data.suite_mix`). Evaluation stays on ``suite``."""
    teacher: dict[str, ExpertKind] = field(default_factory=lambda: dict(DEFAULT_TEACHERS))
    """Family -> teacher (an :class:`~vlnenv.expert.kinds.ExpertKind`; config files give
    its name, ``oracle`` or ``explorer``) whose actions are imitated; see
    :data:`DEFAULT_TEACHERS` for the defaults and why."""
    families: tuple[str, ...] = tuple(FAMILIES)
    """Task families whose demonstrations are trained on (the others are left out)."""
    route_parts: bool = False
    """Cut each ``follow_route`` demonstration into one per part of its description
    (:mod:`agents.train.data.route_parts`), for a model that reads routes part by part
    (``model.read_route_parts``)."""
    long_walk_repeat: int = 1
    """Times an epoch each route-part demonstration that walks ``long_walk_from`` steps or
    more ("go forward eleven steps") is played
    (:func:`agents.train.data.route_parts.repeat_long_walks`; needs ``route_parts``);
    1: once."""
    long_walk_from: int = 4
    """The fewest steps of a walk that ``long_walk_repeat`` plays again."""
    walk_synth: int = 0
    """Straight walks drawn in each training house and taught as "walk N steps" route
    parts, ``N`` from ``walk_synth_from`` to the house's longest straight run
    (:mod:`agents.train.data.walk_synth`; needs ``route_parts``); 0: none."""
    walk_synth_from: int = 8
    """The fewest steps of a drawn walk (``walk_synth``)."""
    walk_synth_kind: str = "straight"
    """How a walk is drawn: ``straight``, along a straight floor run; ``weave``, the
    oracle's route to a cell ``N`` ahead and up to a lane aside, one-cell sidesteps around
    furniture absorbed as the describer does (:mod:`agents.train.data.walk_synth`)."""
    sampled_episodes: int = 0
    """Episodes sampled afresh on the split's houses, used instead of the split's own
    episodes when > 0 (for more data than the split holds)."""
    sample_seed: int = 0
    """Seed of the sampled episodes (each episode has its own generator)."""
    extra_sampled_episodes: int | None = None
    """Episodes sampled afresh on each extra suite's ``split`` houses (``extra_suites``),
    used instead of its own episodes when > 0; ``None``: as ``sampled_episodes``. E.g.
    more big-house episodes than the ``large`` suite's 1,000, beside the ``small`` suite's
    own."""
    phrasing: str = "any"
    """Phrasing of the demonstrations' instructions (:mod:`vlnenv.language.phrasing`):
    ``"any"`` keeps each episode's text (the split's, or as sampled); ``"trained"`` says
    every instruction again with trained words and templates only, so the suite's
    ``*_phrasing`` splits (held-out phrasing) stay unseen in training; ``"held_out"``
    is for studies only."""
    max_episodes: int | None = None
    """Use only the first ``N`` demonstrations (in file order; nested for growing ``N``,
    for scaling studies); ``None``: all."""
    extra_demos: tuple[str, ...] = ()
    """Demonstration files (``.npz``, made on ``suite``'s houses, such as those ``vln
    pretrain speak`` writes: fresh episodes whose instructions a speaker wrote) whose
    successful demonstrations are trained on after ``suite``'s, as they are (no family
    filter, no ``max_episodes``)."""
    room_balance: float = 0.0
    """Play the ``go_to_room`` and ``go_to_object`` demonstrations whose goal room has a
    rare type more often: ``r_t = clip(round((N / (K n_t)) ** room_balance), 1,
    room_balance_cap)`` times an epoch for type ``t`` (:mod:`agents.train.data.room_balance`),
    over all the demonstrations trained on (extra suites too); 0: each once."""
    room_balance_cap: int = 8
    """The most times one demonstration is played under ``room_balance``."""
    lookalike_repeat: int = 1
    """Times an epoch each ``go_to_room`` demonstration whose goal room has a look-alike
    (another room of its type in the house: only the words' relation tells them apart) is
    played (:func:`agents.train.data.room_balance.repeat_lookalikes`); 1: once."""
    family_repeat: dict[str, int] = field(default_factory=dict)
    """Family -> times an epoch each of its demonstrations is played
    (:mod:`agents.train.data.family_repeat`), e.g. ``{follow_route = 2}`` for twice the
    route samples; families not named are played once."""
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
        _check(isinstance(self.route_parts, bool), f"{where}.route_parts",
               f"expected true or false, got {self.route_parts!r}")
        for name in ("lanes", "chunk", "render_batch", "workers"):
            _check(getattr(self, name) >= 1, f"{where}.{name}", "expected an integer >= 1, "
                   f"got {getattr(self, name)!r}")
        _check(self.loader_workers >= 0, f"{where}.loader_workers",
               f"expected an integer >= 0, got {self.loader_workers!r}")
        _check(all(isinstance(n, str) and n.strip() for n in self.extra_suites)
               and self.suite not in self.extra_suites
               and len(set(self.extra_suites)) == len(self.extra_suites),
               f"{where}.extra_suites", "expected distinct suite names other than "
               f"data.suite ({self.suite!r}), got {list(self.extra_suites)}")
        _check(self.sampled_episodes >= 0, f"{where}.sampled_episodes",
               f"expected an integer >= 0, got {self.sampled_episodes!r}")
        _check(self.extra_sampled_episodes is None or self.extra_sampled_episodes >= 0,
               f"{where}.extra_sampled_episodes",
               f"expected None or an integer >= 0, got {self.extra_sampled_episodes!r}")
        _check(self.phrasing in [p.value for p in Phrasing], f"{where}.phrasing",
               f"expected one of {[p.value for p in Phrasing]}, got {self.phrasing!r}")
        _check(0.0 <= self.room_balance <= 4.0, f"{where}.room_balance",
               f"expected a number in [0, 4], got {self.room_balance!r}")
        _check(self.room_balance_cap >= 1, f"{where}.room_balance_cap",
               f"expected an integer >= 1, got {self.room_balance_cap!r}")
        _check(self.lookalike_repeat >= 1, f"{where}.lookalike_repeat",
               f"expected an integer >= 1, got {self.lookalike_repeat!r}")
        for family, times in self.family_repeat.items():
            _check(family in FAMILIES, f"{where}.family_repeat", f"unknown family "
                   f"{family!r}; expected some of {list(FAMILIES)}")
            _check(isinstance(times, int) and times >= 1, f"{where}.family_repeat.{family}",
                   f"expected an integer >= 1, got {times!r}")
        for name, least, off, what in (("long_walk_repeat", 1, 1, "repeats route parts"),
                                       ("long_walk_from", 1, None, ""),
                                       ("walk_synth", 0, 0, "drawn walks are route parts"),
                                       ("walk_synth_from", 1, None, "")):
            value = getattr(self, name)
            _check(value >= least, f"{where}.{name}",
                   f"expected an integer >= {least}, got {value!r}")
            _check(off is None or value == off or self.route_parts, f"{where}.{name}",
                   f"{value} {what}, which need data.route_parts = true")
        _check(self.walk_synth_kind in WALK_KINDS, f"{where}.walk_synth_kind",
               f"expected one of {list(WALK_KINDS)}, got {self.walk_synth_kind!r}")
        _check(self.max_episodes is None or self.max_episodes >= 1, f"{where}.max_episodes",
               f"expected None or an integer >= 1, got {self.max_episodes!r}")
        _check(all(isinstance(p, str) and p.strip() for p in self.extra_demos),
               f"{where}.extra_demos", f"expected demonstration file paths, got "
               f"{list(self.extra_demos)}")
        for family, teacher in self.teacher.items():
            _check(family in FAMILIES, f"{where}.teacher", f"unknown family {family!r}; "
                   f"expected some of {list(FAMILIES)}")
            _check(teacher in tuple(ExpertKind), f"{where}.teacher.{family}",
                   f"expected one of {[k.value for k in ExpertKind]}, got {teacher!r}")
            self.teacher[family] = ExpertKind(teacher)
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
    steps the fitted schedule may take (a cap within the timed warm-up is kept as it is,
    the plain cosine to it)."""
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
    ema: float = 0.0
    """Decay ``β`` of an exponential moving average of the weights, updated after every
    optimiser step (:mod:`agents.train.averaging`): the run evaluates and exports the
    averaged weights (``best/``, ``last/``) and the trained ones as ``raw/``. 0: off."""
    progress_weight: float = 0.1
    """Weight of the progress loss (MSE of the progress head against ``t / n``, expert
    demonstrations only) added to the action cross-entropy; 0 turns it off."""
    goal_weight: float = 0.0
    """Weight of the goal-in-view loss (binary cross-entropy of the model's per-cell goal
    scores against :mod:`agents.train.data.targets`, over the cells the agent sees); > 0 needs
    ``model.goal``. 0 turns it off."""
    goal_families: tuple[str, ...] | None = None
    """Families whose demonstrations train the goal-in-view loss (``None``: every family).
    A ``follow_route`` stage's target is where the route ends, which the words say only
    through the route; leaving such families out keeps the goal head to targets it can
    name."""
    goal_loss: str = "bce"
    """Form of the goal-in-view loss: ``bce`` (a binary term per seen cell,
    :func:`agents.train.losses.goal_loss`) or ``choice`` (one softmax per step over the
    seen cells and "not in view", :func:`agents.train.losses.goal_choice_loss`)."""
    cell_weight: float = 0.0
    """Weight of the cell-recognition loss (cross-entropy of the model's per-cell base,
    object-kind and colour logits against the labels read off the view's pixels,
    :mod:`vlnenv.render.decode`, over the cells the agent sees); > 0 needs
    ``model.cells``. 0 turns it off."""

    leg_weight: float = 0.0
    """Weight of the pointer loss on the demonstrations of ``leg_families`` (the
    instruction tracker's attention asked to lie on the words of the route leg, or the
    sequence part, the step is in; :mod:`agents.train.data.legs`,
    :func:`agents.train.losses.leg_loss`); > 0 needs ``model.track``. 0 turns it off."""
    leg_families: tuple[str, ...] = ("follow_route",)
    """Families the pointer loss is taught on: ``follow_route`` (leg by leg) and
    ``sequence`` (part by part)."""
    words_weight: float = 0.0
    """Weight of the word-reader loss (cross-entropy of the goal match's word reader
    against what the words name: the goal room's floor, the object's kind and colour;
    :mod:`agents.train.data.word_targets`, :func:`agents.train.losses.words_loss`); > 0
    needs ``model.match``. 0 turns it off (the reader then learns through the goal-in-view
    loss alone)."""
    words_batch: int = 0
    """With ``words_weight > 0``, also read this many distinct labelled instructions of the
    demonstrations each step, text only, and add their word-reader loss
    (:mod:`agents.train.data.word_batch`); one rank only. 0 turns it off."""

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
                     "cell_weight", "leg_weight", "words_weight"):
            _check(getattr(self, name) >= 0, f"{where}.{name}",
                   f"expected >= 0, got {getattr(self, name)!r}")
        if self.goal_families is not None:
            self.goal_families = tuple(self.goal_families)
            unknown = [f for f in self.goal_families if f not in FAMILIES]
            _check(bool(self.goal_families) and not unknown, f"{where}.goal_families",
                   f"expected None or one or more of {list(FAMILIES)}, got "
                   f"{list(self.goal_families)}")
        self.leg_families = tuple(self.leg_families)
        unknown = [f for f in self.leg_families if f not in POINTED_FAMILIES]
        _check(bool(self.leg_families) and not unknown, f"{where}.leg_families",
               f"expected one or more of {list(POINTED_FAMILIES)}, got "
               f"{list(self.leg_families)}")
        _check(isinstance(self.words_batch, int) and not isinstance(self.words_batch, bool)
               and self.words_batch >= 0, f"{where}.words_batch",
               f"expected an int >= 0, got {self.words_batch!r}")
        _check(self.words_batch == 0 or self.words_weight > 0, f"{where}.words_batch",
               f"{self.words_batch} needs optim.words_weight > 0 (the loss it adds to)")
        for name in ("beta1", "beta2", "ema"):
            _check(0 <= getattr(self, name) < 1, f"{where}.{name}",
                   f"expected a value in [0, 1), got {getattr(self, name)!r}")
        _check(self.goal_loss in GOAL_LOSSES, f"{where}.goal_loss",
               f"expected one of {list(GOAL_LOSSES)}, got {self.goal_loss!r}")


@dataclass
class EvalConfig:
    """Evaluation during training (through :func:`vlnenv.eval.evaluate.evaluate`, greedy)."""

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
    generator per episode; see ``agents.evaluation.model_policy.SampledModelPolicy``)."""

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
    """The ``section.field`` settings named in the config file (with its bases) and the
    overrides (filled by :func:`~agents.train.config.resolve_config`): a resumed run
    compares these with its own config, so a setting asked at its default value is noticed
    too (:mod:`agents.train.resume`)."""

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
    ``memory``, or a top-level module name; ``all`` alone: every weight, to continue a
    trained policy on other data); every other weight stays fresh. The
    parts' weights must exist in ``path`` with the policy's shapes (the run's
    ``model`` section sizes them), except the offset and distance tables of a source
    without ``model.far``, widened for it (:mod:`agents.models.far_widen`)."""

    def __post_init__(self) -> None:
        _check(bool(self.parts), "init.parts", "expected at least one part name")


@dataclass
class DistillConfig:
    """Trained models whose action distribution the student is asked to match beside the
    expert's labels (:mod:`agents.train.distill`; behaviour cloning)."""

    teachers: tuple[str, ...] = ()
    """Model folders or checkpoints; several act as one ensemble (the mean of their
    distributions). Each must read instructions as the student does (one vocabulary, one
    ``max_text_len``)."""
    weight: float = 0.0
    """Weight of ``τ² · KL(teachers ‖ student)`` beside the expert cross-entropy; > 0 needs
    ``teachers``. 0: off."""
    temperature: float = 1.0
    """``τ``: both distributions are softened by it before they are compared."""

    def __post_init__(self) -> None:
        self.teachers = tuple(self.teachers)
        _check(self.weight >= 0, "distill.weight", f"expected >= 0, got {self.weight!r}")
        _check(self.weight == 0 or bool(self.teachers), "distill.teachers",
               f"distill.weight = {self.weight} needs one or more teacher models, got none")
        _check(self.weight > 0 or not self.teachers, "distill.weight",
               f"teachers {list(self.teachers)} are named but the weight is 0 (they would "
               "teach nothing); expected a weight > 0, or no teachers")
        _check(self.temperature > 0, "distill.temperature",
               f"expected > 0, got {self.temperature!r}")
        _check(all(isinstance(t, str) and t for t in self.teachers), "distill.teachers",
               f"expected model paths, got {list(self.teachers)}")


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
    route_teacher: bool = False
    """Label ``follow_route`` states with the route teacher
    (:mod:`vlnenv.expert.route_teacher`: back to the route where the learner left it, then
    along it) instead of ``data.teacher``'s; on the route the two agree."""

    def __post_init__(self) -> None:
        where = "dagger"
        for name in ("iterations", "rollouts", "rollout_batch", "steps_per_iteration"):
            _check(getattr(self, name) >= 1, f"{where}.{name}",
                   f"expected >= 1, got {getattr(self, name)!r}")
        for name in ("beta0", "beta_decay"):
            _check(0 <= getattr(self, name) <= 1, f"{where}.{name}",
                   f"expected a value in [0, 1], got {getattr(self, name)!r}")
