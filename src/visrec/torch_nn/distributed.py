"""One training command on CPU, one GPU, or many processes under ``torchrun``.

``torchrun --nproc-per-node N -m visrec.cli.main train ...`` sets RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR and MASTER_PORT; :func:`setup` sees them, joins the process group (NCCL on CUDA, Gloo on CPU)
and picks this rank's device. The trainer then wraps the model in ``DistributedDataParallel`` (gradients
are averaged across ranks in backward), gives each rank its shard of every epoch (DistributedSampler's
rule), sums the metric counts across ranks, and lets only rank 0 write the run directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["DistInfo", "setup", "cleanup", "resolve_device", "all_reduce_sum", "broadcast_flag"]


@dataclass
class DistInfo:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1


def resolve_device(flag: str = "auto", local_rank: int = 0) -> torch.device:
    """'auto' -> cuda if available, else mps, else cpu; an explicit choice that is missing raises."""
    if flag == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank)
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if flag == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                "--device cuda was requested but torch sees no CUDA GPU; use --device cpu or auto."
            )
        return torch.device("cuda", local_rank)
    if flag == "mps":
        if not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
            raise ValueError("--device mps was requested but MPS is not available; use --device cpu or auto.")
        return torch.device("mps")
    return torch.device("cpu")


def setup(device_flag: str = "auto") -> DistInfo:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); otherwise a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_flag, local_rank)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistInfo(rank=rank, world=world, local_rank=local_rank, device=device)


def cleanup(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(values: list[float], info: DistInfo) -> list[float]:
    """Sum a few numbers over all ranks (identity in a single process)."""
    if not info.enabled:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=info.device if info.device.type == "cuda" else "cpu")
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def broadcast_flag(flag: bool, info: DistInfo) -> bool:
    """Rank 0's ``flag`` on every rank (e.g. the decision to stop early or at the time budget)."""
    if not info.enabled:
        return flag
    t = torch.tensor([1 if flag else 0], device=info.device if info.device.type == "cuda" else "cpu")
    dist.broadcast(t, src=0)
    return bool(t.item())
