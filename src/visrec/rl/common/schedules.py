"""Schedules of a hyperparameter over environment steps (epsilon for DQN, learning rates).

>>> eps = LinearSchedule(1.0, 0.1, duration=100)
>>> eps(0), eps(50), eps(100), eps(1000)
(1.0, 0.55, 0.1, 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LinearSchedule", "ConstantSchedule"]


@dataclass(frozen=True)
class LinearSchedule:
    """``start`` at step 0, linearly to ``end`` at step ``duration``, then ``end``."""

    start: float
    end: float
    duration: int

    def __call__(self, step: int) -> float:
        if self.duration <= 0:
            return float(self.end)
        frac = min(max(step / self.duration, 0.0), 1.0)
        return float(round(self.start + frac * (self.end - self.start), 12))


@dataclass(frozen=True)
class ConstantSchedule:
    value: float

    def __call__(self, step: int) -> float:
        return float(self.value)
