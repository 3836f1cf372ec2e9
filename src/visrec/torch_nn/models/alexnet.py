"""AlexNet (Krizhevsky et al. 2012) and ZFNet (Zeiler & Fergus 2013), Lecture 9.

Three registered variants, all with ``features`` / ``classifier`` sub-modules in torchvision's layout:

- ``alexnet``: torchvision's layout (the "one weird trick" single-GPU version: 64/192/384/256/256 filters,
  11x11 s4 p2 stem, no LRN, AdaptiveAvgPool 6x6 so any input >= 63x63 works). 61,100,840 parameters; a
  torchvision ``alexnet`` state dict loads into it.
- ``alexnet_lecture``: the slides' original. Input 227x227x3 (fixed), CONV1 96 11x11 s4 p0 -> 55x55x96,
  POOL1 3x3 s2 -> 27x27x96, NORM1 (LRN), CONV2 256 5x5 p2 -> 27x27x256, POOL2 -> 13x13x256, NORM2, CONV3 384,
  CONV4 384, CONV5 256 (3x3 p1) -> 13x13x256, POOL3 -> 6x6x256, FC6 4096, FC7 4096, FC8 K; dropout 0.5.
  62,378,344 parameters ungrouped; ``groups=2`` splits CONV2/4/5 in two halves as on the two GPUs of the
  paper, giving 60,965,224 (the paper's "60 million"). The slide's order (pool, then norm) is kept; the paper
  normalizes before pooling, which gives the same volumes.
- ``zfnet``: AlexNet with CONV1 7x7 s2 (instead of 11x11 s4) and CONV3/4/5 of 512/1024/512 filters; input
  224x224 (fixed), volumes 110 -> 55 -> 26 -> 13 -> 13 -> 6 as in the paper.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.blocks.lrn import LocalResponseNorm
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["AlexNet"]


class AlexNet(ClassifierBase):
    """A conv ``features`` stack, optional adaptive pooling, and a dropout-FC-FC-FC ``classifier``.

    x : (N, C, H, W) -> features (N, F, 6, 6) -> logits (N, K).
    """

    family = "alexnet"
    paper = "Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep CNNs, NIPS 2012"

    def __init__(
        self,
        features: nn.Sequential,
        num_features: int,
        num_classes: int,
        in_chans: int,
        img_size: int,
        fixed: bool,
        adaptive_pool: bool,
        drop_rate: float = 0.5,
        hidden: int = 4096,
        min_size: int = 63,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size = (in_chans, img_size, img_size), fixed
        self.min_input_size = img_size if fixed else min_size
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6)) if adaptive_pool else nn.Identity()
        self.classifier = nn.Sequential(
            nn.Dropout(drop_rate),
            nn.Linear(num_features * 6 * 6, hidden),
            act_layer(),
            nn.Dropout(drop_rate),
            nn.Linear(hidden, hidden),
            act_layer(),
        )
        self.set_head(ClassifierHead(hidden, num_classes, "none"), at="classifier.6")  # FC8

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, F, 6, 6) at the natural size

    def forward_pre_head(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.avgpool(x), 1)  # (N, F*6*6)
        for layer in self.classifier[:6]:
            x = layer(x)  # (N, 4096) after FC6 and FC7
        return x


@register_model
def alexnet(
    num_classes: int = 10, in_chans: int = 3, drop_rate: float = 0.5, act_layer: type[nn.Module] = nn.ReLU
) -> AlexNet:
    """torchvision-layout AlexNet (64/192/384/256/256, no LRN, adaptive pool); 61,100,840 params at K=1000."""
    a = act_layer
    features = nn.Sequential(
        nn.Conv2d(in_chans, 64, 11, 4, 2),
        a(),
        nn.MaxPool2d(3, 2),  # (N, 64, 27, 27)
        nn.Conv2d(64, 192, 5, padding=2),
        a(),
        nn.MaxPool2d(3, 2),  # (N, 192, 13, 13)
        nn.Conv2d(192, 384, 3, padding=1),
        a(),
        nn.Conv2d(384, 256, 3, padding=1),
        a(),
        nn.Conv2d(256, 256, 3, padding=1),
        a(),
        nn.MaxPool2d(3, 2),  # (N, 256, 6, 6)
    )
    return AlexNet(features, 256, num_classes, in_chans, 224, False, True, drop_rate, act_layer=a)


@register_model
def alexnet_lecture(
    num_classes: int = 10,
    in_chans: int = 3,
    groups: int = 1,
    drop_rate: float = 0.5,
    act_layer: type[nn.Module] = nn.ReLU,
    norm_layer: type[nn.Module] = LocalResponseNorm,
) -> AlexNet:
    """The lecture's AlexNet: 227x227 input, 96/256/384/384/256 filters, LRN; ``groups=2`` = two-GPU split."""
    if groups not in (1, 2):
        raise ValueError(f"groups must be 1 (one GPU) or 2 (the paper's two-GPU split); got {groups}.")
    a, g = act_layer, groups
    features = nn.Sequential(
        nn.Conv2d(in_chans, 96, 11, 4, 0),
        a(),
        nn.MaxPool2d(3, 2),
        norm_layer(),  # (N, 96, 27, 27)
        nn.Conv2d(96, 256, 5, 1, 2, groups=g),
        a(),
        nn.MaxPool2d(3, 2),
        norm_layer(),  # (N, 256, 13, 13)
        nn.Conv2d(256, 384, 3, 1, 1),
        a(),  # (N, 384, 13, 13)
        nn.Conv2d(384, 384, 3, 1, 1, groups=g),
        a(),  # (N, 384, 13, 13)
        nn.Conv2d(384, 256, 3, 1, 1, groups=g),
        a(),
        nn.MaxPool2d(3, 2),  # (N, 256, 6, 6)
    )
    return AlexNet(features, 256, num_classes, in_chans, 227, True, False, drop_rate, act_layer=a)


@register_model
def zfnet(
    num_classes: int = 10,
    in_chans: int = 3,
    drop_rate: float = 0.5,
    act_layer: type[nn.Module] = nn.ReLU,
    norm_layer: type[nn.Module] = LocalResponseNorm,
) -> AlexNet:
    """ZFNet: AlexNet with CONV1 7x7 s2 and CONV3/4/5 of 512/1024/512 filters; 224x224 input."""
    a = act_layer
    features = nn.Sequential(
        nn.Conv2d(in_chans, 96, 7, 2, 1),
        a(),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        norm_layer(),  # 55x55x96
        nn.Conv2d(96, 256, 5, 2, 0),
        a(),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        norm_layer(),  # 13x13x256
        nn.Conv2d(256, 512, 3, 1, 1),
        a(),
        nn.Conv2d(512, 1024, 3, 1, 1),
        a(),
        nn.Conv2d(1024, 512, 3, 1, 1),
        a(),
        nn.MaxPool2d(3, 2, ceil_mode=True),  # (N, 512, 6, 6)
    )
    model = AlexNet(features, 512, num_classes, in_chans, 224, True, False, drop_rate, act_layer=a)
    model.paper = "Zeiler & Fergus, Visualizing and Understanding Convolutional Networks, ECCV 2014"
    return model
