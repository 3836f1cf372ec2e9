"""StrideCNN: stride-2 conv stages, global average pooling, one FC layer; the body of the tiny detectors.

Each stage is ``conv3x3/2 -> BN -> ReLU -> conv3x3 -> BN -> ReLU`` and halves the resolution. The stages
(:func:`stride_stages`) are the same modules, with the same state-dict names (``stages.<i>.<j>.*``), as
the body of :class:`visrec.detection.models.backbone.TinyBackbone`, so a StrideCNN trained on CIFAR-10
initializes a tiny detector's backbone (``visrec detect train --init-backbone RUN``): the pretraining that
Lecture 11's detectors get from ImageNet, at the scale of this CPU.

Shapes for a 32x32 input and the default widths (16, 32, 48, 64)::

    x (N, 3, 32, 32) -> stage0 (N, 16, 16, 16) -> stage1 (N, 32, 8, 8) -> stage2 (N, 48, 4, 4)
    -> stage3 (N, 64, 2, 2) -> average pool (N, 64) -> logits (N, K)
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["StrideCNN", "stride_stages", "stride_cnn"]


def stride_stages(in_chans: int, widths: tuple[int, ...]) -> nn.ModuleList:
    """One ``conv3x3/2-BN-ReLU-conv3x3-BN-ReLU`` stage per width: (N, C, H, W) -> (N, w_i, H/2^i, W/2^i)."""
    stages, c = [], in_chans
    for w in widths:
        stages.append(
            nn.Sequential(
                nn.Conv2d(c, w, 3, 2, 1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
                nn.Conv2d(w, w, 3, 1, 1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
            )
        )
        c = w
    return nn.ModuleList(stages)


class StrideCNN(ClassifierBase):
    """x : (N, C, H, W) -> logits (N, K); any input of at least 2^len(widths) pixels a side."""

    family = "stride_cnn"

    def __init__(
        self,
        num_classes: int = 10,
        in_chans: int = 3,
        widths: tuple[int, ...] = (16, 32, 48, 64),
        drop_rate: float = 0.0,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.widths = tuple(int(w) for w in widths)
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, 32, 32), False, 2 ** len(widths)
        self.stages = stride_stages(in_chans, self.widths)
        self.set_head(ClassifierHead(self.widths[-1], num_classes, "avg", drop_rate), at="fc")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages:
            x = stage(x)
        return x  # (N, w_last, H / 2^S, W / 2^S)


@register_model
def stride_cnn(num_classes: int = 10, widths=(16, 32, 48, 64), **kw) -> StrideCNN:
    """Four stride-2 stages of 16/32/48/64 channels (117K parameters): the tiny detectors' backbone body."""
    return StrideCNN(num_classes=num_classes, widths=tuple(widths), **kw)
