"""LeNet-5 (LeCun et al. 1998), Lecture 9: CONV-POOL-CONV-POOL-FC-FC, 5x5 convs at stride 1, 2x2 pooling.

Layout for a 32x32 input: C1 6@5x5 -> 28x28x6, S2 -> 14x14x6, C3 16@5x5 -> 10x10x16, S4 -> 5x5x16,
F5 400 -> 120, F6 120 -> 84, output 84 -> K. Defaults are modern (ReLU, max pooling); pass
``act_layer=nn.Tanh, pool_layer=nn.AvgPool2d`` for the 1998 look. MNIST's 28x28 digits were padded to 32x32
in the paper; ``img_size=28`` builds the FC head for unpadded 28x28 inputs instead.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["LeNet5"]


class LeNet5(ClassifierBase):
    """x : (N, C, S, S) -> logits (N, K); the FC head fixes the input size S (default 32)."""

    family = "lenet"
    paper = "LeCun et al., Gradient-based learning applied to document recognition, Proc. IEEE 1998"

    def __init__(
        self,
        num_classes: int = 10,
        in_chans: int = 1,
        img_size: int = 32,
        act_layer: type[nn.Module] = nn.ReLU,
        pool_layer: type[nn.Module] = nn.MaxPool2d,
    ):
        super().__init__()
        side = ((img_size - 4) // 2 - 4) // 2  # spatial size after C1-S2-C3-S4
        if side < 1:
            raise ValueError(f"LeNet-5 needs img_size >= 16; got {img_size}.")
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), True, 16
        self.features = nn.Sequential(
            nn.Conv2d(in_chans, 6, 5),
            act_layer(),
            pool_layer(2, 2),  # (N, 6, 14, 14)
            nn.Conv2d(6, 16, 5),
            act_layer(),
            pool_layer(2, 2),  # (N, 16, 5, 5)
        )
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.act1 = act_layer()
        self.fc2 = nn.Linear(120, 84)
        self.act2 = act_layer()
        self.set_head(ClassifierHead(84, num_classes, "none"), at="fc")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, 16, 5, 5)

    def forward_pre_head(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)  # (N, 400)
        return self.act2(self.fc2(self.act1(self.fc1(x))))  # (N, 84)


@register_model
def lenet5(num_classes: int = 10, **kw) -> LeNet5:
    """LeNet-5 for 1x32x32 inputs (``in_chans=3`` for CIFAR, ``img_size=28`` for unpadded MNIST)."""
    return LeNet5(num_classes=num_classes, **kw)
