"""Exponential moving average (Polyak averaging) of a model's weights.

``ema = decay * ema + (1 - decay) * weights`` after every optimizer step, with the usual warm-up
``decay_t = min(decay, (1 + t) / (10 + t))`` so early averages are not dominated by the random
initialization (Polyak & Juditsky 1992; the "EMA of weights" of timm and airbench). Buffers (BatchNorm
running statistics) are averaged the same way; integer buffers are copied.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["EMA"]


class EMA:
    """A frozen copy of ``model`` whose weights track an exponential moving average.

    Parameters
    ----------
    model : the module being trained (unwrapped, not DDP)
    decay : in [0, 1); e.g. 0.999
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = float(decay)
        self.updates = 0
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        model_state = model.state_dict()
        for name, ema_value in self.module.state_dict().items():
            value = model_state[name].detach()
            if ema_value.is_floating_point():
                ema_value.lerp_(value.to(ema_value.dtype), 1.0 - d)
            else:
                ema_value.copy_(value)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.module.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor], updates: int) -> None:
        self.module.load_state_dict(state)
        self.updates = int(updates)
