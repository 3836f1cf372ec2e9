"""VGG (Simonyan & Zisserman 2014), Lecture 9: only 3x3 conv stride 1 pad 1 and 2x2 max-pool stride 2.

Three stacked 3x3 convs see a 7x7 region with 27C^2 weights instead of 49C^2. torchvision's layout:
``features.N`` (convs, ReLUs, pools, BNs for the ``_bn`` variants), ``avgpool`` (AdaptiveAvgPool 7x7, so
inputs other than 224 work) and ``classifier.N`` (FC 4096, ReLU, dropout, FC 4096, ReLU, dropout, FC K), so a
torchvision state dict loads. VGG-16 has 138,357,544 parameters (138,344,128 without biases), VGG-19
143,667,240. ``vgg11_cifar`` / ``vgg16_cifar`` are the usual CIFAR adaptation: the same conv stacks with BN
on 32x32 images (five pools leave 1x1x512) and a single linear classifier.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase, kaiming_normal_, normal_
from visrec.torch_nn.registry import register_model

__all__ = ["VGG", "VGGCifar", "VGG_CFGS"]

# numbers = 3x3 conv widths, "M" = 2x2 max pool (torchvision's configurations A, B, D, E)
VGG_CFGS: dict[str, list] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}


def make_features(
    cfg: list, in_chans: int, norm_layer: type[nn.Module] | None, act_layer: type[nn.Module]
) -> nn.Sequential:
    """conv3x3 (+norm) + act for each width, MaxPool2d(2, 2) for each "M"."""
    layers: list[nn.Module] = []
    c = in_chans
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(c, v, 3, padding=1))
        if norm_layer is not None:
            layers.append(norm_layer(v))
        layers.append(act_layer(inplace=True) if act_layer is nn.ReLU else act_layer())
        c = v
    return nn.Sequential(*layers)


class VGG(ClassifierBase):
    """x : (N, C, H, W) -> features (N, 512, H/32, W/32) -> pool 7x7 -> FC-FC-FC -> logits (N, K)."""

    family = "vgg"
    paper = "Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, 2014"

    def __init__(
        self,
        cfg: list,
        num_classes: int = 10,
        in_chans: int = 3,
        norm_layer=None,
        act_layer: type[nn.Module] = nn.ReLU,
        drop_rate: float = 0.5,
        hidden: int = 4096,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, 224, 224), False, 32
        self.features = make_features(cfg, in_chans, norm_layer, act_layer)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, hidden),
            act_layer(),
            nn.Dropout(drop_rate),
            nn.Linear(hidden, hidden),
            act_layer(),
            nn.Dropout(drop_rate),
        )
        self.set_head(ClassifierHead(hidden, num_classes, "none"), at="classifier.6")  # FC8
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, 512, H/32, W/32)

    def forward_pre_head(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.avgpool(x), 1)  # (N, 25088)
        for layer in self.classifier[:6]:
            x = layer(x)  # (N, 4096) after FC6 and FC7
        return x


class VGGCifar(ClassifierBase):
    """x : (N, C, 32, 32) -> features (N, 512, 1, 1) -> flatten -> dropout -> linear -> logits (N, K)."""

    family = "vgg"
    paper = VGG.paper

    def __init__(
        self,
        cfg: list,
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        norm_layer=nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
        drop_rate: float = 0.0,
    ):
        super().__init__()
        side = img_size // 32
        if side < 1 or img_size % 32:
            raise ValueError(f"CIFAR VGG needs img_size a multiple of 32 (five 2x2 pools); got {img_size}.")
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), True, 32
        self.features = make_features(cfg, in_chans, norm_layer, act_layer)
        head = ClassifierHead(512 * side * side, num_classes, "none", drop_rate)  # flatten, drop, linear
        self.set_head(head, at="classifier")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, 512, 1, 1)


def _vgg(name: str, bn: bool, num_classes: int, **kw) -> VGG:
    norm = kw.pop("norm_layer", nn.BatchNorm2d if bn else None)
    return VGG(VGG_CFGS[name], num_classes=num_classes, norm_layer=norm, **kw)


@register_model
def vgg11(num_classes: int = 10, **kw) -> VGG:
    """VGG-11 (configuration A): 132,863,336 parameters at K=1000."""
    return _vgg("vgg11", False, num_classes, **kw)


@register_model
def vgg13(num_classes: int = 10, **kw) -> VGG:
    """VGG-13 (configuration B): 133,047,848 parameters at K=1000."""
    return _vgg("vgg13", False, num_classes, **kw)


@register_model
def vgg16(num_classes: int = 10, **kw) -> VGG:
    """VGG-16 (configuration D): 138,357,544 parameters at K=1000 (the lecture's table)."""
    return _vgg("vgg16", False, num_classes, **kw)


@register_model
def vgg19(num_classes: int = 10, **kw) -> VGG:
    """VGG-19 (configuration E): 143,667,240 parameters at K=1000."""
    return _vgg("vgg19", False, num_classes, **kw)


@register_model
def vgg11_bn(num_classes: int = 10, **kw) -> VGG:
    """VGG-11 with batch norm after every conv: 132,868,840 parameters at K=1000."""
    return _vgg("vgg11", True, num_classes, **kw)


@register_model
def vgg13_bn(num_classes: int = 10, **kw) -> VGG:
    """VGG-13 with batch norm: 133,053,736 parameters at K=1000."""
    return _vgg("vgg13", True, num_classes, **kw)


@register_model
def vgg16_bn(num_classes: int = 10, **kw) -> VGG:
    """VGG-16 with batch norm: 138,365,992 parameters at K=1000."""
    return _vgg("vgg16", True, num_classes, **kw)


@register_model
def vgg19_bn(num_classes: int = 10, **kw) -> VGG:
    """VGG-19 with batch norm: 143,678,248 parameters at K=1000."""
    return _vgg("vgg19", True, num_classes, **kw)


@register_model
def vgg11_cifar(num_classes: int = 10, **kw) -> VGGCifar:
    """VGG-11 with BN for 32x32 images, one linear classifier: 9.2M parameters."""
    return VGGCifar(VGG_CFGS["vgg11"], num_classes, **kw)


@register_model
def vgg16_cifar(num_classes: int = 10, **kw) -> VGGCifar:
    """VGG-16 with BN for 32x32 images, one linear classifier: 14.7M parameters."""
    return VGGCifar(VGG_CFGS["vgg16"], num_classes, **kw)
