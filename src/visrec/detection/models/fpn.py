"""Feature pyramid network (Lin et al., "Feature Pyramid Networks for Object Detection", CVPR 2017).

Lateral 1x1 convs bring every backbone stage to D channels; a top-down pass adds each coarser level,
nearest-upsampled, to the next finer one; a 3x3 conv smooths every sum. Module names follow torchvision
(``inner_blocks.i.0``, ``layer_blocks.i.0``, ``extra_blocks.p6``) so its checkpoints load.

>>> import torch
>>> from collections import OrderedDict
>>> fpn = FeaturePyramidNetwork([8, 16], 4, LastLevelMaxPool())
>>> out = fpn(OrderedDict([("0", torch.zeros(1, 8, 16, 16)), ("1", torch.zeros(1, 16, 8, 8))]))
>>> [(k, tuple(v.shape)) for k, v in out.items()]
[('0', (1, 4, 16, 16)), ('1', (1, 4, 8, 8)), ('pool', (1, 4, 4, 4))]
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FeaturePyramidNetwork", "LastLevelMaxPool", "LastLevelP6P7"]


class LastLevelMaxPool(nn.Module):
    """Extra level "pool": a 1x1 max pool with stride 2 of the coarsest level (Faster / Mask R-CNN)."""

    def forward(self, results: list[torch.Tensor], inputs: list[torch.Tensor], names: list[str]):
        return results + [F.max_pool2d(results[-1], 1, 2, 0)], names + ["pool"]


class LastLevelP6P7(nn.Module):
    """Extra levels "p6", "p7" (RetinaNet): P6 = conv3x3 s2 of P5 (or of C5 when widths differ),
    P7 = conv3x3 s2 of ReLU(P6)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.p6 = nn.Conv2d(in_channels, out_channels, 3, 2, 1)
        self.p7 = nn.Conv2d(out_channels, out_channels, 3, 2, 1)
        for conv in (self.p6, self.p7):
            nn.init.kaiming_uniform_(conv.weight, a=1)
            nn.init.zeros_(conv.bias)
        self.use_p5 = in_channels == out_channels

    def forward(self, results: list[torch.Tensor], inputs: list[torch.Tensor], names: list[str]):
        p6 = self.p6(results[-1] if self.use_p5 else inputs[-1])
        p7 = self.p7(F.relu(p6))
        return results + [p6, p7], names + ["p6", "p7"]


class FeaturePyramidNetwork(nn.Module):
    """Stages {name: (N, C_i, H_i, W_i)}, finest first -> {name: (N, D, H_i, W_i)} (+ extra levels).

    Parameters
    ----------
    in_channels_list : list of int
        C_i of each input level, finest first.
    out_channels : int
        D, the width of every output level.
    extra_blocks : nn.Module, optional
        :class:`LastLevelMaxPool` or :class:`LastLevelP6P7`.
    """

    def __init__(self, in_channels_list: list[int], out_channels: int, extra_blocks: nn.Module | None = None):
        super().__init__()
        if not in_channels_list or any(c <= 0 for c in in_channels_list):
            raise ValueError(f"in_channels_list must be positive widths; got {in_channels_list}.")
        # each block is a one-layer Sequential so the keys read inner_blocks.i.0.weight (torchvision's)
        self.inner_blocks = nn.ModuleList(nn.Sequential(nn.Conv2d(c, out_channels, 1)) for c in in_channels_list)
        self.layer_blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(out_channels, out_channels, 3, padding=1)) for _ in in_channels_list
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                nn.init.zeros_(m.bias)
        self.extra_blocks = extra_blocks

    def forward(self, x: OrderedDict[str, torch.Tensor]) -> OrderedDict[str, torch.Tensor]:
        names, feats = list(x.keys()), list(x.values())
        last_inner = self.inner_blocks[-1](feats[-1])  # (N, D, H_L, W_L)
        results = [self.layer_blocks[-1](last_inner)]
        for i in range(len(feats) - 2, -1, -1):
            lateral = self.inner_blocks[i](feats[i])  # (N, D, H_i, W_i)
            top_down = F.interpolate(last_inner, size=lateral.shape[-2:], mode="nearest")
            last_inner = lateral + top_down
            results.insert(0, self.layer_blocks[i](last_inner))
        if self.extra_blocks is not None:
            results, names = self.extra_blocks(results, feats, names)
        return OrderedDict(zip(names, results, strict=False))
