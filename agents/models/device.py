"""Where the model runs: pick a device and the autocast context that goes with it."""

from __future__ import annotations

import contextlib

import torch

from agents.models.errors import ModelError

_CHOICES = ("auto", "cpu", "cuda")


def pick_device(pref: str = "auto") -> torch.device:
    """The device to run on.

    Args:
        pref: ``"auto"`` (``cuda`` when available, else ``cpu``), ``"cpu"``, ``"cuda"`` or
            an indexed ``"cuda:N"``.

    Returns:
        The device.

    Raises:
        ModelError: ``pref`` is not a known choice, or asks for ``cuda`` where there is none.
    """
    kind = pref.split(":", 1)[0]
    if kind not in _CHOICES or (kind != "cuda" and ":" in pref):
        raise ModelError(f"device preference must be one of {_CHOICES} or 'cuda:N', got {pref!r}")
    if pref == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ModelError(f"device {pref!r} was asked for, but torch sees no CUDA device")
    return torch.device(pref)


def autocast_context(device: torch.device | str) -> contextlib.AbstractContextManager[object]:
    """bf16 autocast on ``cuda``; on any other device, a context that changes nothing
    (fp32 throughout, the reference numerics)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
