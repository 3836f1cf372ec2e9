"""Optimizers and learning-rate schedules of the trainer.

The schedule is a pure function of the step (nanoGPT's ``get_lr(it)``), so resuming only needs the step
counter: ``lr(step) = base_lr * lr_factor(step, ...)``.

Schedules (``total`` = epochs * steps_per_epoch, ``warm`` = warmup_epochs * steps_per_epoch):

- none: 1
- step: gamma ** (epoch // step_epochs)                     (AlexNet / ResNet "divide by 10")
- exp: gamma ** (step / steps_per_epoch)                     (smooth per-epoch decay)
- cosine: 0.5 * (1 + cos(pi * t)),  t = (step - warm) / (total - warm)   (Loshchilov & Hutter, SGDR 2017)
- onecycle: linear 0.1 -> 1 over ``warm`` (25% of training when warmup_epochs is 0), then 1 -> 0 linearly
  (Smith, "Super-convergence", 2017; the triangular schedule of airbench)

Every schedule except onecycle gets a linear warm-up from 0 over ``warm`` steps when warmup_epochs > 0.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["build_optimizer", "lr_factor", "set_lr", "param_groups", "schedule_progress"]


_NORMS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)


def param_groups(
    model: nn.Module, weight_decay: float, no_decay_norm_bias: bool = True, norm_lr_scale: float = 1.0
) -> list[dict]:
    """Split trainable parameters into a decayed group (weights) and an undecayed one (biases, norms).

    A parameter with at most one dimension (a bias, a BatchNorm/LayerNorm scale or shift) gets no weight
    decay when ``no_decay_norm_bias``. With ``norm_lr_scale != 1`` the parameters of normalization layers
    form a third group whose learning rate is ``norm_lr_scale`` times the base one (airbench trains its
    BatchNorm shifts 64x faster than the weights). That group is undecayed when ``no_decay_norm_bias``;
    otherwise its weight decay is ``weight_decay / norm_lr_scale``, so that an SGD step shrinks it by the same
    fraction ``lr * weight_decay`` as the weights (airbench's decoupled decay). Each group's ``lr_scale``
    says its multiple.
    """
    norm_ids = set()
    if norm_lr_scale != 1.0:
        norm_ids = {id(p) for m in model.modules() if isinstance(m, _NORMS) for p in m.parameters(False)}
    decay, no_decay, norm = [], [], []
    for p in model.parameters():
        if not p.requires_grad:
            continue
        if id(p) in norm_ids:
            norm.append(p)
        else:
            (no_decay if no_decay_norm_bias and p.ndim <= 1 else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay, "lr_scale": 1.0}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0, "lr_scale": 1.0})
    if norm:
        norm_decay = 0.0 if no_decay_norm_bias else weight_decay / norm_lr_scale  # SGD: the weights' shrink per step
        groups.append({"params": norm, "weight_decay": norm_decay, "lr_scale": float(norm_lr_scale)})
    return groups


def build_optimizer(model: nn.Module, cfg) -> torch.optim.Optimizer:
    """SGD (plain / momentum / Nesterov), Adam or AdamW over ``model``'s trainable parameters."""
    groups = param_groups(model, cfg.weight_decay, cfg.no_decay_norm_bias, cfg.norm_lr_scale)
    if not any(g["params"] for g in groups):
        raise ValueError("The model has no trainable parameters; check --finetune and --init-from.")
    name = cfg.optimizer
    if name == "sgd":
        opt = torch.optim.SGD(groups, lr=cfg.lr, momentum=0.0)
    elif name in ("momentum", "nesterov"):
        opt = torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=name == "nesterov")
    elif name == "adam":
        opt = torch.optim.Adam(groups, lr=cfg.lr)
    else:
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
    for g in opt.param_groups:
        g["base_lr"] = cfg.lr * g.pop("lr_scale", 1.0)
    return opt


def lr_factor(step: int, steps_per_epoch: int, cfg, time_fraction: float = 0.0) -> float:
    """Multiplier of the base learning rate at optimizer step ``step`` (0-based).

    With a ``--max-minutes`` budget the schedule is time-aware: its progress is max(step / planned steps,
    elapsed / budget) (``time_fraction``), so cosine and one-cycle anneal exactly when the budget runs out,
    however loaded the machine is.
    """
    total = max(1, cfg.epochs * steps_per_epoch)
    if time_fraction > 0:
        step = max(step, int(min(1.0, time_fraction) * total))
    warm = int(round(cfg.warmup_epochs * steps_per_epoch))
    sched = cfg.lr_schedule
    if sched == "onecycle":
        warm = warm or max(1, int(0.25 * total))
        if step < warm:
            return 0.1 + 0.9 * step / warm
        return max(0.0, (total - step) / max(1, total - warm))
    if step < warm:
        return (step + 1) / warm
    if sched == "constant":
        return 1.0
    if sched == "step":
        return cfg.gamma ** ((step // steps_per_epoch) // cfg.step_epochs)
    if sched == "exponential":
        return cfg.gamma ** (step / steps_per_epoch)
    t = min(1.0, (step - warm) / max(1, total - warm))  # cosine
    return 0.5 * (1.0 + math.cos(math.pi * t))


def schedule_progress(step: int, steps_per_epoch: int, cfg, time_fraction: float = 0.0) -> float:
    """How far the run is, in [0, 1]: max(step / planned steps, share of the time budget used)."""
    total = max(1, cfg.epochs * steps_per_epoch)
    return min(1.0, max(step / total, time_fraction))


def set_lr(optimizer: torch.optim.Optimizer, factor: float) -> float:
    """Set every group's lr to ``base_lr * factor``; return the first group's lr."""
    for g in optimizer.param_groups:
        g["lr"] = g["base_lr"] * factor
    return optimizer.param_groups[0]["lr"]
