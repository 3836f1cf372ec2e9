"""Lookahead with a rising pull-back: the weight averaging of airbench (Zhang et al. 2019; Jordan 2024).

Every ``k`` optimizer steps the slow copy moves toward the trained ("fast") weights and the fast weights are
reset to it::

    slow = decay * slow + (1 - decay) * fast;   fast = slow;   decay = 0.95**k * progress**3

``progress`` in [0, 1] is the schedule's (step / planned steps, or the share of the ``--max-minutes``
budget), so the averaging is off at the start and strongest as the learning rate anneals. BatchNorm running
statistics are averaged the same way; integer buffers are left alone.

The trainer also synchronizes at the end of every epoch, so at a checkpoint the slow copy *is* the model:
a resumed run rebuilds it from the weights and continues exactly.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Lookahead"]


class Lookahead:
    """Slow weights of ``model`` (the unwrapped module, not DDP), pulled toward it every ``every`` steps."""

    def __init__(self, model: nn.Module, every: int = 5, base: float = 0.95):
        if every < 1:
            raise ValueError(f"Lookahead needs every >= 1 step; got {every}.")
        self.every, self.base = int(every), float(base)
        self.slow = {k: v.detach().clone() for k, v in model.state_dict().items() if v.is_floating_point()}

    def decay(self, progress: float) -> float:
        """The share of the slow weights kept at ``progress`` in [0, 1]."""
        return self.base**self.every * min(1.0, max(0.0, progress)) ** 3

    @torch.no_grad()
    def sync(self, model: nn.Module, progress: float) -> None:
        """slow <- decay * slow + (1 - decay) * fast, then fast <- slow."""
        d = self.decay(progress)
        state = model.state_dict()
        for name, slow in self.slow.items():
            fast = state[name]
            slow.lerp_(fast.detach(), 1.0 - d)
            fast.copy_(slow)
