"""SqueezeNet (Iandola et al. 2016), Lecture 9: AlexNet-level accuracy with 50x fewer parameters.

Fire modules (1x1 squeeze, then 1x1 + 3x3 expand) and a conv classifier (dropout, 1x1 conv to K channels,
ReLU, global average pool): no FC layers at all. torchvision's layout: ``features.N`` and ``classifier.1``.
squeezenet1_0: 1,248,424 parameters at K=1000; squeezenet1_1 (3x3 stem, earlier pooling, 2.4x cheaper):
1,235,496.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from visrec.torch_nn.blocks.fire import Fire
from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase, normal_
from visrec.torch_nn.registry import register_model

__all__ = ["SqueezeNet"]


def _init_final_conv(conv: nn.Conv2d) -> None:
    """torchvision's init of the class-map conv: N(0, 0.01) weights, zero bias."""
    normal_(conv.weight, 0.0, 0.01)
    nn.init.zeros_(conv.bias)


class SqueezeNet(ClassifierBase):
    """x : (N, C, H, W) -> features (N, 512, h, w) -> 1x1 conv (N, K, h, w) -> GAP -> logits (N, K)."""

    family = "squeezenet"
    paper = "Iandola et al., SqueezeNet: AlexNet-level accuracy with 50x fewer parameters, 2016"

    def __init__(
        self, version: str = "1_0", num_classes: int = 10, in_chans: int = 3, drop_rate: float = 0.5
    ):
        super().__init__()
        self.num_classes, self.in_chans, self.num_features = num_classes, in_chans, 512
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, 224, 224), False, 32
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(in_chans, 96, 7, 2),
                nn.ReLU(inplace=True),
                pool(),  # (N, 96, 54, 54)
                Fire(96, 16, 64, 64),
                Fire(128, 16, 64, 64),
                Fire(128, 32, 128, 128),
                pool(),
                Fire(256, 32, 128, 128),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                pool(),
                Fire(512, 64, 256, 256),  # (N, 512, 13, 13)
            )
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2d(in_chans, 64, 3, 2),
                nn.ReLU(inplace=True),
                pool(),  # (N, 64, 55, 55)
                Fire(64, 16, 64, 64),
                Fire(128, 16, 64, 64),
                pool(),
                Fire(128, 32, 128, 128),
                Fire(256, 32, 128, 128),
                pool(),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                Fire(512, 64, 256, 256),  # (N, 512, 13, 13)
            )
        else:
            raise ValueError(f"SqueezeNet version must be '1_0' or '1_1'; got {version!r}.")
        # torchvision's classifier is (Dropout, Conv 1x1, ReLU, AvgPool): the head does all four and keeps
        # the conv at its index, classifier.1
        self.classifier = nn.ModuleDict()
        head = ClassifierHead(
            512,
            num_classes,
            "avg",
            drop_rate,
            conv=True,
            act_layer=partial(nn.ReLU, inplace=True),
            init=_init_final_conv,
        )
        self.set_head(head, at="classifier.1")
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m is not self.get_classifier():
                nn.init.kaiming_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, 512, h, w)


@register_model
def squeezenet1_0(num_classes: int = 10, **kw) -> SqueezeNet:
    """SqueezeNet 1.0: 7x7 stem, 1,248,424 parameters at K=1000."""
    return SqueezeNet("1_0", num_classes, **kw)


@register_model
def squeezenet1_1(num_classes: int = 10, **kw) -> SqueezeNet:
    """SqueezeNet 1.1: 3x3 stem, earlier pooling; 1,235,496 parameters at K=1000."""
    return SqueezeNet("1_1", num_classes, **kw)
