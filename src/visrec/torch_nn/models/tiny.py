"""A tiny CNN for smoke tests and quick runs: two conv-BN-ReLU-pool stages, global pooling, one FC layer.

About 5K parameters; any input size >= 4 works, any number of channels via ``in_chans``.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["TinyCNN"]


class TinyCNN(ClassifierBase):
    """x : (N, C, H, W) -> logits (N, K). conv3x3(w)-BN-ReLU-pool, conv3x3(2w)-BN-ReLU-pool, GAP, fc."""

    family = "tiny"

    def __init__(
        self,
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        width: int = 16,
        drop_rate: float = 0.0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size, self.min_input_size = (in_chans, img_size, img_size), False, 4
        self.features = nn.Sequential(
            nn.Conv2d(in_chans, width, 3, padding=1, bias=False),
            norm_layer(width),
            act_layer(),
            nn.MaxPool2d(2),  # (N, w, H/2, W/2)
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            norm_layer(2 * width),
            act_layer(),
            nn.MaxPool2d(2),  # (N, 2w, H/4, W/4)
        )
        self.set_head(ClassifierHead(2 * width, num_classes, "avg", drop_rate), at="fc")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


@register_model
def tiny_cnn(num_classes: int = 10, **kw) -> TinyCNN:
    """Two-stage 16/32-channel CNN (~5K parameters), for smoke tests and fast runs."""
    return TinyCNN(num_classes=num_classes, **kw)
