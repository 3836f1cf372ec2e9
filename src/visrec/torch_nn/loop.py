"""One epoch of training and one pass of evaluation: the inner loops of the trainer.

A training step, top to bottom::

    lr = base_lr * lr_factor(step)                 # the schedule is a function of the step
    x = pipeline.train(x_uint8, generator)         # augment + normalize, on the device
    with autocast: loss = criterion(model(x), y)   # bf16 on CPU / fp16 on CUDA when --amp
    if not finite(loss): raise TrainingDiverged    # the NaN guard of the NumPy Solver
    scaler.scale(loss).backward()                  # DDP averages gradients across ranks here
    clip, scaler.step(optimizer), scaler.update(), zero_grad
    ema.update(model)
    every k steps: lookahead.sync(model, progress)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import nn

from visrec.runs.progress import StepProgress
from visrec.torch_nn.optim import lr_factor, schedule_progress, set_lr
from visrec.torch_nn.tta import predict_logits
from visrec.utils.errors import TrainingDiverged

__all__ = ["StepState", "train_one_epoch", "evaluate", "autocast_for"]


@dataclass
class StepState:
    """Counters that survive across epochs (and checkpoints)."""

    step: int = 0
    deadline: float | None = None  # time.perf_counter() value after which training stops
    budget_end: float | None = None  # the end of the whole run's --max-minutes budget
    t_start: float = 0.0
    stopped_by_budget: bool = False
    interrupt: object | None = None  # a runs.session.InterruptFlag: Ctrl-C stops after the current step
    extra: dict = field(default_factory=dict)

    def time_fraction(self) -> float:
        """Share of the training time budget used (0 without a budget): drives the time-aware schedule."""
        if self.deadline is None:
            return 0.0
        return (time.perf_counter() - self.t_start) / max(1e-9, self.deadline - self.t_start)


def autocast_for(device: torch.device, amp: bool):
    """The autocast context of ``--amp``: fp16 on CUDA, bf16 on CPU, fp16 on MPS; a no-op when off."""
    if not amp:
        return torch.autocast(device.type, enabled=False)
    dtype = torch.bfloat16 if device.type == "cpu" else torch.float16
    return torch.autocast(device.type, dtype=dtype)


def train_one_epoch(
    model,
    batches,
    pipeline,
    optimizer,
    criterion,
    state: StepState,
    cfg,
    *,
    epoch: int,
    steps_per_epoch: int,
    device,
    scaler=None,
    ema=None,
    generator=None,
    raw_model=None,
    progress: bool = True,
    lookahead=None,
) -> dict:
    """Train for one epoch; return summed counts ``{"loss_sum", "correct", "count", "seconds"}``."""
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    count = 0
    t0 = time.perf_counter()
    bar = StepProgress(f"epoch {epoch + 1}/{cfg.epochs}", steps_per_epoch, enabled=progress)
    running = None
    module = raw_model if raw_model is not None else _unwrap(model)  # what EMA and lookahead read and write
    for i, (x, y) in enumerate(batches):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        set_lr(optimizer, lr_factor(state.step, steps_per_epoch, cfg, state.time_fraction()))
        x = pipeline.train(x, generator)  # (n, C, H, W) float, augmented and normalized
        with autocast_for(device, cfg.amp):
            scores = model(x)  # (n, K)
            loss = criterion(scores, y)
        if not torch.isfinite(loss):
            raise TrainingDiverged(
                f"The loss became {loss.item()} at epoch {epoch + 1}, step {state.step}. Lower --lr "
                f"(now {cfg.lr:g}), add --lr-schedule warm-up (--warmup-epochs) or gradient clipping; "
                "the best "
                "checkpoint so far was kept."
            )
        if scaler is not None:
            scaler.scale(loss).backward()
        else:
            loss.backward()
        if cfg.grad_clip > 0:
            if scaler is not None:
                scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if ema is not None:
            ema.update(module)
        state.step += 1
        if lookahead is not None and state.step % lookahead.every == 0:
            fraction = schedule_progress(state.step, steps_per_epoch, cfg, state.time_fraction())
            lookahead.sync(module, fraction)
        loss_sum += loss.detach().double() * len(y)
        correct += (scores.detach().argmax(1) == y).sum()
        count += len(y)
        if bar.enabled and (i % 10 == 0 or i + 1 == steps_per_epoch):  # .item() syncs: not every step
            value = float(loss.detach())
            running = value if running is None else 0.9 * running + 0.1 * value
            bar.advance(i + 1, running)
        if state.interrupt is not None and state.interrupt.set:
            break
        if state.deadline is not None and time.perf_counter() > state.deadline:
            state.stopped_by_budget = True
            break
    bar.close()
    return {
        "loss_sum": float(loss_sum),
        "correct": int(correct),
        "count": count,
        "seconds": time.perf_counter() - t0,
    }


@torch.no_grad()
def evaluate(model, batches, pipeline, criterion, device, amp: bool = False, tta: bool = False,
             translate: int = 0) -> dict:
    """Summed ``{"loss_sum", "correct", "count"}`` over ``batches`` in eval mode."""
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        x = pipeline.eval(x)
        with autocast_for(device, amp):
            scores = predict_logits(model, x, tta, translate=translate if tta else 0).float()  # (n, K)
        loss_sum += float(criterion(scores, y)) * len(y)
        correct += int((scores.argmax(1) == y).sum())
        count += len(y)
    return {"loss_sum": loss_sum, "correct": correct, "count": count}


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "module", model)
