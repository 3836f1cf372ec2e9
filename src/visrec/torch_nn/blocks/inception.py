"""Inception modules of GoogLeNet (Szegedy et al. 2015), Lecture 9.

- :class:`InceptionNaive`: parallel 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool (stride 1, "same"
  padding), concatenated along depth. On 28x28x256 with 128/192/96 filters it outputs 28x28x672 and costs
  854,196,224 multiply-adds in its convs; the pool branch keeps all 256 channels, so depth only grows.
- :class:`Inception`: the dimension-reduced module. 1x1 "bottleneck" convs shrink the depth before the 3x3
  and 5x5 convs and after the pool. With the slide's 64/64/128/192/96/64 it outputs 28x28x480 and costs
  271,351,808 multiply-adds. (⚠ The slide's total says "358M ops"; its own listed terms sum to 271,351,808.)

``conv_block`` chooses what a "conv" is: :class:`ConvReLU` (conv with bias + ReLU, the 2014 paper) or
:class:`BasicConv2d` (conv without bias + BN + ReLU, torchvision's GoogLeNet, parameter names ``conv`` /
``bn``). torchvision's module uses a 3x3 kernel in its "5x5" branch (a bug it keeps for weight compatibility);
``kernel5=3`` reproduces it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BasicConv2d", "ConvReLU", "Inception", "InceptionNaive", "InceptionAux"]


class BasicConv2d(nn.Module):
    """conv (no bias) -> BatchNorm (eps 1e-3) -> ReLU, torchvision's GoogLeNet unit."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
    ):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding, bias=False)
        self.bn = norm_layer(out_ch, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class ConvReLU(nn.Module):
    """conv (with bias) -> ReLU, the 2014 paper's unit."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x))


class InceptionNaive(nn.Module):
    """x : (N, C, H, W) -> (N, c1 + c3 + c5 + C, H, W): 1x1 | 3x3 | 5x5 | 3x3 max pool, concatenated."""

    def __init__(
        self,
        in_ch: int = 256,
        ch1x1: int = 128,
        ch3x3: int = 192,
        ch5x5: int = 96,
        conv_block: type[nn.Module] = ConvReLU,
    ):
        super().__init__()
        self.branch1 = conv_block(in_ch, ch1x1, 1)
        self.branch2 = conv_block(in_ch, ch3x3, 3, padding=1)
        self.branch3 = conv_block(in_ch, ch5x5, 5, padding=2)
        self.branch4 = nn.MaxPool2d(3, 1, 1)
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + in_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class Inception(nn.Module):
    """Dimension-reduced Inception module (torchvision's argument order and parameter names).

    x : (N, C, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).
    """

    def __init__(
        self,
        in_ch: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        conv_block: type[nn.Module] = BasicConv2d,
        kernel5: int = 5,
    ):
        super().__init__()
        self.branch1 = conv_block(in_ch, ch1x1, 1)
        self.branch2 = nn.Sequential(
            conv_block(in_ch, ch3x3red, 1), conv_block(ch3x3red, ch3x3, 3, padding=1)
        )
        self.branch3 = nn.Sequential(
            conv_block(in_ch, ch5x5red, 1), conv_block(ch5x5red, ch5x5, kernel5, padding=kernel5 // 2)
        )
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), conv_block(in_ch, pool_proj, 1))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: AvgPool (to 4x4) - 1x1 conv 128 - FC 1024 - dropout 0.7 - FC K.

    x : (N, C, 14, 14) -> logits (N, K). Used in training only; its loss is added with weight 0.3.
    """

    def __init__(
        self, in_ch: int, num_classes: int, conv_block: type[nn.Module] = BasicConv2d, drop_rate: float = 0.7
    ):
        super().__init__()
        self.conv = conv_block(in_ch, 128, 1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes) if num_classes else nn.Identity()
        self.drop_rate = drop_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))  # (N, 128, 4, 4)
        x = F.relu(self.fc1(torch.flatten(x, 1)), inplace=True)  # (N, 1024)
        return self.fc2(F.dropout(x, self.drop_rate, self.training))
