"""Pre-activation ResNets (He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016), Lecture 9.

Moving BN and ReLU *before* each conv (BN-ReLU-conv-BN-ReLU-conv) leaves a clean identity path from any
block to any later one, which trains 1000-layer nets. A final BN-ReLU follows the last block.

Registered: ``preact_resnet18`` (ImageNet stem, 224x224), ``preact_resnet18_cifar`` (3x3 stem, 64-512
channels, 32x32: the widely used "PreActResNet18" for CIFAR), ``preact_resnet20/56/110`` (the paper's CIFAR
6n+2 nets, 16/32/64 channels) and ``preact_resnet164`` (bottleneck, 9n+2, 1.7M parameters).
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase, kaiming_normal_
from visrec.torch_nn.registry import register_model

__all__ = ["PreActBlock", "PreActBottleneck", "PreActResNet"]


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-(dropout)-conv3x3, plus the shortcut (1x1 conv on the pre-activated input when
    the shape changes). (N, Cin, H, W) -> (N, C, H/s, W/s)."""

    expansion = 1

    def __init__(
        self,
        in_ch: int,
        planes: int,
        stride: int = 1,
        drop_rate: float = 0.0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.bn1 = norm_layer(in_ch)
        self.act1 = act_layer()
        self.conv1 = nn.Conv2d(in_ch, planes, 3, stride, 1, bias=False)
        self.bn2 = norm_layer(planes)
        self.act2 = act_layer()
        self.dropout = nn.Dropout(drop_rate) if drop_rate else nn.Identity()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.shortcut = (
            nn.Conv2d(in_ch, planes, 1, stride, bias=False) if stride != 1 or in_ch != planes else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(out)
        out = self.conv1(out)
        out = self.conv2(self.dropout(self.act2(self.bn2(out))))
        return out + identity


class PreActBottleneck(nn.Module):
    """BN-ReLU-1x1 - BN-ReLU-3x3 (stride) - BN-ReLU-1x1 (x4), plus the shortcut."""

    expansion = 4

    def __init__(
        self,
        in_ch: int,
        planes: int,
        stride: int = 1,
        drop_rate: float = 0.0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        out_ch = planes * 4
        self.bn1, self.act1 = norm_layer(in_ch), act_layer()
        self.conv1 = nn.Conv2d(in_ch, planes, 1, bias=False)
        self.bn2, self.act2 = norm_layer(planes), act_layer()
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3, self.act3 = norm_layer(planes), act_layer()
        self.conv3 = nn.Conv2d(planes, out_ch, 1, bias=False)
        self.shortcut = (
            nn.Conv2d(in_ch, out_ch, 1, stride, bias=False) if stride != 1 or in_ch != out_ch else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(out)
        out = self.conv1(out)
        out = self.conv2(self.act2(self.bn2(out)))
        out = self.conv3(self.act3(self.bn3(out)))
        return out + identity


class PreActResNet(ClassifierBase):
    """x : (N, C, H, W) -> stem -> stages of pre-activation blocks -> BN-ReLU -> GAP -> fc -> (N, K)."""

    family = "preact_resnet"
    paper = "He et al., Identity Mappings in Deep Residual Networks, ECCV 2016"

    def __init__(
        self,
        block: type[nn.Module],
        layers: list[int],
        widths: list[int],
        num_classes: int = 10,
        in_chans: int = 3,
        cifar_stem: bool = True,
        img_size: int | None = None,
        stem_width: int = 0,
        drop_rate: float = 0.0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        size = img_size or (32 if cifar_stem else 224)
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size = (in_chans, size, size), cifar_stem
        self.min_input_size = size if cifar_stem else 32
        stem_width = stem_width or widths[0]
        if cifar_stem:
            self.conv1 = nn.Conv2d(in_chans, stem_width, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_chans, stem_width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        c = stem_width
        for s, (n, w) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for i in range(n):
                stride = 2 if (s > 0 and i == 0) else 1
                blocks.append(block(c, w, stride, drop_rate, norm_layer, act_layer))
                c = w * block.expansion
            self.add_module(f"layer{s + 1}", nn.Sequential(*blocks))
        self.num_stages = len(layers)
        self.bn = norm_layer(c)
        self.act = act_layer()
        self.set_head(ClassifierHead(c, num_classes, "avg"), at="fc")
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.conv1(x))
        for s in range(self.num_stages):
            x = getattr(self, f"layer{s + 1}")(x)
        return self.act(self.bn(x))  # (N, F, h, w)


@register_model
def preact_resnet18(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-18 for 224x224 (7x7 stem + max pool), 11.7M parameters."""
    return PreActResNet(PreActBlock, [2, 2, 2, 2], [64, 128, 256, 512], num_classes, cifar_stem=False, **kw)


@register_model
def preact_resnet18_cifar(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-18 for 32x32 (3x3 stem, no max pool), 11.2M parameters."""
    return PreActResNet(PreActBlock, [2, 2, 2, 2], [64, 128, 256, 512], num_classes, cifar_stem=True, **kw)


@register_model
def preact_resnet20(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-20 for CIFAR (16/32/64 channels), 0.27M parameters."""
    return PreActResNet(PreActBlock, [3, 3, 3], [16, 32, 64], num_classes, **kw)


@register_model
def preact_resnet56(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-56 for CIFAR, 0.86M parameters."""
    return PreActResNet(PreActBlock, [9, 9, 9], [16, 32, 64], num_classes, **kw)


@register_model
def preact_resnet110(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-110 for CIFAR, 1.7M parameters (6.37% error in the paper)."""
    return PreActResNet(PreActBlock, [18, 18, 18], [16, 32, 64], num_classes, **kw)


@register_model
def preact_resnet164(num_classes: int = 10, **kw) -> PreActResNet:
    """Pre-activation ResNet-164 for CIFAR: bottlenecks, 18 per stage, 1.7M parameters (5.46% error)."""
    return PreActResNet(PreActBottleneck, [18, 18, 18], [16, 32, 64], num_classes, **kw)
