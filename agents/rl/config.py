"""``RLConfig``: every knob of a PPO run, in sections (``model``, ``env``, ``ppo``,
``eval``, ``run``), each a typed dataclass with a docstring per field. ``eval`` and
``run`` are the imitation trainers' own sections (:mod:`agents.train.config`); a config
is resolved the same way (defaults < TOML/JSON file < ``section.field=value``
overrides, :func:`agents.train.config.resolve_config`) and saved in every checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.models.config import ModelConfig
from agents.train.config import Sections
from agents.train.errors import TrainError
from agents.train.sections import EvalConfig, RunConfig
from vlnenv.language.instructions import FAMILIES
from vlnenv.language.phrasing import Phrasing


def _check(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise TrainError(f"{where}: {message}")


@dataclass
class RLEnvConfig:
    """The batched environment the lanes play."""

    id: str = ""
    """A registered id (``vlnenv/GoToRoom-v0``): fresh tasks of its families on freshly
    generated houses of its size. Empty: the episodes of ``suite`` / ``split``."""
    suite: str = "small"
    """Suite whose ``split`` episodes are played (when ``id`` is empty) and whose
    validation splits ``eval`` scores."""
    split: str = "train"
    """Split whose episodes (of ``families``) are played, drawn uniformly."""
    families: tuple[str, ...] = tuple(FAMILIES)
    """Task families kept from ``split`` (``id`` brings its own)."""
    phrasing: str = "any"
    """``any``: the split's text; ``trained``: every instruction said again with trained
    words only (:func:`vlnenv.tasks.rephrase.said_in` with seed 0: the text of the BC
    demos of ``data.phrasing = "trained"`` with ``data.sample_seed = 0``)."""
    lanes: int = 16
    """Environments ``N`` stepped together (per rank)."""
    dense_reward: float = 0.0
    """Shaping weight added to the success reward (the environment's ``dense_reward``:
    this times the decrease of the distance to the goal each step); 0: success only."""

    def __post_init__(self) -> None:
        _check(self.lanes >= 1, "env.lanes", f"expected >= 1, got {self.lanes!r}")
        _check(self.dense_reward >= 0, "env.dense_reward",
               f"expected >= 0, got {self.dense_reward!r}")
        _check(self.phrasing in [p.value for p in Phrasing], "env.phrasing",
               f"expected one of {[p.value for p in Phrasing]}, got {self.phrasing!r}")
        unknown = [f for f in self.families if f not in FAMILIES]
        _check(bool(self.families) and not unknown, "env.families",
               f"expected one or more of {list(FAMILIES)}, got {list(self.families)}")


@dataclass
class PPOConfig:
    """The PPO algorithm (defaults: cleanrl's ``ppo_atari_lstm.py`` where they apply)."""

    init: str = ""
    """A model folder (or training checkpoint) to start from (``--init``); empty: fresh
    weights (``model``) seeded with ``run.seed``."""
    total_frames: int = 2_000_000
    """Environment frames (steps of one lane) of the whole run, over all ranks; the run
    makes ``total_frames // (lanes * rollout * ranks)`` updates."""
    rollout: int = 128
    """Steps ``T`` each lane plays between updates (the backpropagation horizon)."""
    epochs: int = 4
    """Passes over each roll-out."""
    minibatches: int = 4
    """Minibatches per pass; each holds ``lanes / minibatches`` whole lane sequences."""
    lr: float = 2.5e-4
    """Peak learning rate of AdamW."""
    warmup_updates: int = 0
    """Updates of linear learning-rate warm-up."""
    min_lr_ratio: float = 0.0
    """The learning rate decays (cosine) to ``lr * min_lr_ratio`` at the last update."""
    weight_decay: float = 0.0
    """AdamW weight decay on matrices and embeddings."""
    gamma: float = 0.99
    """Discount."""
    gae_lambda: float = 0.95
    """GAE's lambda."""
    clip: float = 0.1
    """Policy ratio clip range."""
    value_clip: float = 0.1
    """Value clip range (0: unclipped value loss)."""
    norm_adv: bool = True
    """Normalise the advantages of each minibatch to zero mean and unit std."""
    ent_coef: float = 0.01
    """Weight of the entropy bonus."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    kl_coef: float = 0.0
    """Weight of ``KL(pi || pi_init)`` towards the initial policy (``--init``: the
    imitation policy); 0: no penalty (and no reference model is kept)."""
    value_warmup_updates: int = 0
    """First updates that train only the value head (the policy frozen), so that an
    initialised policy meets advantages from a fitted value."""
    grad_clip: float = 0.5
    """Maximum global gradient norm (0: no clipping)."""
    sample_seed: int = 0
    """Seed of the action sampling and minibatch order (with ``run.seed`` and the rank)."""

    def __post_init__(self) -> None:
        for name in ("total_frames", "rollout", "epochs", "minibatches"):
            _check(getattr(self, name) >= 1, f"ppo.{name}",
                   f"expected >= 1, got {getattr(self, name)!r}")
        for name in ("warmup_updates", "weight_decay", "value_clip", "ent_coef", "vf_coef",
                     "kl_coef", "value_warmup_updates", "grad_clip", "min_lr_ratio"):
            _check(getattr(self, name) >= 0, f"ppo.{name}",
                   f"expected >= 0, got {getattr(self, name)!r}")
        for name in ("gamma", "gae_lambda"):
            _check(0 <= getattr(self, name) <= 1, f"ppo.{name}",
                   f"expected a value in [0, 1], got {getattr(self, name)!r}")
        _check(self.lr > 0 and self.clip > 0, "ppo.lr/ppo.clip",
               f"expected > 0, got lr {self.lr!r}, clip {self.clip!r}")


@dataclass
class RLConfig(Sections):
    """A whole PPO run."""

    model: ModelConfig = field(default_factory=ModelConfig)
    """The policy's sizes and switches (taken from ``ppo.init``'s model when given)."""
    env: RLEnvConfig = field(default_factory=RLEnvConfig)
    """The environment and its lanes."""
    ppo: PPOConfig = field(default_factory=PPOConfig)
    """The algorithm."""
    eval: EvalConfig = field(default_factory=EvalConfig)
    """Evaluation on ``env.suite``'s splits during training; ``every`` counts updates."""
    run: RunConfig = field(default_factory=lambda: RunConfig(out="runs/ppo"))
    """Output folder, device, seed, budget; ``checkpoint_every`` and ``log_every`` count
    updates."""

    def __post_init__(self) -> None:
        _check(self.env.lanes % self.ppo.minibatches == 0, "ppo.minibatches",
               f"expected a divisor of env.lanes ({self.env.lanes}), got "
               f"{self.ppo.minibatches}")
