"""Squeeze-and-Excitation block (Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018).

Squeeze: global average pool (N, C, H, W) -> (N, C). Excite: FC C -> C/r, ReLU, FC C/r -> C, sigmoid.
Scale: multiply each channel of the input by its gate. The FCs are 1x1 convs (same parameters).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SqueezeExcite"]


class SqueezeExcite(nn.Module):
    """x : Tensor of shape (N, C, H, W) -> x * gate, gate of shape (N, C, 1, 1) in (0, 1)."""

    def __init__(
        self,
        channels: int,
        reduction: int = 16,
        min_channels: int = 4,
        act_layer: type[nn.Module] = nn.ReLU,
        gate_layer: type[nn.Module] = nn.Sigmoid,
    ):
        super().__init__()
        hidden = max(min_channels, channels // reduction)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.act = act_layer()
        self.fc2 = nn.Conv2d(hidden, channels, 1)
        self.gate = gate_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.pool(x)  # (N, C, 1, 1)
        s = self.gate(self.fc2(self.act(self.fc1(s))))  # (N, C, 1, 1)
        return x * s
