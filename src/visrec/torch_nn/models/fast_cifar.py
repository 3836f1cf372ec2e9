"""FastCifarNet: an airbench-style CIFAR-10 network that trains to high accuracy in few epochs.

The ideas follow Keller Jordan's airbench94 ("94% on CIFAR-10 in 3.29 seconds on a single GPU", 2024),
written here from the description, not copied:

1. A **patch-whitening stem**: a 2x2 convolution whose filters are the eigenvectors of the training set's
   2x2x3 patch covariance, scaled by ``1/sqrt(eigenvalue + eps)``, stacked with their negatives so that a
   following GELU keeps both signs. It is computed from data (:meth:`FastCifarNet.init_whitening`) and frozen;
   only its bias trains.
2. Three **conv groups** ``conv3x3 -> maxpool2 -> BN -> GELU -> conv3x3 -> BN -> GELU``: resolution halves
   three times, 31 -> 15 -> 7 -> 3.
3. A **global max-pool head** with a bias-free linear layer whose output is scaled down (``head_scale``) so
   the initial logits are small.
4. Optional airbench details: ``conv_init="dirac"`` (PyTorch's default init, then each conv's first
   ``C_in`` filters set to the identity, so every layer starts as a partial skip connection) and
   ``bn_weight=False`` (BatchNorm scales frozen at 1; only the shifts train, and with
   ``TrainConfig.norm_lr_scale`` they train at a larger learning rate).

Shapes for a 32x32 input and widths (w1, w2, w3)::

    x (N, 3, 32, 32) -> whiten (N, 2P, 31, 31), P = 3*2*2 = 12 -> group1 (N, w1, 15, 15)
    -> group2 (N, w2, 7, 7) -> group3 (N, w3, 3, 3) -> max-pool (N, w3) -> logits (N, K)

``widths=(64, 256, 256)`` is airbench94's size (~0.24 GFLOP forward per image); the default here is smaller
(``(32, 96, 192)``) because this project trains on two CPU cores.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model
from visrec.utils.validation import check_choice

__all__ = ["FastCifarNet", "fast_cifar", "patch_whitening_filters", "CONV_INITS"]


def patch_whitening_filters(images: torch.Tensor, kernel: int = 2, eps: float = 5e-4) -> torch.Tensor:
    """Whitening filters from the covariance of ``kernel x kernel`` patches.

    Parameters
    ----------
    images : Tensor of shape (N, C, H, W), float, already normalized
    kernel : patch side
    eps : added to the eigenvalues before the inverse square root

    Returns
    -------
    Tensor of shape (2P, C, kernel, kernel), P = C * kernel**2: eigenvectors ``v_i / sqrt(lambda_i + eps)``
    (largest eigenvalue first) followed by their negatives.
    """
    n, c, _, _ = images.shape
    patches = images.double().unfold(2, kernel, 1).unfold(3, kernel, 1)  # (N, C, H', W', k, k)
    patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, c * kernel * kernel)  # (N*H'*W', P)
    patches = patches - patches.mean(dim=0, keepdim=True)
    cov = patches.T @ patches / len(patches)  # (P, P)
    eigval, eigvec = torch.linalg.eigh(cov)  # ascending
    eigval, eigvec = eigval.flip(0), eigvec.flip(1)
    filters = (eigvec / torch.sqrt(eigval + eps)).T  # (P, P): row i = whitened direction i
    filters = filters.reshape(-1, c, kernel, kernel).float()  # (P, C, k, k)
    return torch.cat([filters, -filters], dim=0)  # (2P, C, k, k)


CONV_INITS = ("kaiming", "torch", "dirac")


class _WhiteningStem(nn.Conv2d):
    """The frozen stem: with its filters frozen, the bias is added after a gradient-free convolution, so
    the backward pass skips the convolution (about 3% of a training step at widths (32, 64, 128)). The
    parameters and state-dict keys are nn.Conv2d's."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight.requires_grad or x.requires_grad:
            return super().forward(x)
        return F.conv2d(x, self.weight) + self.bias.view(1, -1, 1, 1)


@torch.no_grad()
def _init_conv(weight: torch.Tensor, how: str) -> None:
    """Initialize a (C_out, C_in, k, k) conv weight in place (PyTorch's default is already there)."""
    if how == "kaiming":
        nn.init.kaiming_normal_(weight, nonlinearity="relu")
    elif how == "dirac":  # identity on the first C_in output channels: x passes through at the start
        nn.init.dirac_(weight[: weight.shape[1]])


class _ConvGroup(nn.Module):
    """conv3x3 -> maxpool2 -> BN -> GELU -> conv3x3 -> BN -> GELU. (N, C_in, H, W) -> (N, C_out, H/2, W/2)."""

    def __init__(self, c_in: int, c_out: int, bn_momentum: float = 0.4, bn_weight: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = nn.BatchNorm2d(c_out, momentum=bn_momentum, eps=1e-12)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(c_out, momentum=bn_momentum, eps=1e-12)
        self.act = nn.GELU()
        if not bn_weight:
            for norm in (self.norm1, self.norm2):
                norm.weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(x)))


class FastCifarNet(ClassifierBase):
    """Airbench-style network (see module docstring).

    Parameters
    ----------
    num_classes : K
    widths : channel counts of the three conv groups
    in_chans : C of the input
    head_scale : the logits are multiplied by this (airbench uses 1/9)
    whiten_kernel : side of the whitening stem's patches
    conv_init : "kaiming" (He normal, the default), "torch" (PyTorch's default) or "dirac" (PyTorch's
        default, then the first ``C_in`` filters of each conv set to the identity, as airbench)
    bn_weight : train the BatchNorm scales (False freezes them at 1, as airbench)
    bn_momentum : PyTorch's BatchNorm momentum (airbench: 0.4 at batch 1024; smaller batches want less, so
        the running statistics average over more images)
    """

    family = "fast_cifar"
    paper = "Jordan, 94% on CIFAR-10 in 3.29 seconds on a single GPU (airbench), 2024"
    legacy_keys = {"head.weight": "head.fc.weight"}  # runs saved before the shared ClassifierHead

    def __init__(
        self,
        num_classes: int = 10,
        widths: tuple[int, int, int] = (32, 96, 192),
        in_chans: int = 3,
        head_scale: float = 1 / 9,
        whiten_kernel: int = 2,
        conv_init: str = "kaiming",
        bn_weight: bool = True,
        bn_momentum: float = 0.4,
    ):
        super().__init__()
        check_choice("conv_init", conv_init, CONV_INITS, owner="fast_cifar")
        self.num_classes = num_classes
        self.widths = tuple(int(w) for w in widths)
        self.in_chans = in_chans
        self.head_scale = head_scale
        self.input_size = (in_chans, 32, 32)
        self.min_input_size = 7 + whiten_kernel  # the valid whitening conv, then three 2x2 pools
        p = in_chans * whiten_kernel**2
        self.whiten = _WhiteningStem(in_chans, 2 * p, whiten_kernel, padding=0, bias=True)
        self.whiten.weight.requires_grad_(False)
        self.act = nn.GELU()
        w1, w2, w3 = self.widths
        self.layers = nn.Sequential(
            _ConvGroup(2 * p, w1, bn_momentum, bn_weight),
            _ConvGroup(w1, w2, bn_momentum, bn_weight),
            _ConvGroup(w2, w3, bn_momentum, bn_weight),
        )
        self.set_head(ClassifierHead(w3, num_classes, "max", bias=False))  # global max pool, no bias
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m is not self.whiten:
                _init_conv(m.weight, conv_init)

    @torch.no_grad()
    def init_whitening(self, images: torch.Tensor, eps: float = 5e-4) -> None:
        """Set the frozen stem to the whitening filters of ``images`` (N, C, H, W), normalized floats."""
        self.whiten.weight.copy_(patch_whitening_filters(images, self.whiten.kernel_size[0], eps))
        self.whiten.bias.zero_()

    def train_whitening_bias(self, on: bool) -> bool:
        """Let the stem's bias train (``on``) or freeze it; return whether that changed anything."""
        changed = self.whiten.bias.requires_grad != bool(on)
        self.whiten.bias.requires_grad_(bool(on))
        return changed

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, w3, H', W') feature maps."""
        return self.layers(self.act(self.whiten(x)))

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """(N, w3, H', W') -> (N, K) logits scaled by ``head_scale`` (or the max-pooled (N, w3) features)."""
        x = self.head(x, pre_logits=pre_logits)
        return x if pre_logits else x * self.head_scale


@register_model
def fast_cifar(num_classes: int = 10, widths=(32, 96, 192), **kwargs) -> FastCifarNet:
    """Airbench-style fast CIFAR-10 net (default widths (32, 96, 192); airbench94 used (64, 256, 256))."""
    return FastCifarNet(num_classes=num_classes, widths=tuple(widths), **kwargs)
