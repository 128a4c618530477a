"""Turning observations (numpy or torch, as the environments give them) into tensors on
the model's device, with instructions tokenised once and cached."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from agents.models.errors import ModelError
from vlnenv.language.vocab import Tokenizer


class ObservationBatch(NamedTuple):
    """Observation tensors on one device, with leading dims ``D`` = ``(B,)`` or ``(B, T)``."""

    image: Tensor
    """``(*D, S, S, 3)`` pixels, dtype as given (uint8 from the environment)."""
    direction: Tensor
    """``(*D,)`` int64 headings."""
    carrying: Tensor
    """``(*D,)`` int64 carried object ids."""
    ids: Tensor
    """``(B, L)`` int64 instruction ids (per episode) or ``(*D, L)`` (per step)."""
    gps: Tensor | None = None
    """``(*D, 2)`` int64 cell minus start cell, when the observations have ``gps``."""


class InstructionCache:
    """Token ids of instruction strings, padded to ``max_len``, remembered for the
    ``size`` most recently used strings (an episode repeats its instruction every step).

    Args:
        tokenizer: the vocabulary.
        max_len: ids per instruction (longer ones are truncated).
        size: strings remembered.
    """

    def __init__(self, tokenizer: Tokenizer, max_len: int, size: int = 4096) -> None:
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.size = size
        self._ids: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, texts: Any) -> np.ndarray:
        """``(*shape, max_len)`` int64 ids of a nested sequence (or array) of strings of
        shape ``shape``.

        Raises:
            ModelError: an element is not a string.
        """
        arr = np.asarray(texts, dtype=object)
        flat = arr.reshape(-1)
        rows = np.empty((flat.size, self.max_len), dtype=np.int64)
        for i, text in enumerate(flat):
            if not isinstance(text, str):
                raise ModelError(f"instruction must be text or token ids, found "
                                 f"{type(text).__name__} {text!r}")
            ids = self._ids.get(text)
            if ids is None:
                ids = self.tokenizer.encode(text, self.max_len)
                self._ids[text] = ids
                if len(self._ids) > self.size:
                    self._ids.popitem(last=False)
            else:
                self._ids.move_to_end(text)
            rows[i] = ids
        return rows.reshape(*arr.shape, self.max_len)


def _as_tensor(value: Any, name: str, device: torch.device, dtype: torch.dtype | None) -> Tensor:
    try:
        return torch.as_tensor(value, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ModelError(f"observation {name!r} cannot be made a tensor: {err}") from None


def instruction_ids(instruction: Any, cache: InstructionCache, device: torch.device) -> Tensor:
    """``(..., L)`` int64 ids of a batch of instructions given as strings (a list, nested
    list or array of them) or as integer token ids (numpy or torch)."""
    if isinstance(instruction, str):
        raise ModelError("observation 'instruction' must be a batch (a list of strings or "
                         "(B, L) ids), got a single string")
    if isinstance(instruction, Tensor):
        if instruction.is_floating_point() or instruction.is_complex():
            raise ModelError(f"instruction ids must be integers, got {instruction.dtype}")
        return instruction.to(device=device, dtype=torch.long)
    if isinstance(instruction, np.ndarray) and instruction.dtype.kind in "iu":
        return _as_tensor(instruction, "instruction", device, torch.long)
    return torch.from_numpy(cache.encode(instruction)).to(device)


def batch_observations(
    obs: Mapping[str, Any], cache: InstructionCache, device: torch.device, n_lead: int
) -> ObservationBatch:
    """Tensors of a batched observation dict.

    Args:
        obs: ``image``, ``direction``, ``carrying`` and ``instruction`` (and optionally
            ``gps``), batched over ``n_lead`` leading dims (numpy arrays, tensors or lists).
        cache: tokenises string instructions.
        device: where the tensors go.
        n_lead: 1 for ``(B,)`` batches, 2 for ``(B, T)`` sequences.

    Raises:
        ModelError: a key is missing or a shape does not fit the others.
    """
    if not isinstance(obs, Mapping):
        raise ModelError(f"observations must be a dict of batched arrays, "
                         f"got {type(obs).__name__}")
    missing = [k for k in ("image", "direction", "carrying", "instruction") if k not in obs]
    if missing:
        raise ModelError(f"observation dict lacks {missing}; it has {sorted(obs)}")
    image = _as_tensor(obs["image"], "image", device, None)
    if image.dim() != n_lead + 3:
        raise ModelError(f"observation 'image' must have {n_lead} leading dims and "
                         f"(S, S, 3), got shape {tuple(image.shape)}")
    lead = tuple(image.shape[:n_lead])
    direction = _as_tensor(obs["direction"], "direction", device, torch.long)
    carrying = _as_tensor(obs["carrying"], "carrying", device, torch.long)
    for name, t in (("direction", direction), ("carrying", carrying)):
        if tuple(t.shape) != lead:
            raise ModelError(f"observation {name!r} must have shape {lead}, "
                             f"got {tuple(t.shape)}")
    ids = instruction_ids(obs["instruction"], cache, device)
    if tuple(ids.shape[:-1]) not in (lead, lead[:1]) or ids.dim() < 2:
        raise ModelError(f"observation 'instruction' must be {lead[0]} instructions (ids of "
                         f"shape ({lead[0]}, L)) or one per step ({lead}, L); got ids of "
                         f"shape {tuple(ids.shape)}")
    gps = None
    if obs.get("gps") is not None:
        gps = _as_tensor(obs["gps"], "gps", device, torch.long)
        if tuple(gps.shape) != (*lead, 2):
            raise ModelError(f"observation 'gps' must have shape {(*lead, 2)}, "
                             f"got {tuple(gps.shape)}")
    return ObservationBatch(image, direction, carrying, ids, gps)
