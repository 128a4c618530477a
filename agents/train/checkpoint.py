"""Training checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint file (``last.pt``, ``best.pt``) is one ``torch.save`` of plain containers,
numbers, strings and tensors, written atomically (temporary file, ``fsync``,
``os.replace``) and read with ``torch.load(weights_only=True)``:

* ``format``, ``version``, ``kind`` (``bc`` or ``dagger``);
* ``model`` (the ``state_dict``), ``model_config``, ``vocab`` (the tokens);
* ``optimizer`` and ``scheduler`` state dicts, ``step``, ``samples``, ``best``;
* ``ranks``: per rank, the data loader's state (its ``np.random.Generator`` state and
  position), the lanes' recurrent state, and torch's global RNG state (dropout);
* ``config``: the resolved :class:`~agents.train.config.TrainConfig`;
* ``extra``: what a trainer adds (DAgger's iteration).

Next to it the model alone is exported as a folder in the ``save_pretrained`` format
(``best/``, ``last/``, with the run's ``train_config.json``), which ``vln benchmark`` and
``vln record`` read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from agents.models import ModelConfig, ModelError, MultimodalTransformer
from agents.models.model_folder import check_finite, load_torch, save_torch_atomic
from agents.train.averaging import checkpoint_weights
from agents.train.errors import TrainError
from vlnenv.fileio import write_text_atomic
from vlnenv.language.vocab import Tokenizer

FORMAT = "vlnenv.TrainCheckpoint"
FORMAT_VERSION = 1
#: Keys every reader of a checkpoint needs.
REQUIRED_KEYS: tuple[str, ...] = ("kind", "model", "model_config", "vocab", "config")
#: The resolved training config written into exported model folders.
TRAIN_CONFIG_FILE = "train_config.json"


def rng_state(device: torch.device) -> dict[str, Any]:
    """torch's global CPU RNG state (and the device's on cuda): the only global RNG a run
    draws from (dropout masks)."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    """Restore :func:`rng_state`."""
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def save_checkpoint(path: str | os.PathLike[str], payload: dict[str, Any]) -> Path:
    """Write a checkpoint (``payload`` without the format tag) atomically."""
    save_torch_atomic({"format": FORMAT, "version": FORMAT_VERSION, **payload}, path)
    return Path(path)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint with ``torch.load(weights_only=True)`` on the CPU.

    Raises:
        TrainError: missing, empty, damaged (CRC), not a training checkpoint of this
            version, or without a key of :data:`REQUIRED_KEYS`.
    """
    try:
        data = load_torch(path)
    except ModelError as err:
        raise TrainError(str(err).replace("weights file", "training checkpoint")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise TrainError(f"{path}: format {found!r}; expected a training checkpoint "
                         f"({FORMAT!r})")
    if data.get("version") != FORMAT_VERSION:
        raise TrainError(f"{path}: checkpoint version {data.get('version')!r}; expected "
                         f"{FORMAT_VERSION}")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise TrainError(f"{path}: a training checkpoint without {missing}; expected the keys "
                         f"{list(REQUIRED_KEYS)} (a damaged or hand-made file)")
    if not isinstance(data["config"], dict):
        raise TrainError(f"{path}: config is a {type(data['config']).__name__}; expected the "
                         "run's config as a table")
    return data


def model_of(data: dict[str, Any], where: str,
             weights: dict[str, torch.Tensor] | None = None) -> MultimodalTransformer:
    """The model held by a loaded checkpoint (on the CPU, in train mode): its trained
    weights, or ``weights`` (:func:`agents.train.averaging.checkpoint_weights`).

    Raises:
        TrainError: the config, vocabulary or weights do not fit together, or the weights
            are not finite.
    """
    try:
        config = ModelConfig.from_dict(data["model_config"], where=f"{where}: model_config")
        model = MultimodalTransformer(config, Tokenizer(list(data["vocab"])))
        state = data["model"] if weights is None else weights
        check_finite(state, f"{where}: model")
        model.load_state_dict(state, strict=True)
    except (ModelError, ValueError, RuntimeError) as err:
        raise TrainError(f"{where}: the model does not load "
                         f"({' '.join(str(err).split())[:300]})") from None
    return model


def export_model(model: MultimodalTransformer, directory: str | os.PathLike[str],
                 config: dict[str, Any]) -> Path:
    """``save_pretrained`` into ``directory`` plus the run's config as
    ``train_config.json``."""
    directory = Path(directory)
    write_text_atomic(directory / TRAIN_CONFIG_FILE, json.dumps(config, indent=2) + "\n")
    return model.save_pretrained(directory)


def load_model(path: str | os.PathLike[str],
               device: torch.device | str | None = None) -> MultimodalTransformer:
    """The model of a model folder (``save_pretrained``) or of a training checkpoint
    file (the weights its run evaluated: averaged with ``optim.ema``), on ``device`` (CPU
    when ``None``), in eval mode.

    Raises:
        TrainError: nothing loadable at ``path``.
    """
    path = Path(path)
    if path.is_dir():
        try:
            return MultimodalTransformer.from_pretrained(path, device)
        except ModelError as err:
            raise TrainError(str(err)) from None
    if not path.is_file():
        raise TrainError(f"{path}: no model folder or training checkpoint there")
    data = load_checkpoint(path)
    return model_of(data, str(path), checkpoint_weights(data)).to(device or "cpu").eval()


def checkpoint_config(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The training config saved with a checkpoint file or model folder (``None`` for a
    model folder written outside training)."""
    path = Path(path)
    if path.is_dir():
        file = path / TRAIN_CONFIG_FILE
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None
    return load_checkpoint(path).get("config")
