"""Training throughput of the multimodal policy, per fusion.

For every registered fusion, times forward + backward of one policy step (action
cross-entropy, value and progress losses) at batch 64 on real first observations of
generated episodes, and reports samples/s and the model FLOP utilisation (MFU):
achieved matmul FLOP/s (fwd + bwd, counted with ``torch.utils.flop_counter``, attention
included) divided by this machine's matrix-multiply FLOP/s, measured in the same run with
a large square matmul (fp32 on the CPU, bf16 on cuda, where the model runs under bf16
autocast).

Run::

    python benchmarks/model_throughput.py [--device auto|cpu|cuda] [--batch 64]
                                          [--preset default|large] [--seconds 6]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

from agents.models import FUSIONS, ModelConfig, MultimodalTransformer
from agents.models.device import autocast_context, pick_device
from vlnenv import GridHouseEnv

_aten = torch.ops.aten


def _register_cpu_attention_flops() -> None:
    """Teach the flop counter the CPU flash-attention kernels (it knows only the cuda ones;
    without this, attention would count zero FLOPs on the CPU)."""
    fwd = _aten._scaled_dot_product_flash_attention_for_cpu
    bwd = _aten._scaled_dot_product_flash_attention_for_cpu_backward
    if fwd not in flop_counter.flop_registry:
        @flop_counter.register_flop_formula(fwd)
        def fwd_flop(query: Any, key: Any, value: Any, *args: Any, out_shape: Any = None,
                     **kwargs: Any) -> int:
            return flop_counter.sdpa_flop_count(query, key, value)
    if bwd not in flop_counter.flop_registry:
        @flop_counter.register_flop_formula(bwd)
        def bwd_flop(grad_out: Any, query: Any, key: Any, value: Any, *args: Any,
                     out_shape: Any = None, **kwargs: Any) -> int:
            return flop_counter.sdpa_backward_flop_count(grad_out, query, key, value)


def matmul_peak(device: torch.device, n: int = 2048, seconds: float = 2.0) -> float:
    """This machine's matrix-multiply FLOP/s: the fastest of repeated single ``n x n`` by
    ``n x n`` matmuls (fp32 on the CPU, bf16 on cuda) over ``seconds``."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    gen = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    b = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    reps = 1 if device.type == "cpu" else 20
    a @ b
    best = float("inf")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        _sync(device)
        best = min(best, (time.perf_counter() - t0) / reps)
    return 2 * n**3 / best


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def observations(batch: int, seed: int = 0) -> dict[str, Any]:
    """First observations of ``batch`` generated episodes, stacked."""
    env = GridHouseEnv()
    rows = [env.reset(seed=seed + i)[0] for i in range(batch)]
    return {
        "image": np.stack([r["image"] for r in rows]),
        "direction": np.array([r["direction"] for r in rows]),
        "carrying": np.array([r["carrying"] for r in rows]),
        "instruction": [r["instruction"] for r in rows],
    }


def train_step(model: MultimodalTransformer, obs: dict[str, Any], target: torch.Tensor,
               device: torch.device) -> None:
    """Forward and backward of one step's imitation, value and progress losses."""
    with autocast_context(device):
        out = model(obs)
    loss = (F.cross_entropy(out.logits, target) + out.value.square().mean()
            + F.binary_cross_entropy(out.progress, torch.full_like(out.progress, 0.5)))
    loss.backward()
    model.zero_grad(set_to_none=True)


def measure(fusion: str, preset: str, obs: dict[str, Any], device: torch.device,
            seconds: float) -> dict[str, float]:
    """Parameters, FLOPs per step, and the fastest and median step times over
    ``seconds`` of one fusion."""
    config = getattr(ModelConfig, preset)(fusion=fusion)
    model = MultimodalTransformer(config).to(device).train()
    batch = len(obs["instruction"])
    ids = torch.from_numpy(model.instructions.encode(obs["instruction"]))
    tensors = {"image": torch.as_tensor(obs["image"]), "direction": torch.as_tensor(
        obs["direction"]), "carrying": torch.as_tensor(obs["carrying"]), "instruction": ids}
    tensors = {k: v.to(device) for k, v in tensors.items()}
    target = torch.arange(batch, device=device) % config.n_actions
    with FlopCounterMode(display=False) as counter:
        train_step(model, tensors, target, device)
    for _ in range(2):
        train_step(model, tensors, target, device)
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 3:
        _sync(device)
        t0 = time.perf_counter()
        train_step(model, tensors, target, device)
        _sync(device)
        times.append(time.perf_counter() - t0)
    return {"params": model.num_parameters(), "flops": counter.get_total_flops(),
            "best_s": min(times), "median_s": float(np.median(times)), "steps": len(times)}


def main() -> None:
    """Print the throughput table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--preset", default="default", choices=("default", "large"))
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="timing budget per fusion")
    args = parser.parse_args()
    device = pick_device(args.device)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(cores or 1)
    _register_cpu_attention_flops()
    obs = observations(args.batch)
    peak = matmul_peak(device)
    results = {}
    for fusion in sorted(FUSIONS):
        results[fusion] = measure(fusion, args.preset, obs, device, args.seconds)
        peak = max(peak, matmul_peak(device, seconds=0.5))
    precision = "bf16 autocast" if device.type == "cuda" else "fp32"
    print(f"device {device} ({precision}), torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()} (cores {cores}), batch {args.batch}, "
          f"preset {args.preset}, load average {os.getloadavg()[0]:.2f}")
    print(f"matmul peak (fastest 2048^3 {'bf16' if device.type == 'cuda' else 'fp32'} "
          f"matmul): {peak / 1e9:.1f} GFLOP/s")
    print("fwd+bwd of one step; 'best' is the fastest step (the machine's own speed when "
          "nothing else runs), 'median' the typical one")
    print(f"{'fusion':<14}{'params':>11}{'GFLOP/step':>12}{'steps':>7}{'samples/s':>11}"
          f"{'(median)':>10}{'MFU':>7}{'(median)':>10}")
    for fusion, r in results.items():
        best, median = r["flops"] / r["best_s"], r["flops"] / r["median_s"]
        print(f"{fusion:<14}{r['params']:>11,}{r['flops'] / 1e9:>12.2f}{r['steps']:>7}"
              f"{args.batch / r['best_s']:>11.0f}{args.batch / r['median_s']:>10.0f}"
              f"{best / peak:>7.1%}{median / peak:>10.1%}")

if __name__ == "__main__":
    main()
