"""``ModelConfig``: every size and switch of the multimodal policy, saved with its weights."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from agents.models.errors import ModelError
from vlnenv.actions import Action
from vlnenv.language.vocab import Tokenizer
from vlnenv.world.objects import ObjectKind

#: Values of ``ModelConfig.vision_stem``.
VISION_STEMS: tuple[str, ...] = ("pixels", "tiles")
#: Values of ``ModelConfig.match_reader``.
MATCH_READERS: tuple[str, ...] = ("summary", "attend", "tokens")


def _shipped_vocab_size() -> int:
    return Tokenizer().vocab_size


@dataclass
class ModelConfig:
    """Sizes and switches of :class:`~agents.models.policy.MultimodalTransformer`.

    Every submodule is built from this config, and it is written as JSON next to the
    weights, so a checkpoint says what produced it.
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
    ``film`` or ``late_fusion`` (or any class registered with ``register_fusion``)."""
    tile: int = 8
    """Pixels per view cell along each side; each cell is one patch token."""
    vision_stem: str = "pixels"
    """How a view cell becomes a token: ``pixels``, a learnt linear map of its tile's
    pixels (the vision encoder must learn what the tiles show); ``tiles``, the tile read
    back exactly into what it shows (base, object kind, object colour: the inverse of the
    renderer, :mod:`vlnenv.render.decode`, as the symbolic observations of BabyAI give
    them) and embedded. ``tiles`` works only on views drawn by vlnenv's renderer."""
    max_view: int = 9
    """Largest view, in cells per side, that the 2-D position embeddings cover."""
    n_directions: int = 4
    """Headings of the ``direction`` observation."""
    n_carrying: int = 1 + len(ObjectKind)
    """Values of the ``carrying`` observation (0 = empty hands)."""
    n_actions: int = len(Action)
    """Number of actions (logits of the action head)."""
    gps: bool = False
    """Embed the ``gps`` observation (cell minus start cell) in the ego token: the way back
    to the start in the agent's own frame, ``(f, r) = (-gps · fwd, -gps · right)`` for
    the heading's forward and right unit vectors, each clipped to ``±gps_range`` cells
    and embedded (``E_f[f] + E_r[r]``). For ``fetch``, whose requester waits at the start."""
    gps_range: int = 16
    """Largest ``|f|``, ``|r|`` told apart by the gps embedding; farther is clipped."""
    recurrent: bool = True
    """Carry the state token from step to step; when False every step starts from the
    initial (zero) state, so the policy sees only the current observation."""
    goal_head: bool = False
    """Add a head that scores every view cell as showing the current target (trained by
    the goal-in-view auxiliary loss of ``agents.train.targets``); needs a fusion that
    computes a per-step context (a ``ContextFusion``: ``film``)."""
    goal_memory: bool = False
    """Remember where the goal head saw the target (:mod:`agents.models.memory`): each
    step the seen view cells' goal scores are written into a ``(2 gps_range + 1)^2`` map
    around the start (carried in the recurrent state) and the best remembered cell's
    offset from the agent, in its own frame, and score are embedded into the state
    token's query. Needs ``goal_head``, ``gps`` and ``recurrent``."""
    memory_distance: bool = False
    """Also embed the best remembered cell's distance from the agent, ``E_d[|f| + |r|]``
    (cells, Manhattan; ``f``, ``r`` each clipped to ``±gps_range``): "beside the target"
    (distance 1, where ``go_to_object`` must stop; 2, a diagonal, fails) becomes one
    embedding instead of a conjunction of the two offsets. Needs ``goal_memory``."""
    explore_memory: bool = False
    """Remember which cells the agent has seen and whether the cell head took each for
    traversable, in a second ``(2 gps_range + 1)^2`` map around the start (carried in the
    recurrent state after the goal map), and embed which neighbours lead closer to the
    nearest frontier (a traversable seen cell beside an unseen one) and how far it is
    (:mod:`agents.models.explore`): the explorer teacher's own search rule, planned over
    what the student saw. Needs ``goal_memory`` and ``cell_head``."""
    goal_path: bool = False
    """Add the way to the remembered goal to the explore memory's read-out: the same
    planner, run from the seen passable cells beside the goal map's best cell (when its
    score is above one half) instead of from the frontier, gives which of the agent's
    neighbours lead closer to it around walls and how far it is by that path
    (:mod:`agents.models.explore`). Needs ``explore_memory``."""
    goal_match: bool = False
    """Add to each view cell's goal score how well what the cell head sees there matches
    what the instruction names: a linear head on the instruction summary predicts the
    target's base, object kind and colour (``t_a``, one distribution per label kind
    ``a``), and the cell's score gains ``sum_a log sum_k softmax(t_a)_k
    softmax(c_{i,a})_k`` with ``c_i`` the cell head's (detached) logits. The text head
    learns from the goal loss alone; a label the words leave open (an unnamed colour)
    can stay flat and then adds the same to every cell. Needs ``goal_head`` and
    ``cell_head``."""
    match_reader: str = "summary"
    """The goal match's text head: ``summary``, a linear map of the instruction summary
    (the ``<cls>`` token); ``attend``, one learnt query per label kind attending over the
    instruction's tokens (:class:`agents.models.match.AttributeReader`), so a colour or
    kind word can be read off its own token; ``tokens``, label logits of every token,
    each class keeping its strongest token (:class:`agents.models.match.TokenReader`)."""
    match_room: bool = False
    """Add a room term to the goal match: the text head also reads which type of room the
    instruction names (``R`` more logits), each view cell's room type is read off the
    cell head's floor labels around it (:func:`agents.models.match.room_context`), and
    the cell's score gains :func:`agents.models.match.room_match` of the two, so "the
    candle in the bedroom" can tell that candle from one in the office. Needs
    ``goal_match``."""
    cell_head: bool = False
    """Add a head that classifies what every view cell shows (base: wall, door, the floor
    of each room type or each furniture kind; object kind; object colour) from the vision
    encoder's cell tokens, before any fusion (trained by the cell-recognition auxiliary
    loss, ``optim.cell_weight``; labels read off the pixels by
    :mod:`vlnenv.render.decode`). Works with every fusion."""
    mask_instruction: bool = False
    """Ablation: feed only ``<pad>`` ids instead of the instruction."""
    blank_image: bool = False
    """Ablation: feed an all-zero image instead of the view."""

    def __post_init__(self) -> None:
        positive = ("vocab_size", "max_text_len", "n_embd", "n_head", "n_fusion_layer",
                    "mlp_ratio", "tile", "max_view", "n_directions", "n_carrying", "n_actions",
                    "gps_range")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ModelError(f"ModelConfig.{name} must be a positive int, got {value!r}")
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
        if self.match_reader not in MATCH_READERS:
            raise ModelError(f"ModelConfig.match_reader must be one of {list(MATCH_READERS)}, "
                             f"got {self.match_reader!r}")
        if self.vision_stem not in VISION_STEMS:
            raise ModelError(f"ModelConfig.vision_stem must be one of {list(VISION_STEMS)}, "
                             f"got {self.vision_stem!r}")
        for name in ("bias", "gps", "recurrent", "goal_head", "goal_memory", "memory_distance",
                     "explore_memory", "goal_path", "goal_match", "match_room", "cell_head",
                     "mask_instruction", "blank_image"):
            if not isinstance(getattr(self, name), bool):
                raise ModelError(f"ModelConfig.{name} must be a bool, "
                                 f"got {getattr(self, name)!r}")
        if self.goal_memory and not (self.goal_head and self.gps and self.recurrent):
            raise ModelError("ModelConfig.goal_memory needs goal_head, gps and recurrent "
                             f"(got goal_head={self.goal_head}, gps={self.gps}, "
                             f"recurrent={self.recurrent})")
        if self.goal_match and not (self.goal_head and self.cell_head):
            raise ModelError("ModelConfig.goal_match needs goal_head and cell_head (got "
                             f"goal_head={self.goal_head}, cell_head={self.cell_head})")
        if self.explore_memory and not (self.goal_memory and self.cell_head):
            raise ModelError("ModelConfig.explore_memory needs goal_memory and cell_head (got "
                             f"goal_memory={self.goal_memory}, cell_head={self.cell_head})")
        if self.goal_path and not self.explore_memory:
            raise ModelError("ModelConfig.goal_path needs explore_memory (got "
                             "explore_memory=False)")
        if self.match_room and not self.goal_match:
            raise ModelError("ModelConfig.match_room needs goal_match (got goal_match=False)")
        if self.memory_distance and not self.goal_memory:
            raise ModelError("ModelConfig.memory_distance needs goal_memory (got "
                             "goal_memory=False)")

    @classmethod
    def default(cls, **overrides: Any) -> ModelConfig:
        """The CPU preset: ``C`` = 128, 2 text, 1 vision and 2 fusion layers (about 1.1 M
        parameters with ``single_stream``, 1.7 M with ``dual_stream``)."""
        return cls(**overrides)

    @classmethod
    def large(cls, **overrides: Any) -> ModelConfig:
        """The GPU preset: ``C`` = 512, 8 heads, 4 text, 2 vision and 4 fusion layers
        (about 32 M parameters with ``single_stream``)."""
        sizes: dict[str, Any] = dict(n_embd=512, n_head=8, n_text_layer=4, n_vision_layer=2,
                                     n_fusion_layer=4, dropout=0.1)
        return cls(**{**sizes, **overrides})

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> ModelConfig:
        """The config of ``data`` (as written by :meth:`to_dict`).

        Raises:
            ModelError: ``data`` is not a mapping, names an unknown field, or holds an
                invalid value; the message starts with ``where``.
        """
        if not isinstance(data, dict):
            raise ModelError(f"{where}: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelError(f"{where}: unknown ModelConfig field(s) {unknown}; "
                             f"expected some of {sorted(known)}")
        try:
            return cls(**data)
        except ModelError as err:
            raise ModelError(f"{where}: {err}") from None
