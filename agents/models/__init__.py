"""agents.models: the multimodal Transformer policy, built from a small core and optional
parts.

* ``config.py``: ``ModelConfig`` (the core's sizes, one sub-config per optional part, what
  each part needs) and its named presets (``ModelConfig.preset("quickstart")``).
* ``policy.py``: ``MultimodalTransformer``, the core (``text.py``, ``vision.py``, a fusion
  of ``fusion.py``'s registry, the state token, the heads) and the one step both acting
  and sequences run.
* ``state.py``: ``RecurrentState``, one named field per part that keeps something;
  ``step.py``: what a stateful part's ``step`` reads; ``memory.py`` and ``explore.py``:
  the two stateful parts; ``match.py``: the goal match; ``track.py``: the instruction
  tracker; ``cell_labels.py``: the cell head's label kinds and their exact reader.
* ``model_folder.py``: the saved model folder (config, weights, vocabulary);
  ``legacy.py``: configs and states written before the parts, converted.

Importing the package registers the built-in fusions (``single_stream``, ``dual_stream``,
``film``, ``late_fusion``, ``energy``).
"""

from agents.models import (  # noqa: F401  (register the fusions)
    energy,
    film,
    late_fusion,
    streams,
)
from agents.models.cell_labels import CELL_CLASSES
from agents.models.config import (
    CellConfig,
    ExploreConfig,
    FarConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
    TrackConfig,
)
from agents.models.device import autocast_context, pick_device
from agents.models.errors import ModelError
from agents.models.fusion import (
    FUSIONS,
    ContextFusion,
    Fusion,
    FusionOutput,
    build_fusion,
    register_fusion,
)
from agents.models.outputs import PolicyOutput
from agents.models.policy import MultimodalTransformer
from agents.models.state import RecurrentState

__all__ = [
    "FUSIONS",
    "CellConfig",
    "ExploreConfig",
    "FarConfig",
    "GoalConfig",
    "GpsConfig",
    "MatchConfig",
    "MemoryConfig",
    "RecurrentState",
    "ContextFusion",
    "Fusion",
    "FusionOutput",
    "ModelConfig",
    "ModelError",
    "TrackConfig",
    "MultimodalTransformer",
    "PolicyOutput",
    "CELL_CLASSES",
    "autocast_context",
    "build_fusion",
    "pick_device",
    "register_fusion",
]
