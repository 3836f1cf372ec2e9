"""Wide Residual Networks for CIFAR (Zagoruyko & Komodakis 2016), Lecture 9: WRN-d-k.

Residuals matter more than depth: widen the pre-activation basic blocks by k (16k/32k/64k channels) and use
N = (d - 4) / 6 blocks per stage, dropout between the two convs. WRN-28-10 (36.5M parameters) beat a
1001-layer ResNet; WRN-16-4 has 2.7M. The ImageNet ``wide_resnet50_2`` lives in ``resnet.py`` (torchvision).
"""

from __future__ import annotations

from visrec.torch_nn.models.preact_resnet import PreActBlock, PreActResNet
from visrec.torch_nn.registry import register_model

__all__ = ["wide_resnet_cifar"]


def wide_resnet_cifar(
    depth: int, widen: int, num_classes: int = 10, drop_rate: float = 0.0, **kw
) -> PreActResNet:
    """Build WRN-depth-widen: conv3x3(16), three stages of (depth-4)/6 pre-activation blocks, BN-ReLU, fc."""
    if (depth - 4) % 6 != 0 or depth < 10:
        raise ValueError(f"WRN depth must be 6N+4 with N >= 1 (10, 16, 22, 28, 40); got {depth}.")
    n = (depth - 4) // 6
    model = PreActResNet(
        PreActBlock,
        [n, n, n],
        [16 * widen, 32 * widen, 64 * widen],
        num_classes,
        cifar_stem=True,
        stem_width=16,
        drop_rate=drop_rate,
        **kw,
    )
    model.family = "wide_resnet"
    model.paper = "Zagoruyko & Komodakis, Wide Residual Networks, BMVC 2016"
    return model


@register_model
def wrn16_4(num_classes: int = 10, **kw) -> PreActResNet:
    """WRN-16-4: 2 blocks per stage, 64/128/256 channels; 2.7M parameters."""
    return wide_resnet_cifar(16, 4, num_classes, **kw)


@register_model
def wrn16_8(num_classes: int = 10, **kw) -> PreActResNet:
    """WRN-16-8: 11.0M parameters."""
    return wide_resnet_cifar(16, 8, num_classes, **kw)


@register_model
def wrn28_10(num_classes: int = 10, drop_rate: float = 0.3, **kw) -> PreActResNet:
    """WRN-28-10 with dropout 0.3: 36.5M parameters (3.89% CIFAR-10 error in the paper)."""
    return wide_resnet_cifar(28, 10, num_classes, drop_rate=drop_rate, **kw)


@register_model
def wrn40_4(num_classes: int = 10, **kw) -> PreActResNet:
    """WRN-40-4: 8.9M parameters."""
    return wide_resnet_cifar(40, 4, num_classes, **kw)
