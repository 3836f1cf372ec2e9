"""ResNeXt for CIFAR (Xie et al., "Aggregated Residual Transformations", CVPR 2017), Lecture 9.

ResNeXt-29 (C x d): a 3x3 conv stem with 64 filters, then three stages of three bottleneck blocks whose 3x3
conv is split into C groups of width d (width C*d in stage 1, doubling per stage); outputs 256/512/1024
channels. resnext29_8x64d has 34.4M parameters (3.65% CIFAR-10 error in the paper); resnext29_32x4d is a
small 4.8M variant.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["CifarResNeXt"]


class ResNeXtBlock(nn.Module):
    """1x1 (C*d) - grouped 3x3 (C groups, stride) - 1x1 (out), BN after each, add shortcut, ReLU."""

    def __init__(
        self,
        in_ch: int,
        width: int,
        out_ch: int,
        cardinality: int,
        stride: int,
        norm_layer: type[nn.Module],
        act_layer: type[nn.Module],
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = norm_layer(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=cardinality, bias=False)
        self.bn2 = norm_layer(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = norm_layer(out_ch)
        self.act = act_layer()
        self.downsample = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), norm_layer(out_ch)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.act(self.bn1(self.conv1(x)))
        out = self.act(self.bn2(self.conv2(out)))
        return self.act(self.bn3(self.conv3(out)) + identity)


class CifarResNeXt(ClassifierBase):
    """x : (N, C, 32, 32) -> conv 64 -> 3 stages x 3 blocks -> (N, 1024, 8, 8) -> GAP -> fc -> (N, K)."""

    family = "resnext"
    paper = "Xie et al., Aggregated Residual Transformations for Deep Neural Networks, CVPR 2017"

    def __init__(
        self,
        cardinality: int = 8,
        base_width: int = 64,
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        blocks_per_stage: int = 3,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), True, 4
        self.conv1 = nn.Conv2d(in_chans, 64, 3, 1, 1, bias=False)
        self.bn1 = norm_layer(64)
        self.act = act_layer()
        c = 64
        for s in range(3):
            width, out = cardinality * base_width * 2**s, 256 * 2**s
            blocks = []
            for i in range(blocks_per_stage):
                stride = 2 if (s > 0 and i == 0) else 1
                blocks.append(ResNeXtBlock(c, width, out, cardinality, stride, norm_layer, act_layer))
                c = out
            self.add_module(f"layer{s + 1}", nn.Sequential(*blocks))
        self.set_head(ClassifierHead(c, num_classes, "avg"), at="fc")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.bn1(self.conv1(x)))  # (N, 64, 32, 32)
        return self.layer3(self.layer2(self.layer1(x)))  # (N, 1024, 8, 8)


@register_model
def resnext29_8x64d(num_classes: int = 10, **kw) -> CifarResNeXt:
    """ResNeXt-29, cardinality 8, width 64: 34.4M parameters."""
    return CifarResNeXt(8, 64, num_classes, **kw)


@register_model
def resnext29_32x4d(num_classes: int = 10, **kw) -> CifarResNeXt:
    """ResNeXt-29, cardinality 32, width 4: 4.8M parameters."""
    return CifarResNeXt(32, 4, num_classes, **kw)
