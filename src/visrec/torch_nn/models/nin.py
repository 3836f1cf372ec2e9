"""Network in Network (Lin, Chen & Yan 2013), Lecture 9: "mlpconv" layers (a conv followed by 1x1 convs, a
small MLP slid over the image) and global average pooling instead of FC layers; the first use of 1x1
convolutions as bottlenecks, which GoogLeNet and ResNet took over.

CIFAR version: three mlpconv blocks 192-160-96 / 192-192-192 / 192-192-K with 3x3 pooling and dropout 0.5
between them; the last 1x1 conv outputs one map per class, averaged into the logits (~0.97M parameters).
The reference Caffe model applies a ReLU to the class maps too; here they stay linear (plain logits).
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["NiN"]


def mlpconv(in_ch: int, widths: tuple[int, int, int], kernel: int, act_layer: type[nn.Module]) -> list:
    """conv kxk -> act -> 1x1 -> act -> 1x1 -> act."""
    a, b, c = widths
    return [
        nn.Conv2d(in_ch, a, kernel, padding=kernel // 2),
        act_layer(),
        nn.Conv2d(a, b, 1),
        act_layer(),
        nn.Conv2d(b, c, 1),
        act_layer(),
    ]


class NiN(ClassifierBase):
    """x : (N, C, 32, 32) -> features (N, 192, 8, 8) -> 1x1 conv (N, K, 8, 8) -> GAP -> logits (N, K)."""

    family = "nin"
    paper = "Lin, Chen & Yan, Network In Network, ICLR 2014"

    def __init__(
        self,
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        drop_rate: float = 0.5,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), True, 8
        self.features = nn.Sequential(
            *mlpconv(in_chans, (192, 160, 96), 5, act_layer),
            nn.MaxPool2d(3, 2, 1),
            nn.Dropout(drop_rate),
            *mlpconv(96, (192, 192, 192), 5, act_layer),
            nn.AvgPool2d(3, 2, 1),
            nn.Dropout(drop_rate),
            nn.Conv2d(192, 192, 3, padding=1),
            act_layer(),
            nn.Conv2d(192, 192, 1),
            act_layer(),
        )  # (N, 192, 8, 8)
        # one 1x1-conv map per class, globally averaged: the logits (no FC layer)
        self.set_head(ClassifierHead(192, num_classes, "avg", conv=True), at="classifier")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


@register_model
def nin(num_classes: int = 10, **kw) -> NiN:
    """Network in Network for 32x32 CIFAR images (~0.97M parameters)."""
    return NiN(num_classes=num_classes, **kw)
