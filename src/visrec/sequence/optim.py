"""Optimiser and learning-rate schedule of the sequence trainers, by step (resuming needs only the step).

>>> import torch
>>> from types import SimpleNamespace
>>> cfg = SimpleNamespace(optimizer="adam", lr=1e-2, momentum=0.9, weight_decay=0.0, lr_schedule="cosine",
...                       warmup_epochs=0.0)
>>> opt = make_optimizer(torch.nn.Linear(2, 2).parameters(), cfg)
>>> lr_at(0, 100, cfg), round(lr_at(50, 100, cfg), 6), lr_at(100, 100, cfg)
(0.01, 0.005, 0.0)
"""

from __future__ import annotations

import math

import torch

from visrec.utils.errors import ParameterError

__all__ = ["make_optimizer", "lr_at", "SCHEDULES"]

SCHEDULES = ("constant", "cosine")


def make_optimizer(params, cfg) -> torch.optim.Optimizer:
    """The ``--optimizer`` of a TrainRunConfig over ``params`` (weight decay as the optimiser defines it)."""
    name, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(
            params, lr=lr, momentum=cfg.momentum, nesterov=name == "nesterov", weight_decay=wd
        )
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)


def lr_at(step: int, total: int, cfg) -> float:
    """Learning rate at optimiser step ``step`` of ``total``: constant or cosine to 0, after a linear warm-up
    of ``warmup_epochs`` (read here as a fraction of the run when < 1, else as steps)."""
    if cfg.lr_schedule not in SCHEDULES:
        raise ParameterError(f"--lr-schedule {cfg.lr_schedule}: the sequence trainers support {SCHEDULES}.")
    w = cfg.warmup_epochs
    warm = int(w * total) if w < 1 else int(w)
    if step < warm:
        return cfg.lr * (step + 1) / warm
    if cfg.lr_schedule == "constant":
        return cfg.lr
    t = min(1.0, (step - warm) / max(1, total - warm))
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * t))
