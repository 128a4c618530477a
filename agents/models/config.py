"""``ModelConfig``: the sizes of the policy's core and the sub-config of each optional part,
saved with its weights; named presets (``ModelConfig.preset("quickstart")``).

The core (text encoder, vision encoder, a fusion from the registry, the state token, the
action, value and progress heads) is always built. Each optional part is on when its
sub-config is given and off when it is ``None``:

* ``gps`` (:class:`GpsConfig`): the way back to the start embedded in the ego token.
* ``goal`` (:class:`GoalConfig`): a head scoring every view cell as the target.
* ``cells`` (:class:`CellConfig`): a head classifying what every view cell shows.
* ``match`` (:class:`MatchConfig`): the goal score gains how well each cell matches what the
  instruction names.
* ``memory`` (:class:`MemoryConfig`): where the goal head saw the target, remembered in a
  map carried in the recurrent state.
* ``explore`` (:class:`ExploreConfig`): where the agent has looked, remembered in a second
  map, and the way to the nearest unseen ground (and to the remembered goal).
* ``track`` (:class:`TrackConfig`): the state token reads the instruction's tokens at
  every step, so its attention can follow a route or a sequence along the words.
* ``far`` (:class:`FarConfig`): houses bigger than ``gps.range``: offsets beyond it told
  apart (log-spaced buckets) and memory maps that grow with what was seen.

What a part needs is written once, in :data:`NEEDS`, plus one rule on the fusion: the goal
head reads the fusion's per-step context, so it needs a fusion that has one
(``Fusion.has_context``: ``film``, ``energy``), checked when the model is built.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from agents.models.errors import ModelError
from vlnenv.actions import Action
from vlnenv.language.vocab import Tokenizer
from vlnenv.world.objects import ObjectKind

#: Values of ``MatchConfig.reader``.
MATCH_READERS: tuple[str, ...] = ("summary", "attend")


def _shipped_vocab_size() -> int:
    return Tokenizer().vocab_size


def _positive(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelError(f"{owner}.{name} must be a positive int, got {value!r}")


def _boolean(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ModelError(f"{owner}.{name} must be a bool, got {value!r}")


@dataclass
class GpsConfig:
    """The ``gps`` observation (cell minus start cell) embedded in the ego token: the way
    back to the start in the agent's own frame, ``(f, r) = (-gps · fwd, -gps · right)``
    for the heading's forward and right unit vectors, each clipped to ``±range`` cells and
    embedded (``E_f[f] + E_r[r]``). For ``fetch``, whose requester waits at the start."""

    range: int = 16
    """Largest ``|f|``, ``|r|`` told apart; farther is clipped. Also the radius ``R`` of the
    memory maps (``M = 2 R + 1`` cells a side, centred on the start)."""

    def __post_init__(self) -> None:
        _positive("GpsConfig", "range", self.range)


@dataclass
class GoalConfig:
    """A head that scores every view cell as showing the current target (trained by the
    goal-in-view auxiliary loss of ``agents.train.data.targets``), read off the fusion's
    per-step context (needs a fusion with ``has_context``: ``film`` or ``energy``)."""


@dataclass
class CellConfig:
    """A head that classifies what every view cell shows (base: wall, door, the floor of
    each room type or each furniture kind; object kind; object colour) from the vision
    encoder's cell tokens, before any fusion (trained by the cell-recognition auxiliary
    loss, ``optim.cell_weight``; labels read off the pixels by :mod:`vlnenv.render.decode`).
    Works with every fusion."""


@dataclass
class MatchConfig:
    """The goal match: each view cell's goal score gains how well what the cell head sees
    there matches what the instruction names. A text head predicts the target's base,
    object kind and colour (``t_a``, one distribution per label kind ``a``), and the
    cell's score gains ``sum_a log sum_k softmax(t_a)_k softmax(c_{i,a})_k`` with ``c_i``
    the cell head's (detached) logits (:func:`agents.models.match.attribute_match`). The
    text head learns from the goal loss alone; a label the words leave open can stay flat
    and then adds the same to every cell."""

    reader: str = "summary"
    """The text head: ``summary``, a linear map of the instruction summary (the ``<cls>``
    token); ``attend``, one learnt query per label kind attending over the instruction's
    tokens (:class:`agents.models.match.AttributeReader`)."""

    def __post_init__(self) -> None:
        if self.reader not in MATCH_READERS:
            raise ModelError(f"MatchConfig.reader must be one of {list(MATCH_READERS)}, "
                             f"got {self.reader!r}")


@dataclass
class MemoryConfig:
    """Remember where the goal head saw the target (:mod:`agents.models.memory`): each step
    the seen view cells' goal scores are written into a ``(2 R + 1)^2`` map around the
    start (``R = gps.range``; the map is the ``goal_map`` field of the recurrent state)
    and the best remembered cell's offset from the agent, in its own frame, and score are
    embedded into the state token's query."""

    distance: bool = False
    """Also embed the best remembered cell's distance from the agent, ``E_d[|f| + |r|]``
    (cells, Manhattan; ``f``, ``r`` each clipped to ``±R``): "beside the target"
    (distance 1, where ``go_to_object`` must stop) becomes one embedding."""
    cue: int = 0
    """Read rooms told apart by their words ("the bedroom next to the bathroom", "the
    bedroom with the desk"; :mod:`agents.models.cue`): a reader of the words names what
    tells the goal apart, a second map remembers where that was seen, and the goal map is
    read with its cells weighted by whether the cue was seen within ``cue`` cells
    (Chebyshev) of them. 0 turns it off; > 0 needs ``cells`` and ``match``."""
    cue_fill: int = 0
    """With ``cue``: spread "the cue was seen near here" over the cells that look like the
    goal, ``cue_fill`` cells (Chebyshev) from those near the cue
    (:func:`agents.models.cue.fill_cue`), so a room's every cell counts once its cue has
    been seen from one of them. 0 keeps the window alone."""
    here: bool = False
    """Also embed the read goal map's score at the agent's own cell, ``E_h[bin(map[gps])]``
    (:func:`agents.models.memory.here_score`): "I stand on a goal cell" (with ``cue``:
    on one of the room the words name). The table starts at zeros, so a model started
    from weights trained without it computes what they did."""

    def __post_init__(self) -> None:
        _boolean("MemoryConfig", "distance", self.distance)
        _boolean("MemoryConfig", "here", self.here)
        for name in ("cue", "cue_fill"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelError(f"MemoryConfig.{name} must be an int >= 0, got {value!r}")
        if self.cue_fill and not self.cue:
            raise ModelError(f"MemoryConfig.cue_fill = {self.cue_fill} needs cue > 0 (it "
                             "spreads where the cue was seen)")


@dataclass
class ExploreConfig:
    """Remember which cells the agent has seen and whether the cell head took each for
    traversable, in a second ``(2 R + 1)^2`` map around the start (the ``explore_map``
    field of the recurrent state), and embed which neighbours lead closer to the nearest
    frontier and how far it is (:mod:`agents.models.explore`): the explorer teacher's own
    search rule, planned over what the student saw."""

    goal_path: bool = False
    """Also plan from the goal map's best cell (when its score is above one half) through
    the seen passable cells, and embed which neighbours lead closer to it around walls and
    how far it is by that path."""
    home_path: bool = False
    """Also plan from the start cell (where ``gps`` reads 0: the maps' centre) through the
    seen passable cells, and, while an object is held, embed which neighbours lead closer
    to it around walls and how far it is by that path: the way back that ``fetch`` ("bring
    it to me") needs."""

    def __post_init__(self) -> None:
        _boolean("ExploreConfig", "goal_path", self.goal_path)
        _boolean("ExploreConfig", "home_path", self.home_path)


@dataclass
class TrackConfig:
    """The state token reads the instruction's tokens at every step, before the fusion
    (:class:`agents.models.track.InstructionTracker`): one cross-attention whose weights
    can move along the words as a route or a sequence advances (Recurrent VLN-BERT's
    state-language attention). Works with every fusion; it matters for ``film`` and
    ``late_fusion``, whose state token otherwise reads only the instruction's summary."""


@dataclass
class FarConfig:
    """Houses bigger than ``gps.range`` cells from the start. Without it, offsets and
    distances beyond ``R = gps.range`` read as ``R`` (clipped) and the memory maps hold
    ``(2 R + 1)^2`` cells around the start, so what is seen farther is lost."""

    reach: int = 256
    """Farthest offset (cells) told apart: beyond ``R``, offsets (the way home, the goal
    memory's offset) and distances (beyond ``2 R``: the goal memory's distance, the
    explore memory's path lengths) fall in log-spaced buckets, 4 per doubling, up to
    ``reach`` (:mod:`agents.models.far_offsets`); ``R``: clipped, as without the part."""
    grow: bool = True
    """The memory maps (goal and explore) grow with what was seen instead of staying
    ``(2 R + 1)^2`` around the start: before a step writes farther than a map holds, it is
    re-embedded, centre kept, in a grid 8 cells wider each way (:mod:`agents.models.map_grid`),
    so nothing seen is lost however big the house."""
    exact: int = 0
    """The way home (the ``gps`` offset in the agent's frame) told exactly up to ``exact``
    cells, buckets only beyond (0: up to ``R``, like the other offsets). A route read part
    by part counts ``gps`` from where the part starts, so the way home is how far a "walk
    seventeen steps" has gone: with ``R = 16`` the buckets read 17, 18 and 19 alike, and
    only an exact offset can stop on the seventeenth step. Must be 0 or at least ``R``
    and below ``reach``."""

    def __post_init__(self) -> None:
        _positive("FarConfig", "reach", self.reach)
        _boolean("FarConfig", "grow", self.grow)
        if not isinstance(self.exact, int) or isinstance(self.exact, bool) or self.exact < 0:
            raise ModelError(f"FarConfig.exact must be an int >= 0, got {self.exact!r}")
        if self.exact >= self.reach:
            raise ModelError(f"FarConfig.exact ({self.exact}) must be below far.reach "
                             f"({self.reach})")


#: The sub-config class of each optional part, in the order the parts are built.
PARTS: dict[str, type] = {
    "gps": GpsConfig,
    "goal": GoalConfig,
    "cells": CellConfig,
    "match": MatchConfig,
    "memory": MemoryConfig,
    "explore": ExploreConfig,
    "track": TrackConfig,
    "far": FarConfig,
}

#: What each part needs on besides itself (a part name, or ``recurrent``). The one other
#: rule: ``goal`` needs a fusion with a per-step context (``Fusion.has_context``).
NEEDS: dict[str, tuple[str, ...]] = {
    "match": ("goal", "cells"),
    "memory": ("goal", "gps", "recurrent"),
    "explore": ("memory", "cells"),
}


@dataclass
class ModelConfig:
    """Sizes of :class:`~agents.models.policy.MultimodalTransformer`'s core and the
    sub-configs of its optional parts (module docstring).

    Every submodule is built from this config, and it is written as JSON next to the
    weights, so a checkpoint says what produced it. Named presets: :meth:`preset`.
    """

    vocab_size: int = field(default_factory=_shipped_vocab_size)
    """Number of token ids (the vocabulary shipped with vlnenv by default)."""
    max_text_len: int = 128
    """Longest instruction in tokens (``<cls>`` included); longer ones are truncated."""
    n_embd: int = 128
    """Width ``C`` of every token."""
    n_head: int = 4
    """Attention heads per attention layer; must divide ``n_embd``."""
    n_text_layer: int = 2
    """Transformer layers of the text encoder."""
    n_vision_layer: int = 1
    """Transformer layers of the vision encoder over the view-cell tokens."""
    n_fusion_layer: int = 2
    """Layers of the fusion (its meaning per fusion: see ``agents.models.fusion``)."""
    mlp_ratio: int = 4
    """Hidden width of each feed-forward layer, as a multiple of ``n_embd``."""
    dropout: float = 0.0
    """Dropout on attention weights, residual branches and embeddings."""
    bias: bool = True
    """Biases in linear layers and layer norms."""
    fusion: str = "single_stream"
    """Name of the cross-modal fusion in the registry: ``single_stream``, ``dual_stream``,
    ``film``, ``late_fusion`` or ``energy`` (or any class registered with
    ``register_fusion``)."""
    tile: int = 8
    """Pixels per view cell along each side; each cell is one patch token (a learnt
    linear map of its tile's pixels)."""
    max_view: int = 9
    """Largest view, in cells per side, that the 2-D position embeddings cover."""
    n_directions: int = 4
    """Headings of the ``direction`` observation."""
    n_carrying: int = 1 + len(ObjectKind)
    """Values of the ``carrying`` observation (0 = empty hands)."""
    n_actions: int = len(Action)
    """Number of actions (logits of the action head)."""
    recurrent: bool = True
    """Carry the state token from step to step; when False every step starts from the
    initial (zero) state, so the policy sees only the current observation."""
    mask_instruction: bool = False
    """Ablation: feed only ``<pad>`` ids instead of the instruction."""
    blank_image: bool = False
    """Ablation: feed an all-zero image instead of the view."""
    read_parts: bool = False
    """How the policies that act with the model (the benchmark's, training's evaluation,
    the viewers') give it a sequence instruction: one part at a time, the model's stop on
    a part moving it to the next (:mod:`agents.evaluation.parts`), instead of whole. No
    weight depends on it."""
    read_route_parts: bool = False
    """The same for a route description: one part at a time
    (:func:`vlnenv.language.route_parts.route_part_texts`), the ``gps`` observation
    counted from where the part starts, for a model trained on route parts
    (``data.route_parts``). No weight depends on it."""
    gps: GpsConfig | None = None
    """The way back to the start in the ego token; off when ``None``."""
    goal: GoalConfig | None = None
    """The goal-in-view head; off when ``None``."""
    cells: CellConfig | None = None
    """The cell-recognition head; off when ``None``."""
    match: MatchConfig | None = None
    """The goal match; off when ``None``."""
    memory: MemoryConfig | None = None
    """The goal memory; off when ``None``."""
    explore: ExploreConfig | None = None
    """The explore memory; off when ``None``."""
    track: TrackConfig | None = None
    """The instruction tracker; off when ``None``."""
    far: FarConfig | None = None
    """Far offsets and growing memory maps; off when ``None``."""

    def __post_init__(self) -> None:
        for name in ("vocab_size", "max_text_len", "n_embd", "n_head", "n_fusion_layer",
                     "mlp_ratio", "tile", "max_view", "n_directions", "n_carrying",
                     "n_actions"):
            _positive("ModelConfig", name, getattr(self, name))
        for name in ("n_text_layer", "n_vision_layer"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelError(f"ModelConfig.{name} must be an int >= 0, got {value!r}")
        if self.n_embd % self.n_head:
            raise ModelError(f"ModelConfig.n_head ({self.n_head}) must divide "
                             f"n_embd ({self.n_embd})")
        if (not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool)
                or not 0.0 <= self.dropout < 1.0):
            raise ModelError(f"ModelConfig.dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.fusion, str) or not self.fusion:
            raise ModelError(f"ModelConfig.fusion must be a fusion name, got {self.fusion!r}")
        for name in ("bias", "recurrent", "mask_instruction", "blank_image", "read_parts",
                     "read_route_parts"):
            _boolean("ModelConfig", name, getattr(self, name))
        for name, cls in PARTS.items():
            value = getattr(self, name)
            if value is not None and not isinstance(value, cls):
                raise ModelError(f"ModelConfig.{name} must be a {cls.__name__} or None, "
                                 f"got {value!r}")
        for part, needs in NEEDS.items():
            missing = [n for n in needs if not self.has(n)]
            if self.has(part) and missing:
                raise ModelError(f"ModelConfig.{part} needs {', '.join(needs)} "
                                 f"(missing: {', '.join(missing)})")
        if self.memory is not None and self.memory.cue > 0 and (self.cells is None
                                                                or self.match is None):
            raise ModelError("ModelConfig.memory.cue needs cells and match (the cue is "
                             "matched to what the cell head sees)")
        if self.far is not None and self.gps is None:  # R = gps.range is what far extends
            raise ModelError("ModelConfig.far needs gps (missing: gps)")
        if self.far is not None and 0 < self.far.exact < self.radius:
            raise ModelError(f"ModelConfig.far.exact ({self.far.exact}) must be 0 or at least "
                             f"gps.range ({self.radius})")

    def has(self, name: str) -> bool:
        """Whether the optional part ``name`` (or ``recurrent``) is on."""
        return bool(self.recurrent) if name == "recurrent" else getattr(self, name) is not None

    @property
    def radius(self) -> int:
        """``R``, the memory maps' radius (``gps.range``; 0 without gps)."""
        return 0 if self.gps is None else self.gps.range

    @property
    def far_buckets(self) -> int:
        """Buckets beyond ``R`` of the offset and distance embeddings
        (:func:`agents.models.far_offsets.far_buckets` of ``far.reach``; 0 without ``far``:
        clipped at ``R``)."""
        from agents.models.far_offsets import far_buckets

        return 0 if self.far is None else far_buckets(self.radius, self.far.reach)

    @property
    def home_limit(self) -> int:
        """Largest way-home offset told exactly: ``far.exact`` when set, else ``R``."""
        return self.far.exact if self.far is not None and self.far.exact else self.radius

    @property
    def home_buckets(self) -> int:
        """Buckets beyond :attr:`home_limit` of the way-home tables (``far_buckets`` of
        ``far.reach`` from there; 0 without ``far``)."""
        from agents.models.far_offsets import far_buckets

        return 0 if self.far is None else far_buckets(self.home_limit, self.far.reach)

    @property
    def grows(self) -> bool:
        """Whether the memory maps grow (``far.grow``)."""
        return self.far is not None and self.far.grow

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> ModelConfig:
        """The named config of :data:`PRESETS` with ``overrides`` (fields; a part as its
        sub-config, a dict of its fields, or ``None``).

        Raises:
            ModelError: no preset of that name, or an invalid override.
        """
        if name not in PRESETS:
            raise ModelError(f"unknown ModelConfig preset {name!r}; expected one of "
                             f"{sorted(PRESETS)}")
        return cls.from_dict(over_preset(PRESETS[name], overrides), where=f"preset {name!r}")

    @classmethod
    def default(cls, **overrides: Any) -> ModelConfig:
        """``preset("default", **overrides)``."""
        return cls.preset("default", **overrides)

    @classmethod
    def large(cls, **overrides: Any) -> ModelConfig:
        """``preset("large", **overrides)``."""
        return cls.preset("large", **overrides)

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields (a part: a dict of its fields, or ``None``)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> ModelConfig:
        """The config of ``data``: as written by :meth:`to_dict`, or ``preset`` plus changed
        fields, or the flat layout written before the parts (converted by
        :func:`agents.models.legacy.upgrade_model_dict`).

        Raises:
            ModelError: ``data`` is not a mapping, names an unknown field or preset, holds
                an invalid value, or turns on a deleted option; the message starts with
                ``where``.
        """
        from agents.models.legacy import upgrade_model_dict

        if not isinstance(data, dict):
            raise ModelError(f"{where}: expected a JSON object, got {type(data).__name__}")
        try:
            data = upgrade_model_dict(data)
            if "preset" in data:
                rest = {k: v for k, v in data.items() if k != "preset"}
                return cls.preset(data["preset"], **rest)
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(data) - known)
            if unknown:
                raise ModelError(f"unknown ModelConfig field(s) {unknown}; "
                                 f"expected some of {sorted(known)}")
            return cls(**{k: _part(k, v) if k in PARTS else v for k, v in data.items()})
        except ModelError as err:
            raise ModelError(f"{where}: {err}") from None


def over_preset(preset: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` set over a preset's: a part given as a dict of some of its fields over the
    preset's dict of the same part changes those fields only (``explore = {home_path =
    true}`` over the quickstart keeps its ``goal_path``); any other value replaces the
    preset's."""
    out = dict(preset)
    for key, value in fields.items():
        below = out.get(key)
        both = key in PARTS and isinstance(value, dict) and isinstance(below, dict)
        out[key] = {**below, **value} if both else value
    return out


def _part(name: str, value: Any) -> Any:
    """The sub-config of part ``name`` from a dict of its fields (others pass through)."""
    if not isinstance(value, dict):
        return value
    cls = PARTS[name]
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ModelError(f"unknown {cls.__name__} field(s) {unknown}; expected some of "
                         f"{sorted(known)}")
    return cls(**value)


#: Named configs. ``default``: the CPU sizes, ``C`` = 128, 2 text, 1 vision and 2 fusion
#: layers, no parts (about 1.1 M parameters with ``single_stream``). ``large``: the GPU
#: sizes, ``C`` = 512, 8 heads, 4 text, 2 vision and 4 fusion layers (about 32 M with
#: ``single_stream``). ``quickstart``: the shipped model (``agents/configs/quickstart.toml``),
#: a ``C`` = 64 ``film`` policy with every part on.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "large": dict(n_embd=512, n_head=8, n_text_layer=4, n_vision_layer=2, n_fusion_layer=4,
                  dropout=0.1),
    "quickstart": dict(n_embd=64, n_head=4, n_text_layer=1, n_vision_layer=1,
                       n_fusion_layer=1, fusion="film", gps={}, goal={}, cells={},
                       match={"reader": "attend"}, memory={"distance": True},
                       explore={"goal_path": True}),
}
