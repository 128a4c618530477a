"""Model checkpoint files: a folder with ``config.json`` (the format tag and the
``ModelConfig``), ``model.pt`` (the ``state_dict``, written with ``torch.save`` and read
with ``torch.load(weights_only=True)``) and ``vocab.txt`` (the tokenizer's tokens, one a
line). Every file is written atomically (a temporary file, then ``os.replace``); every
file that is missing, corrupt or does not match raises :class:`ModelError` naming it."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import torch

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from vlnenv.fileio import write_bytes_atomic, write_text_atomic
from vlnenv.language.vocab import Tokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.pt"
VOCAB_FILE = "vocab.txt"
#: Format tag and version written into ``config.json``.
FORMAT = "vlnenv.MultimodalTransformer"
FORMAT_VERSION = 1


def save_torch_atomic(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save(obj)`` to ``path`` atomically."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    write_bytes_atomic(path, buf.getvalue())


def load_torch(path: str | os.PathLike[str]) -> Any:
    """``torch.load(path, map_location="cpu", weights_only=True)``.

    Raises:
        ModelError: the file is missing or is not a readable torch file of plain
            tensors and containers.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: weights file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged file
        raise ModelError(f"{path}: not a readable torch weights file "
                         f"({type(err).__name__}: {str(err).splitlines()[0][:200]})") from None


def write_checkpoint(
    directory: str | os.PathLike[str],
    config: ModelConfig,
    state_dict: dict[str, torch.Tensor],
    tokenizer: Tokenizer,
) -> Path:
    """Write the three files of a model checkpoint into ``directory`` (created if needed)
    and return it. The weights are written last, so a folder with ``config.json`` and
    ``vocab.txt`` but old weights can only come from an interrupted save."""
    directory = Path(directory)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "config": config.to_dict()}
    write_text_atomic(directory / CONFIG_FILE, json.dumps(meta, indent=2) + "\n")
    write_text_atomic(directory / VOCAB_FILE, "\n".join(tokenizer.tokens) + "\n")
    weights = {k: v.detach().cpu() for k, v in state_dict.items()}
    save_torch_atomic(weights, directory / WEIGHTS_FILE)
    return directory


def read_config(directory: str | os.PathLike[str]) -> ModelConfig:
    """The ``ModelConfig`` of the checkpoint in ``directory``.

    Raises:
        ModelError: ``config.json`` is missing, not JSON, of another format, or invalid.
    """
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise ModelError(f"{path}: config file not found (is {directory} a model folder "
                         f"written by save_pretrained?)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelError(f"{path}: format {found!r}; expected {FORMAT!r}")
    if meta.get("version") != FORMAT_VERSION:
        raise ModelError(f"{path}: format version {meta.get('version')!r}; "
                         f"expected {FORMAT_VERSION}")
    return ModelConfig.from_dict(meta.get("config"), where=f"{path}: config")


def read_tokenizer(directory: str | os.PathLike[str]) -> Tokenizer:
    """The tokenizer of the checkpoint in ``directory``.

    Raises:
        ModelError: ``vocab.txt`` is missing or not a valid vocabulary.
    """
    path = Path(directory) / VOCAB_FILE
    if not path.is_file():
        raise ModelError(f"{path}: vocabulary file not found")
    try:
        return Tokenizer.from_file(path)
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelError(f"{path}: not a valid vocabulary ({err})") from None


def read_weights(directory: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The ``state_dict`` of the checkpoint in ``directory`` (on the CPU).

    Raises:
        ModelError: ``model.pt`` is missing, corrupt, or not a dict of tensors.
    """
    path = Path(directory) / WEIGHTS_FILE
    state = load_torch(path)
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ModelError(f"{path}: expected a dict of named tensors (a state_dict), "
                         f"got {type(state).__name__}")
    return state
