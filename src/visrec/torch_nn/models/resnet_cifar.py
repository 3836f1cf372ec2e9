"""CIFAR ResNets of He et al. 2016 (Sec. 4.2): depth 6n+2, three stages of n basic blocks, 16/32/64 filters.

Lecture 9: a plain 56-layer net trains worse than a 20-layer one (an optimization problem); residual blocks
``H(x) = F(x) + x`` fix it, and the CIFAR experiments go up to 1202 layers.

Shortcut options (``shortcut=``):

- ``"A"`` (default, as the paper's CIFAR models): identity; when the shape changes, subsample by 2 and pad
  the new channels with zeros. Parameter-free, so resnet20 has 0.27M parameters.
- ``"B"``: a 1x1 convolution + BN projection when the shape changes, identity otherwise.

Options shared by the family: ``stochastic_depth=p_L`` (Huang et al. 2016: block l survives with
probability ``1 - l/L (1 - p_L)`` in training and is scaled by it at test time), ``se_reduction=r``
(squeeze-and-excitation after the second BN), ``norm_layer``, ``act_layer``, ``in_chans``, ``img_size``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn.blocks.drop import StochasticDepth, linear_survival_probs
from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.blocks.se import SqueezeExcite
from visrec.torch_nn.models.base import ClassifierBase, kaiming_normal_
from visrec.torch_nn.registry import register_model

__all__ = ["CifarResNet", "CifarBasicBlock"]


class PadShortcut(nn.Module):
    """Option A: x[:, :, ::s, ::s] with zero channels appended. (N, C, H, W) -> (N, C', H/s, W/s)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.stride, self.extra = stride, out_ch - in_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


class CifarBasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN (+SE), add the shortcut, ReLU; optionally dropped (stochastic depth)."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        stride: int = 1,
        shortcut: str = "A",
        survival_prob: float = 1.0,
        se_reduction: int = 0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(out_ch)
        self.act1 = act_layer()
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(out_ch)
        self.se = SqueezeExcite(out_ch, se_reduction) if se_reduction else None
        self.act2 = act_layer()
        self.downsample: nn.Module | None = None
        if stride != 1 or in_ch != out_ch:
            if shortcut == "A":
                self.downsample = PadShortcut(in_ch, out_ch, stride)
            else:
                self.downsample = nn.Sequential(
                    nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), norm_layer(out_ch)
                )
        self.drop = StochasticDepth(survival_prob) if survival_prob < 1.0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        if self.drop is not None and self.training and not self.drop.keep():
            return self.act2(identity)  # branch dropped for this mini-batch: skip its computation
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.se is not None:
            out = self.se(out)
        if self.drop is not None and not self.training:
            out = out * self.drop.survival_prob  # test-time scaling by the survival probability
        return self.act2(out + identity)


class CifarResNet(ClassifierBase):
    """ResNet-(6n+2) for 32x32 images: conv3x3(16) -> 3 stages x n blocks -> global avg pool -> fc."""

    family = "resnet_cifar"
    paper = "He et al., Deep Residual Learning for Image Recognition, CVPR 2016 (Sec. 4.2)"

    def __init__(
        self,
        depth: int = 20,
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        widths: tuple[int, int, int] = (16, 32, 64),
        shortcut: str = "A",
        stochastic_depth: float | None = None,
        se_reduction: int = 0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        if (depth - 2) % 6 != 0 or depth < 8:
            raise ValueError(
                f"CIFAR ResNet depth must be 6n+2 with n >= 1 (20, 32, 44, 56, 110, 1202); got {depth}."
            )
        if shortcut not in ("A", "B"):
            raise ValueError(
                f"shortcut must be 'A' (zero-pad identity) or 'B' (1x1 projection); got {shortcut!r}."
            )
        n = (depth - 2) // 6
        self.num_classes, self.in_chans, self.depth = num_classes, in_chans, depth
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), True, 4
        probs = linear_survival_probs(3 * n, stochastic_depth) if stochastic_depth else [1.0] * (3 * n)
        self.conv1 = nn.Conv2d(in_chans, widths[0], 3, 1, 1, bias=False)
        self.bn1 = norm_layer(widths[0])
        self.act1 = act_layer()
        in_ch, k = widths[0], 0
        for s, width in enumerate(widths):
            blocks = []
            for i in range(n):
                stride = 2 if (s > 0 and i == 0) else 1
                blocks.append(
                    CifarBasicBlock(
                        in_ch, width, stride, shortcut, probs[k], se_reduction, norm_layer, act_layer
                    )
                )
                in_ch, k = width, k + 1
            self.add_module(f"layer{s + 1}", nn.Sequential(*blocks))
        self.set_head(ClassifierHead(in_ch, num_classes, "avg"), at="fc")
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.conv1(x)))  # (N, 16, H, W)
        return self.layer3(self.layer2(self.layer1(x)))  # (N, 64, H/4, W/4)


def _cifar(depth: int, num_classes: int, **kw) -> CifarResNet:
    return CifarResNet(depth=depth, num_classes=num_classes, **kw)


@register_model
def resnet20(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-20 for CIFAR (n=3), 0.27M parameters with option-A shortcuts."""
    return _cifar(20, num_classes, **kw)


@register_model
def resnet32(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-32 for CIFAR (n=5), 0.46M parameters."""
    return _cifar(32, num_classes, **kw)


@register_model
def resnet44(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-44 for CIFAR (n=7), 0.66M parameters."""
    return _cifar(44, num_classes, **kw)


@register_model
def resnet56(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-56 for CIFAR (n=9), 0.85M parameters."""
    return _cifar(56, num_classes, **kw)


@register_model
def resnet110(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-110 for CIFAR (n=18), 1.7M parameters."""
    return _cifar(110, num_classes, **kw)


@register_model
def resnet1202(num_classes: int = 10, **kw) -> CifarResNet:
    """ResNet-1202 for CIFAR (n=200), 19.4M parameters (the paper's overfitting example)."""
    return _cifar(1202, num_classes, **kw)


@register_model
def resnet110_sd(num_classes: int = 10, stochastic_depth: float = 0.5, **kw) -> CifarResNet:
    """ResNet-110 with stochastic depth, linear decay to p_L = 0.5 (Huang et al. 2016)."""
    return _cifar(110, num_classes, stochastic_depth=stochastic_depth, **kw)


@register_model
def resnet56_sd(num_classes: int = 10, stochastic_depth: float = 0.5, **kw) -> CifarResNet:
    """ResNet-56 with stochastic depth, linear decay to p_L = 0.5."""
    return _cifar(56, num_classes, stochastic_depth=stochastic_depth, **kw)


@register_model
def se_resnet20(num_classes: int = 10, se_reduction: int = 16, **kw) -> CifarResNet:
    """ResNet-20 with a squeeze-and-excitation block (r=16) in every residual branch (Hu et al. 2018)."""
    return _cifar(20, num_classes, se_reduction=se_reduction, **kw)


@register_model
def se_resnet56(num_classes: int = 10, se_reduction: int = 16, **kw) -> CifarResNet:
    """ResNet-56 with squeeze-and-excitation blocks (r=16)."""
    return _cifar(56, num_classes, se_reduction=se_reduction, **kw)
