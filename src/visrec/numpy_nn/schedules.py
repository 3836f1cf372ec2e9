"""Learning-rate schedules of Lecture 7 (L7905-7921), as pure functions of the epoch.

A schedule is an object with ``lr(epoch) -> float`` (epoch counted from 0) and ``config() -> dict``;
``make_schedule(config)`` rebuilds it. Being a pure function of the epoch makes resuming exact.

=============  ============================================  ==========================================
name           lr(t)                                         torch.optim.lr_scheduler twin
=============  ============================================  ==========================================
constant       a0                                            (none)
step           a0 * gamma ** floor(t / step_size)             StepLR(step_size, gamma)
exponential    a0 * exp(-k t)                                 ExponentialLR(gamma = exp(-k))
inverse_time   a0 / (1 + k t)   ("1/t decay")                 LambdaLR(lambda t: 1 / (1 + k t))
cosine         SGDR: eta_min + (a0 - eta_min)(1 + cos(pi      CosineAnnealingWarmRestarts(T_0, T_mult,
               t_cur / T_i)) / 2, restarting every T_i        eta_min)
warmup         wrap any schedule: multiply by a factor that   LinearLR(start_factor, 1.0, total_iters)
               rises linearly from start_factor to 1
=============  ============================================  ==========================================
"""

from __future__ import annotations

import math

from visrec.utils.errors import ParameterError
from visrec.utils.validation import check_choice, check_float, check_int


class Constant:
    def __init__(self, lr: float):
        self.base_lr = check_float("lr", lr, low=0.0)

    def lr(self, epoch: int) -> float:
        return self.base_lr

    def config(self) -> dict:
        return {"name": "constant", "lr": self.base_lr}


class StepDecay(Constant):
    """Multiply by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, lr: float, step_size: int = 10, gamma: float = 0.1):
        super().__init__(lr)
        self.step_size = check_int("step_size", step_size, low=1, owner="StepDecay")
        self.gamma = check_float("gamma", gamma, low=0.0, owner="StepDecay")

    def lr(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)

    def config(self) -> dict:
        return {"name": "step", "lr": self.base_lr, "step_size": self.step_size, "gamma": self.gamma}


class ExponentialDecay(Constant):
    """``a0 * exp(-k t)`` (torch's ``gamma ** t`` with ``gamma = exp(-k)``)."""

    def __init__(self, lr: float, k: float = 0.05):
        super().__init__(lr)
        self.k = check_float("k", k, low=0.0, owner="ExponentialDecay")

    def lr(self, epoch: int) -> float:
        return self.base_lr * math.exp(-self.k * epoch)

    def config(self) -> dict:
        return {"name": "exponential", "lr": self.base_lr, "k": self.k}


class InverseTimeDecay(Constant):
    """``a0 / (1 + k t)``."""

    def __init__(self, lr: float, k: float = 0.1):
        super().__init__(lr)
        self.k = check_float("k", k, low=0.0, owner="InverseTimeDecay")

    def lr(self, epoch: int) -> float:
        return self.base_lr / (1.0 + self.k * epoch)

    def config(self) -> dict:
        return {"name": "inverse_time", "lr": self.base_lr, "k": self.k}


class CosineWarmRestarts(Constant):
    """SGDR (Loshchilov & Hutter 2017): cosine annealing restarted after T_0, T_0 T_mult, ... epochs."""

    def __init__(self, lr: float, T_0: int = 10, T_mult: int = 1, eta_min: float = 0.0):
        super().__init__(lr)
        self.T_0 = check_int("T_0", T_0, low=1, owner="CosineWarmRestarts")
        self.T_mult = check_int("T_mult", T_mult, low=1, owner="CosineWarmRestarts")
        self.eta_min = check_float("eta_min", eta_min, low=0.0, owner="CosineWarmRestarts")

    def cycle(self, epoch: int) -> tuple[int, int]:
        """Return ``(t_cur, T_i)``: the position inside the current cycle and that cycle's length."""
        t, length = epoch, self.T_0
        while t >= length:
            t -= length
            length *= self.T_mult
        return t, length

    def lr(self, epoch: int) -> float:
        t_cur, t_i = self.cycle(epoch)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    def config(self) -> dict:
        return {
            "name": "cosine",
            "lr": self.base_lr,
            "T_0": self.T_0,
            "T_mult": self.T_mult,
            "eta_min": self.eta_min,
        }


class LinearWarmup:
    """Multiply ``inner.lr(t)`` by ``start + (1 - start) * min(t, warmup_epochs) / warmup_epochs``."""

    def __init__(self, inner, warmup_epochs: int = 5, start_factor: float = 0.1):
        self.inner = inner
        self.warmup_epochs = check_int("warmup_epochs", warmup_epochs, low=1, owner="LinearWarmup")
        self.start_factor = check_float("start_factor", start_factor, low=0.0, high=1.0, owner="LinearWarmup")

    @property
    def base_lr(self) -> float:
        return self.inner.base_lr

    def lr(self, epoch: int) -> float:
        frac = min(epoch, self.warmup_epochs) / self.warmup_epochs
        return self.inner.lr(epoch) * (self.start_factor + (1.0 - self.start_factor) * frac)

    def config(self) -> dict:
        return {**self.inner.config(), "warmup_epochs": self.warmup_epochs, "start_factor": self.start_factor}


SCHEDULES = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "inverse_time": InverseTimeDecay,
    "cosine": CosineWarmRestarts,
}


def parse_schedule(text, lr: float) -> dict:
    """``"step:step_size=5,gamma=0.5"`` -> ``{"name": "step", "lr": lr, "step_size": 5, "gamma": 0.5}``.

    The ``--lr-schedule`` spelling: a schedule name, then optionally ``:`` and ``key=value`` options.

    >>> parse_schedule("cosine:T_0=5", 0.1)
    {'name': 'cosine', 'lr': 0.1, 'T_0': 5}
    """
    if isinstance(text, dict):
        return {**text, "lr": lr}
    name, _, opts = str(text).partition(":")
    sched = {"name": name.strip(), "lr": lr}
    for item in filter(None, (o.strip() for o in opts.split(","))):
        key, eq, val = item.partition("=")
        if not eq:
            raise ParameterError(
                f"--lr-schedule options look like 'step:step_size=5,gamma=0.5'; got {text!r}."
            )
        try:
            num = float(val)
        except ValueError:
            raise ParameterError(
                f"--lr-schedule option {key.strip()!r} needs a number; got {val!r}."
            ) from None
        key = key.strip()
        sched[key] = int(num) if num.is_integer() and key in _INT_OPTIONS else num
    return sched


_INT_OPTIONS = ("step_size", "T_0", "T_mult", "warmup_epochs")


def make_schedule(config: dict | str | None, lr: float | None = None):
    """Build a schedule from ``{"name": ..., "lr": ..., **options}`` (or a bare name plus ``lr``).

    ``warmup_epochs`` / ``start_factor`` in the dict wrap the schedule in ``LinearWarmup``.

    >>> round(make_schedule({"name": "step", "lr": 0.1, "step_size": 2}).lr(4), 6)
    0.001
    """
    if config is None:
        config = "constant"
    if isinstance(config, str):
        config = {"name": config}
    config = dict(config)
    name = check_choice("lr_schedule", config.pop("name", "constant"), SCHEDULES)
    if lr is not None:
        config["lr"] = lr
    if "lr" not in config:
        raise ValueError(
            f"Schedule {name!r} needs a base learning rate: pass lr=... or put 'lr' in the config."
        )
    warm = {k: config.pop(k) for k in ("warmup_epochs", "start_factor") if k in config}
    try:
        sched = SCHEDULES[name](**config)
    except TypeError as exc:
        raise TypeError(f"Bad options for the {name!r} learning-rate schedule: {exc}") from None
    return LinearWarmup(sched, **warm) if warm else sched
