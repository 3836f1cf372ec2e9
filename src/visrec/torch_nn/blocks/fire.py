"""SqueezeNet's Fire module (Iandola et al. 2016): squeeze with 1x1 convs, expand with 1x1 and 3x3 convs.

x : (N, C, H, W) -> squeeze (N, s, H, W) -> concat[expand1x1 (N, e1, H, W), expand3x3 (N, e3, H, W)].
Parameter names follow torchvision (``squeeze``, ``expand1x1``, ``expand3x3``).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Fire"]


class Fire(nn.Module):
    """Fire(inplanes, squeeze, expand1x1, expand3x3) -> (N, expand1x1 + expand3x3, H, W)."""

    def __init__(
        self,
        inplanes: int,
        squeeze_planes: int,
        expand1x1_planes: int,
        expand3x3_planes: int,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, 1)
        self.squeeze_activation = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, 1)
        self.expand1x1_activation = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, 3, padding=1)
        self.expand3x3_activation = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))  # (N, s, H, W)
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )
