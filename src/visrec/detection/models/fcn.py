"""FCN-ResNet50 (Long et al., "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015, in
torchvision's form): a ResNet-50 whose last two stages are dilated instead of strided (output stride 8),
a 3x3 conv-BN-ReLU-dropout-1x1 head to K class scores per pixel, bilinearly upsampled to the input.

``model(x)`` takes a batch (N, 3, H, W) and returns ``{"out": (N, K, H, W)}`` (plus ``"aux"`` from layer3
with ``aux_loss=True``), like torchvision. ``fcn_resnet50()`` matches torchvision's layout (32,957,013
parameters at 21 classes; ``aux_loss=True``: the published checkpoint's 35,322,218).

>>> import torch
>>> model = fcn_resnet50(num_classes=3).eval()
>>> tuple(model(torch.zeros(1, 3, 64, 48))["out"].shape)
(1, 3, 64, 48)
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.backbone import FeatureExtractor
from visrec.detection.models.registry import register_detector

__all__ = ["FCN", "FCNHead", "dilate_resnet", "fcn_resnet50"]


class FCNHead(nn.Sequential):
    """(N, C, h, w) -> (N, K, h, w): 3x3 conv (C/4, no bias), BN, ReLU, dropout 0.1, 1x1 conv."""

    def __init__(self, in_channels: int, num_classes: int):
        mid = in_channels // 4
        super().__init__(
            nn.Conv2d(in_channels, mid, 3, padding=1, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Dropout(0.1),
            nn.Conv2d(mid, num_classes, 1),
        )


def dilate_resnet(resnet: nn.Module, stages=("layer3", "layer4")) -> nn.Module:
    """Turn the stride 2 of each named stage into dilation (torchvision's replace_stride_with_dilation):
    the stage's first block keeps the previous dilation with stride 1, later blocks use twice as much."""
    dilation = 1
    for name in ("layer2", "layer3", "layer4"):
        if name not in stages:
            continue
        previous, dilation = dilation, dilation * 2
        for i, block in enumerate(getattr(resnet, name)):
            d = previous if i == 0 else dilation
            block.conv2.stride, block.conv2.dilation, block.conv2.padding = (1, 1), (d, d), (d, d)
            if block.downsample is not None:
                block.downsample[0].stride = (1, 1)
    return resnet


class FCN(nn.Module):
    """backbone (returns {"out"[, "aux"]}) + classifier (+ aux_classifier), upsampled to the input size."""

    def __init__(self, backbone: nn.Module, classifier: nn.Module, aux_classifier: nn.Module | None = None):
        super().__init__()
        self.backbone, self.classifier = backbone, classifier
        self.aux_classifier = aux_classifier

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        size = x.shape[-2:]
        feats = self.backbone(x)
        out = OrderedDict(
            out=F.interpolate(self.classifier(feats["out"]), size=size, mode="bilinear", align_corners=False)
        )
        if self.aux_classifier is not None:
            out["aux"] = F.interpolate(
                self.aux_classifier(feats["aux"]), size=size, mode="bilinear", align_corners=False
            )
        return out


@register_detector(kind="segmenter")
def fcn_resnet50(num_classes: int = 21, aux_loss: bool = False) -> FCN:
    """FCN on a dilated registry ResNet-50 (output stride 8), torchvision's layout."""
    from visrec.torch_nn.registry import create_model

    resnet = dilate_resnet(create_model("resnet50", num_classes=0))
    layers = {"layer4": "out", **({"layer3": "aux"} if aux_loss else {})}
    backbone = FeatureExtractor(resnet, layers)
    return FCN(backbone, FCNHead(2048, num_classes), FCNHead(1024, num_classes) if aux_loss else None)
