"""Model checkpoint files: a folder with ``config.json`` (the format tag, the
``ModelConfig`` and the SHA-256 of the other two files), ``model.pt`` (the ``state_dict``,
written with ``torch.save`` and read with ``torch.load(weights_only=True)``) and
``vocab.txt`` (the tokenizer's tokens, one a line). Every file is written atomically (a
temporary file, then ``os.replace``); every file that is missing, corrupt or does not
match raises :class:`ModelError` naming it.

Integrity, checked on every load: a torch file is a zip archive whose members carry a
CRC-32, verified before ``torch.load`` (so one flipped bit in a tensor is refused); a model
folder's files must match the SHA-256 in its ``config.json`` (folders written before the
hashes were added are checked by CRC alone); weights that are not finite (NaN, infinity)
are refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

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

M = TypeVar("M", bound=nn.Module)


def save_torch_atomic(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save(obj)`` to ``path`` atomically."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    write_bytes_atomic(path, buf.getvalue())


def load_torch(path: str | os.PathLike[str]) -> Any:
    """``torch.load(path, map_location="cpu", weights_only=True)``, once the archive's
    CRC-32 checksums are verified (:func:`check_archive`).

    Raises:
        ModelError: the file is missing, empty, damaged, or is not a readable torch file
            of plain tensors and containers.
    """
    path = Path(path)
    check_archive(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged file
        detail = (str(err).splitlines() or [""])[0][:200]
        raise ModelError(f"{path}: not a readable torch weights file "
                         f"({type(err).__name__}: {detail})") from None


def check_archive(path: Path) -> None:
    """Refuse a torch file that is missing, empty, not a zip archive, or whose members fail
    their CRC-32 check (``torch.load`` does not check them).

    Raises:
        ModelError: naming the file and what is wrong.
    """
    if not path.is_file():
        raise ModelError(f"{path}: weights file not found")
    if path.stat().st_size == 0:
        raise ModelError(f"{path}: empty file (0 bytes); expected a torch weights file (an "
                         "interrupted copy? restore it from where it came from)")
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise ModelError(f"{path}: not a readable torch weights file (not a whole zip "
                         f"archive: {err}); expected a file written by torch.save") from None
    if bad is not None:
        raise ModelError(f"{path}: damaged: {bad} fails its CRC-32 check; expected the file "
                         "as written (restore it, or train again)")


def check_finite(state: dict[str, torch.Tensor], where: str) -> None:
    """Refuse weights with a NaN or infinite entry.

    Raises:
        ModelError: naming the first such tensor and how many entries are not finite.
    """
    for name, tensor in state.items():
        if tensor.is_floating_point() or tensor.is_complex():
            bad = int((~torch.isfinite(tensor)).sum())
            if bad:
                raise ModelError(f"{where}: tensor {name!r} has {bad} of {tensor.numel()} "
                                 "entries that are NaN or infinite; expected finite weights")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    weights = {k: v.detach().cpu() for k, v in state_dict.items()}
    buf = io.BytesIO()
    torch.save(weights, buf)
    vocab = ("\n".join(tokenizer.tokens) + "\n").encode("utf-8")
    digests = {WEIGHTS_FILE: hashlib.sha256(buf.getvalue()).hexdigest(),
               VOCAB_FILE: hashlib.sha256(vocab).hexdigest()}
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "config": config.to_dict(),
            "sha256": digests}
    write_text_atomic(directory / CONFIG_FILE, json.dumps(meta, indent=2) + "\n")
    write_bytes_atomic(directory / VOCAB_FILE, vocab)
    write_bytes_atomic(directory / WEIGHTS_FILE, buf.getvalue())
    return directory


def verify_files(directory: str | os.PathLike[str]) -> None:
    """Check the folder's files against the SHA-256 its ``config.json`` records (nothing to
    check in a folder written before the hashes were recorded).

    Raises:
        ModelError: a file whose hash differs (damaged, or changed by hand).
    """
    meta = _read_meta(Path(directory) / CONFIG_FILE, directory)
    digests = meta.get("sha256", {})
    if not isinstance(digests, dict):
        raise ModelError(f"{Path(directory) / CONFIG_FILE}: sha256 must be a table of file "
                         f"hashes, found {type(digests).__name__}")
    for name, expected in sorted(digests.items()):
        path = Path(directory) / str(name)
        if name not in (WEIGHTS_FILE, VOCAB_FILE) or not isinstance(expected, str):
            raise ModelError(f"{Path(directory) / CONFIG_FILE}: sha256 entry {name!r}: "
                             f"expected hex digests of {WEIGHTS_FILE} and {VOCAB_FILE}")
        if not path.is_file():
            raise ModelError(f"{path}: not found (listed in {CONFIG_FILE})")
        found = sha256_file(path)
        if found != expected:
            raise ModelError(f"{path}: sha256 {found[:16]}... differs from the "
                             f"{expected[:16]}... recorded in {CONFIG_FILE}; expected the file "
                             "as written (damaged, or changed by hand)")


def read_config(directory: str | os.PathLike[str]) -> ModelConfig:
    """The ``ModelConfig`` of the checkpoint in ``directory``.

    Raises:
        ModelError: ``config.json`` is missing, not JSON, of another format, or invalid.
    """
    path = Path(directory) / CONFIG_FILE
    meta = _read_meta(path, directory)
    return ModelConfig.from_dict(meta.get("config"), where=f"{path}: config")


def _read_meta(path: Path, directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``config.json`` as a dict, its format tag and version checked."""
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
    return meta


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
        ModelError: ``model.pt`` is missing, empty, damaged (CRC), not a dict of tensors,
            or holds weights that are not finite.
    """
    path = Path(directory) / WEIGHTS_FILE
    state = load_torch(path)
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ModelError(f"{path}: expected a dict of named tensors (a state_dict), "
                         f"got {type(state).__name__}")
    check_finite(state, str(path))
    return state


def load_model(cls: Callable[[ModelConfig, Tokenizer], M], directory: str | os.PathLike[str],
               device: torch.device | str | None = None) -> M:
    """The model of class ``cls`` (built from the folder's config and vocabulary) saved in
    ``directory``, its weights loaded, on ``device`` (CPU when ``None``), in eval mode
    (``MultimodalTransformer.from_pretrained``).

    Raises:
        ModelError: a file is missing, corrupt (its SHA-256 or CRC), holds weights that are
            not finite, or does not match the config.
    """
    config = read_config(directory)
    tokenizer = read_tokenizer(directory)
    if tokenizer.vocab_size != config.vocab_size:
        raise ModelError(f"{Path(directory) / VOCAB_FILE}: {tokenizer.vocab_size} tokens "
                         f"but config.vocab_size is {config.vocab_size}")
    state = read_weights(directory)
    try:
        model = cls(config, tokenizer)
    except (RuntimeError, MemoryError) as err:  # a config too large to build here
        raise ModelError(f"{Path(directory) / CONFIG_FILE}: the model it describes cannot be "
                         f"built ({type(err).__name__}: "
                         f"{(str(err).splitlines() or [''])[0][:200]})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ModelError(f"{Path(directory) / WEIGHTS_FILE}: weights do not fit the config: "
                         f"{' '.join(str(err).split())[:500]}") from None
    verify_files(directory)  # last: the checks above name a wrong file more precisely
    return model.to(device or "cpu").eval()
