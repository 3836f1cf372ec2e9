"""ImageNet ResNets (He et al. 2016) and their relatives, in torchvision's layout, Lecture 9.

``conv1`` 7x7 s2 -> ``bn1`` -> ``relu`` -> ``maxpool`` -> ``layer1..layer4`` -> ``avgpool`` -> ``fc``, with
blocks named ``layerS.B.conv1/bn1/conv2/bn2(/conv3/bn3)`` and projection shortcuts ``downsample.0`` (1x1
conv) / ``downsample.1`` (BN), so torchvision state dicts load. Basic blocks (two 3x3) for depths 18/34,
bottlenecks (1x1-3x3-1x1, stride on the 3x3 as in torchvision's "v1.5") for 50/101/152.

Relatives: ResNeXt (Xie et al. 2017, cardinality = ``groups`` of the 3x3), Wide ResNet-50-2 (Zagoruyko &
Komodakis 2016, bottleneck width x2) and SE-ResNet (Hu et al. 2018, a squeeze-excite gate before the add;
extra ``se.*`` parameters). Counts at K=1000: resnet18 11,689,512; resnet34 21,797,672; resnet50 25,557,032;
resnet101 44,549,160; resnet152 60,192,808; resnext50_32x4d 25,028,904; wide_resnet50_2 68,883,240.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.blocks.se import SqueezeExcite
from visrec.torch_nn.models.base import ClassifierBase, kaiming_normal_
from visrec.torch_nn.registry import register_model

__all__ = ["ResNet", "BasicBlock", "Bottleneck"]


class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU-3x3 conv-BN (+SE), add the shortcut, ReLU. (N, Cin, H, W) -> (N, C, H/s, W/s)."""

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        se_reduction: int = 0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64 (use a bottleneck depth).")
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(planes)
        self.relu = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(planes)
        self.se = SqueezeExcite(planes, se_reduction) if se_reduction else None
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.se is not None:
            out = self.se(out)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce - 3x3 (stride, groups) - 1x1 expand x4, add the shortcut, ReLU."""

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        se_reduction: int = 0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = norm_layer(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = norm_layer(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = norm_layer(planes * 4)
        self.relu = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()
        self.se = SqueezeExcite(planes * 4, se_reduction) if se_reduction else None
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, width, H, W)
        out = self.relu(self.bn2(self.conv2(out)))  # (N, width, H/s, W/s)
        out = self.bn3(self.conv3(out))  # (N, 4*planes, H/s, W/s)
        if self.se is not None:
            out = self.se(out)
        return self.relu(out + identity)


class ResNet(ClassifierBase):
    """x : (N, C, H, W) -> stem (N, 64, H/4, W/4) -> 4 stages -> (N, 512*e, H/32, W/32) -> GAP -> fc."""

    family = "resnet"
    paper = "He et al., Deep Residual Learning for Image Recognition, CVPR 2016"

    def __init__(
        self,
        block: type[nn.Module],
        layers: list[int],
        num_classes: int = 10,
        in_chans: int = 3,
        groups: int = 1,
        width_per_group: int = 64,
        se_reduction: int = 0,
        drop_rate: float = 0.0,
        zero_init_residual: bool = False,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, 224, 224), False, 32
        self._kw = dict(
            groups=groups,
            base_width=width_per_group,
            se_reduction=se_reduction,
            norm_layer=norm_layer,
            act_layer=act_layer,
        )
        self.inplanes = 64
        self.conv1 = nn.Conv2d(in_chans, 64, 7, 2, 3, bias=False)
        self.bn1 = norm_layer(64)
        self.relu = act_layer(inplace=True) if act_layer is nn.ReLU else act_layer()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, 64, layers[0], 1)
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.set_head(ClassifierHead(512 * block.expansion, num_classes, "avg", drop_rate), at="fc")
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init_residual:  # each block starts as the identity (Goyal et al. 2017)
            for m in self.modules():
                last_bn = getattr(m, "bn3", None) if isinstance(m, Bottleneck) else getattr(m, "bn2", None)
                if isinstance(m, (BasicBlock, Bottleneck)) and last_bn is not None:
                    nn.init.zeros_(last_bn.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int) -> nn.Sequential:
        norm_layer = self._kw["norm_layer"]
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                norm_layer(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample, **self._kw)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, **self._kw) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, H/4, W/4)
        x = self.layer2(self.layer1(x))  # (N, 128e, H/8, W/8)
        return self.layer4(self.layer3(x))  # (N, 512e, H/32, W/32)


@register_model
def resnet18(num_classes: int = 10, **kw) -> ResNet:
    """ResNet-18: basic blocks [2, 2, 2, 2]; 11,689,512 parameters at K=1000."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, **kw)


@register_model
def resnet34(num_classes: int = 10, **kw) -> ResNet:
    """ResNet-34: basic blocks [3, 4, 6, 3]; 21,797,672 parameters at K=1000."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, **kw)


@register_model
def resnet50(num_classes: int = 10, **kw) -> ResNet:
    """ResNet-50: bottlenecks [3, 4, 6, 3]; 25,557,032 parameters at K=1000."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, **kw)


@register_model
def resnet101(num_classes: int = 10, **kw) -> ResNet:
    """ResNet-101: bottlenecks [3, 4, 23, 3]; 44,549,160 parameters at K=1000."""
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, **kw)


@register_model
def resnet152(num_classes: int = 10, **kw) -> ResNet:
    """ResNet-152: bottlenecks [3, 8, 36, 3]; 60,192,808 parameters at K=1000 (ILSVRC'15 winner, 3.57%)."""
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes, **kw)


@register_model(family="resnext")
def resnext50_32x4d(num_classes: int = 10, **kw) -> ResNet:
    """ResNeXt-50 32x4d: cardinality 32, width 4 per group; 25,028,904 parameters at K=1000."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, groups=32, width_per_group=4, **kw)


@register_model(family="resnext")
def resnext101_32x8d(num_classes: int = 10, **kw) -> ResNet:
    """ResNeXt-101 32x8d; 88,791,336 parameters at K=1000."""
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, groups=32, width_per_group=8, **kw)


@register_model(family="wide_resnet")
def wide_resnet50_2(num_classes: int = 10, **kw) -> ResNet:
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide; 68,883,240 parameters at K=1000."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, width_per_group=128, **kw)


@register_model(family="se_resnet")
def se_resnet18(num_classes: int = 10, se_reduction: int = 16, **kw) -> ResNet:
    """ResNet-18 with a squeeze-excite gate (r=16) in every block."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, se_reduction=se_reduction, **kw)


@register_model(family="se_resnet")
def se_resnet50(num_classes: int = 10, se_reduction: int = 16, **kw) -> ResNet:
    """SE-ResNet-50 (r=16); 28,088,024 parameters at K=1000 in the paper's count."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, se_reduction=se_reduction, **kw)
