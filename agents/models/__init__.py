"""agents.models: the multimodal Transformer policy and its parts.

Importing the package registers the built-in fusions (``single_stream``, ``dual_stream``,
``film``, ``late_fusion``).
"""

from agents.models import film, late_fusion, streams  # noqa: F401  (register the fusions)
from agents.models.cell_labels import CELL_CLASSES
from agents.models.config import (
    CellConfig,
    ExploreConfig,
    GoalConfig,
    GpsConfig,
    MatchConfig,
    MemoryConfig,
    ModelConfig,
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
    "MultimodalTransformer",
    "PolicyOutput",
    "CELL_CLASSES",
    "autocast_context",
    "build_fusion",
    "pick_device",
    "register_fusion",
]
