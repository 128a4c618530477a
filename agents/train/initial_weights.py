"""Starting a run from pretrained weights (``init.path``, ``init.parts``):
``vln train bc --init runs/pretrain --init-parts text,vision``."""

from __future__ import annotations

from pathlib import Path

from agents.models import MultimodalTransformer
from agents.models.errors import ModelError
from agents.models.far_widen import widen_far_tables
from agents.models.pretrained import ALL, load_pretrained_weights, source_state
from agents.train.errors import TrainError
from agents.train.sections import InitConfig

#: The folder of a pretraining run that holds its encoders (``vln pretrain``'s
#: ``encoders/``, in the ``save_pretrained`` format).
ENCODERS = "encoders"


def init_source(path: str | Path) -> Path:
    """The model folder or checkpoint to read: ``path`` itself, or the ``encoders/`` of a
    pretraining run folder.

    Raises:
        TrainError: nothing there.
    """
    path = Path(path)
    if path.is_dir() and not (path / "model.pt").is_file() and (path / ENCODERS).is_dir():
        return path / ENCODERS
    if not path.exists():
        raise TrainError(f"init.path: {path}: no such model folder, checkpoint or "
                         "pretraining run")
    return path


#: Weights a model starts at zero so that it computes what a source trained without them
#: did (``model.memory.here``'s read-out table): taken from the model when the source lacks
#: them, as ``model.far``'s widened tables are.
ZERO_STARTED = ("memory.h_emb.weight",)


def with_zero_started(state: dict, model: MultimodalTransformer) -> tuple[dict, list[str]]:
    """``state`` with the model's own :data:`ZERO_STARTED` weights added where it lacks
    them, and the keys added."""
    own = model.state_dict()
    added = [k for k in ZERO_STARTED if k in own and k not in state]
    return {**state, **{k: own[k] for k in added}}, added


def load_init(model: MultimodalTransformer, init: InitConfig) -> str:
    """Copy ``init.parts`` of ``init.path`` into ``model`` (the rest stays as it is);
    returns a line for the log. A source trained without ``model.far`` starting a model
    with it has its offset and distance tables widened first, so that the model starts
    out computing what the source did (:func:`agents.models.far_widen.widen_far_tables`);
    one without ``model.memory.here`` gets the model's zero read-out table
    (:func:`with_zero_started`).

    Raises:
        TrainError: no source, or the parts' weights missing or of other shapes there
            (the message lists them).
    """
    assert init.path is not None
    source = init_source(init.path)
    try:
        state, widened = widen_far_tables(source_state(source), model.config)
        state, zeroed = with_zero_started(state, model)
        report = load_pretrained_weights(model, state, parts=init.parts, strict=True,
                                         name=str(source))
    except ModelError as err:
        raise TrainError(f"init.path = {init.path}: {err}") from None
    widened_loaded = set(widened) & set(report.loaded)
    note = (f" ({len(widened_loaded)} offset and distance tables widened for model.far)"
            if widened_loaded else "")
    if set(zeroed) & set(report.loaded):
        note += f" ({', '.join(zeroed)} started at zero)"
    if list(init.parts) == [ALL]:
        return f"init: every weight ({len(report.loaded)} tensors) from {source}{note}"
    return (f"init: {len(report.loaded)} tensors of {', '.join(init.parts)} from {source}; "
            f"every other weight fresh{note}")
