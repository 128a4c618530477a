"""Data-parallel training across processes: ``torchrun --nproc_per_node=K -m agents.train
bc ...``.

torchrun sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``; :func:`setup` then joins the
process group (``nccl`` on cuda, ``gloo`` on the CPU) and gives each rank its device
(``cuda:<local rank>``). Every rank trains on its own shard of the demonstrations with
the model wrapped in ``DistributedDataParallel`` (gradients averaged across ranks at each
backward pass, so every rank takes the same optimiser step); rank 0 evaluates, logs and
writes checkpoints. Without torchrun (or with one process) nothing here talks to anyone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from agents.models.device import pick_device

if TYPE_CHECKING:
    from agents.models import MultimodalTransformer, RecurrentState


@dataclass(frozen=True)
class Context:
    """Where this process stands in the run."""

    rank: int
    """Global rank (0 is the main process)."""
    world: int
    """Number of processes."""
    local_rank: int
    """Rank on this machine (which GPU)."""
    device: torch.device
    """Where this rank's model lives."""

    @property
    def main(self) -> bool:
        """Whether this is rank 0 (evaluates, logs, writes)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether there is more than one process."""
        return self.world > 1


def setup(device_pref: str = "auto") -> Context:
    """Join the process group when started by torchrun with ``WORLD_SIZE`` > 1.

    Args:
        device_pref: ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (see
            :func:`agents.models.pick_device`); under torchrun, cuda means
            ``cuda:<LOCAL_RANK>``.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_pref)
    if world > 1:
        if device.type == "cuda":
            device = torch.device("cuda", local_rank)
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Context(rank, world, local_rank, device)


def teardown(ctx: Context) -> None:
    """Leave the process group (after a last barrier)."""
    if ctx.distributed and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def barrier(ctx: Context) -> None:
    """Wait for every rank."""
    if ctx.distributed:
        dist.barrier()


class SequenceModule(nn.Module):
    """``forward(obs, state, done, track_weights)`` = ``model.forward_sequence``, so that
    ``DistributedDataParallel``, which hooks ``forward``, wraps sequence training."""

    def __init__(self, model: MultimodalTransformer) -> None:
        super().__init__()
        self.model = model

    def forward(self, obs: Mapping[str, Tensor], state: RecurrentState, done: Tensor,
                track_weights: bool = False) -> Any:
        return self.model.forward_sequence(obs, state, done, track_weights=track_weights)


def wrap(module: nn.Module, ctx: Context) -> nn.Module:
    """``module`` in ``DistributedDataParallel`` when distributed, else itself.

    ``find_unused_parameters`` is on: the value head (and the progress head when its loss
    is off) gets no gradient from imitation losses.
    """
    if not ctx.distributed:
        return module
    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids,
                                               find_unused_parameters=True)


def mean_across(value: float, ctx: Context) -> float:
    """The mean of ``value`` over the ranks."""
    if not ctx.distributed:
        return float(value)
    t = torch.tensor([float(value)], dtype=torch.float64, device=_comm_device(ctx))
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return float(t.item()) / ctx.world


def any_across(flag: bool, ctx: Context) -> bool:
    """Whether ``flag`` is true on any rank (every rank gets the same answer)."""
    if not ctx.distributed:
        return bool(flag)
    t = torch.tensor([int(bool(flag))], dtype=torch.int64, device=_comm_device(ctx))
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def gather(obj: Any, ctx: Context) -> list[Any]:
    """Every rank's ``obj`` (picklable), in rank order, on every rank."""
    if not ctx.distributed:
        return [obj]
    out: list[Any] = [None] * ctx.world
    dist.all_gather_object(out, obj)
    return out


def broadcast(obj: Any, ctx: Context) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not ctx.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _comm_device(ctx: Context) -> torch.device:
    return ctx.device if ctx.device.type == "cuda" else torch.device("cpu")


def weights_digest(module: nn.Module) -> str:
    """SHA-256 of every parameter and buffer's bytes, in ``state_dict`` order: equal on
    two ranks exactly when their weights are bit-for-bit equal."""
    h = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()
