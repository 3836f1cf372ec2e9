"""DenseNet (Huang et al. 2017), Lecture 9: inside a dense block every layer receives the concatenation of
all earlier feature maps and adds ``growth_rate`` new channels; transitions (BN-ReLU-1x1 conv-2x2 avg pool)
shrink channels (by ``compression``) and resolution between blocks.

torchvision's layout: ``features.conv0/norm0/relu0/pool0``, ``features.denseblockB.denselayerL.norm1/conv1/
norm2/conv2``, ``features.transitionB.norm/conv``, ``features.norm5``, ``classifier``. densenet121 has
7,978,856 parameters at K=1000. ``densenet_bc100`` is the CIFAR DenseNet-BC (L=100, k=12, 3 blocks of 16
bottleneck layers, compression 0.5): 0.8M parameters.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase, kaiming_normal_
from visrec.torch_nn.registry import register_model

__all__ = ["DenseNet"]


class DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (bn_size*k) - BN-ReLU-3x3 conv (k). (N, C, H, W) -> (N, k, H, W) new maps."""

    def __init__(
        self, in_ch: int, growth_rate: int, bn_size: int, drop_rate: float, norm_layer: type[nn.Module]
    ):
        super().__init__()
        self.norm1 = norm_layer(in_ch)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_ch, bn_size * growth_rate, 1, bias=False)
        self.norm2 = norm_layer(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = drop_rate

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        x = torch.cat(features, 1)  # (N, C0 + l*k, H, W)
        x = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))  # (N, k, H, W)
        return F.dropout(x, self.drop_rate, self.training) if self.drop_rate else x


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers; returns the concatenation of the input and every layer's output."""

    def __init__(
        self,
        num_layers: int,
        in_ch: int,
        growth_rate: int,
        bn_size: int,
        drop_rate: float,
        norm_layer: type[nn.Module],
    ):
        super().__init__()
        for i in range(num_layers):
            layer = DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size, drop_rate, norm_layer)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)  # (N, C0 + L*k, H, W)


class Transition(nn.Sequential):
    """BN-ReLU-1x1 conv-2x2 average pool: (N, C, H, W) -> (N, C', H/2, W/2)."""

    def __init__(self, in_ch: int, out_ch: int, norm_layer: type[nn.Module]):
        super().__init__()
        self.norm = norm_layer(in_ch)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_ch, out_ch, 1, bias=False)
        self.pool = nn.AvgPool2d(2, 2)


class DenseNet(ClassifierBase):
    """x : (N, C, H, W) -> features (N, F, h, w) -> ReLU -> GAP -> classifier -> logits (N, K)."""

    family = "densenet"
    paper = "Huang et al., Densely Connected Convolutional Networks, CVPR 2017"

    def __init__(
        self,
        growth_rate: int = 32,
        block_config: tuple[int, ...] = (6, 12, 24, 16),
        num_init_features: int = 64,
        bn_size: int = 4,
        compression: float = 0.5,
        drop_rate: float = 0.0,
        num_classes: int = 10,
        in_chans: int = 3,
        cifar_stem: bool = False,
        img_size: int | None = None,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        size = img_size or (32 if cifar_stem else 224)
        self.input_size, self.fixed_input_size = (in_chans, size, size), cifar_stem
        self.min_input_size = size if cifar_stem else 32
        if cifar_stem:  # 3x3 conv, no pooling: 32x32 stays 32x32 until the first transition
            stem = [("conv0", nn.Conv2d(in_chans, num_init_features, 3, padding=1, bias=False))]
        else:
            stem = [
                ("conv0", nn.Conv2d(in_chans, num_init_features, 7, 2, 3, bias=False)),
                ("norm0", norm_layer(num_init_features)),
                ("relu0", nn.ReLU(inplace=True)),
                ("pool0", nn.MaxPool2d(3, 2, 1)),
            ]
        self.features = nn.Sequential(OrderedDict(stem))
        c = num_init_features
        for i, n in enumerate(block_config):
            self.features.add_module(
                f"denseblock{i + 1}", DenseBlock(n, c, growth_rate, bn_size, drop_rate, norm_layer)
            )
            c += n * growth_rate
            if i != len(block_config) - 1:
                out = int(c * compression)
                self.features.add_module(f"transition{i + 1}", Transition(c, out, norm_layer))
                c = out
        self.features.add_module(f"norm{len(block_config) + 1}", norm_layer(c))  # norm5 for 4 blocks
        self.set_head(ClassifierHead(c, num_classes, "avg"), at="classifier")
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_normal_(m.weight)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, F, h, w)

    def forward_pre_head(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)  # torchvision's features end with norm5; the ReLU comes before the pool


@register_model
def densenet121(num_classes: int = 10, **kw) -> DenseNet:
    """DenseNet-121 (k=32, blocks 6/12/24/16); 7,978,856 parameters at K=1000."""
    return DenseNet(32, (6, 12, 24, 16), 64, num_classes=num_classes, **kw)


@register_model
def densenet169(num_classes: int = 10, **kw) -> DenseNet:
    """DenseNet-169 (k=32, blocks 6/12/32/32); 14,149,480 parameters at K=1000."""
    return DenseNet(32, (6, 12, 32, 32), 64, num_classes=num_classes, **kw)


@register_model
def densenet_bc100(num_classes: int = 10, growth_rate: int = 12, **kw) -> DenseNet:
    """CIFAR DenseNet-BC, L=100, k=12: 3 blocks of 16 bottleneck layers, compression 0.5; 0.8M parameters."""
    return DenseNet(
        growth_rate, (16, 16, 16), 2 * growth_rate, num_classes=num_classes, cifar_stem=True, **kw
    )


@register_model
def densenet_bc40(num_classes: int = 10, growth_rate: int = 12, **kw) -> DenseNet:
    """A small CIFAR DenseNet-BC (L=40, k=12: 3 blocks of 6 bottleneck layers), ~0.18M parameters."""
    return DenseNet(growth_rate, (6, 6, 6), 2 * growth_rate, num_classes=num_classes, cifar_stem=True, **kw)
