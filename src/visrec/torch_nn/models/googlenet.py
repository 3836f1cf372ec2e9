"""GoogLeNet / Inception-v1 (Szegedy et al. 2015), Lecture 9: 22 layers, no FC layers but the last, ~5-7M
parameters, 6.7% top-5 (ILSVRC'14 winner).

Stem (conv 7x7 s2 - pool - conv 1x1 - conv 3x3 - pool), nine stacked Inception modules (3a-3b, 4a-4e,
5a-5b) with max pools between stages, global average pooling, dropout 0.4/0.2, one FC layer. Two auxiliary
classifiers (after 4a and 4d) inject gradient in the middle of the net during training.

- ``googlenet``: torchvision's layout and names (BN units, the 3x3 "5x5" branch), 6,624,904 parameters at
  K=1000 without the auxiliary heads; a torchvision state dict (``aux_logits=False``) loads.
- ``googlenet_paper``: the paper's convs with bias + ReLU (no BN) and true 5x5 kernels.

``aux_logits=True`` adds the auxiliary heads: in training mode ``forward`` then returns
``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``; the loss is ``CE(logits) + 0.3 * (CE(aux1) +
CE(aux2))`` (:func:`googlenet_loss`). In eval mode it returns the logits only. The default is
``aux_logits=False`` so every registered model returns a plain (N, K) tensor.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.blocks.inception import BasicConv2d, ConvReLU, Inception, InceptionAux
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "googlenet_loss"]

# (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) of the paper's Table 1
INCEPTION_CFG = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32),
    "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64),
    "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64),
    "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128),
    "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNetOutputs(NamedTuple):
    logits: torch.Tensor
    aux_logits2: torch.Tensor
    aux_logits1: torch.Tensor


def googlenet_loss(outputs, target: torch.Tensor, aux_weight: float = 0.3) -> torch.Tensor:
    """Cross-entropy of the main head plus ``aux_weight`` times that of each auxiliary head."""
    if isinstance(outputs, GoogLeNetOutputs):
        main = F.cross_entropy(outputs.logits, target)
        aux = F.cross_entropy(outputs.aux_logits1, target) + F.cross_entropy(outputs.aux_logits2, target)
        return main + aux_weight * aux
    return F.cross_entropy(outputs, target)


class GoogLeNet(ClassifierBase):
    """x : (N, C, 224, 224) -> features (N, 1024, 7, 7) -> GAP -> dropout -> fc -> logits (N, K)."""

    family = "googlenet"
    paper = "Szegedy et al., Going Deeper with Convolutions, CVPR 2015"

    def __init__(
        self,
        num_classes: int = 10,
        in_chans: int = 3,
        aux_logits: bool = False,
        conv_block: type[nn.Module] = BasicConv2d,
        kernel5: int = 3,
        drop_rate: float = 0.2,
        aux_drop_rate: float = 0.7,
    ):
        super().__init__()
        self.num_classes, self.in_chans, self.num_features = num_classes, in_chans, 1024
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, 224, 224), False, 32
        self.aux_logits = aux_logits
        self.conv1 = conv_block(in_chans, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, 1)
        self.conv3 = conv_block(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        for name, cfg in INCEPTION_CFG.items():
            self.add_module(name, Inception(*cfg, conv_block=conv_block, kernel5=kernel5))
            if name == "inception3b":
                self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
            elif name == "inception4e":
                self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, conv_block, aux_drop_rate)
            self.aux2 = InceptionAux(528, num_classes, conv_block, aux_drop_rate)
        else:
            self.aux1 = self.aux2 = None
        self.set_head(ClassifierHead(1024, num_classes, "avg", drop_rate), at="fc")

    def _features(self, x: torch.Tensor):
        """The body; also returns the auxiliary logits when they are computed (training with aux heads)."""
        with_aux = self.aux1 is not None and self.training
        x = self.maxpool1(self.conv1(x))  # (N, 64, 56, 56)
        x = self.maxpool2(self.conv3(self.conv2(x)))  # (N, 192, 28, 28)
        x = self.maxpool3(self.inception3b(self.inception3a(x)))  # (N, 480, 14, 14)
        x = self.inception4a(x)  # (N, 512, 14, 14)
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))  # (N, 528, 14, 14)
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))  # (N, 832, 7, 7)
        x = self.inception5b(self.inception5a(x))  # (N, 1024, 7, 7)
        return x, aux1, aux2

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self._features(x)[0]

    def forward(self, x: torch.Tensor):
        """Logits (N, K); ``GoogLeNetOutputs(logits, aux2, aux1)`` in training mode with ``aux_logits``."""
        self.check_input(x)
        feats, aux1, aux2 = self._features(x)
        logits = self.forward_head(feats)
        if aux1 is not None:
            return GoogLeNetOutputs(logits, aux2, aux1)
        return logits

    def reset_classifier(self, num_classes: int) -> None:
        super().reset_classifier(num_classes)
        for aux in (self.aux1, self.aux2):
            if aux is not None:
                aux.fc2 = nn.Linear(1024, num_classes) if num_classes else nn.Identity()


@register_model
def googlenet(num_classes: int = 10, **kw) -> GoogLeNet:
    """torchvision-layout GoogLeNet (BN units); 6,624,904 parameters at K=1000 without aux heads."""
    return GoogLeNet(num_classes=num_classes, **kw)


@register_model
def googlenet_paper(num_classes: int = 10, **kw) -> GoogLeNet:
    """The 2014 paper's GoogLeNet: conv + bias + ReLU units (no BN), true 5x5 kernels, dropout 0.4."""
    kw.setdefault("drop_rate", 0.4)
    return GoogLeNet(num_classes=num_classes, conv_block=ConvReLU, kernel5=5, **kw)
