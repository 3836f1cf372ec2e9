"""The three semantic-segmentation designs of Lecture 11, each mapping (N, C, H, W) -> scores (N, K, H, W).

1. ``sliding_window``: classify the centre pixel of a crop around every pixel with a small CNN. Correct but
   wasteful: neighbouring crops share almost all their pixels and nothing is reused.
2. ``fcn_fullres``: a stack of 3x3 convolutions that keeps the full resolution: all pixels at once, but
   every layer costs H x W x D^2 and the receptive field grows by only 2 pixels per layer.
3. ``fcn_downup``: downsample (max pooling, remembering where the maxima were, or strided convolution),
   then upsample back (max unpooling to the remembered positions, or 3x3 stride-2 transpose convolution,
   the lecture's 2x2 -> 4x4 example), with skip connections from encoder to decoder so that fine detail
   lost to pooling comes back. C x H x W -> D1 x H/2 x W/2 -> D2 x H/4 x W/4 -> ... -> K x H x W.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from visrec.utils.validation import check_choice, check_int

from .registry import register_segmenter

__all__ = ["SlidingWindowSegmenter", "FullResolutionFCN", "DownUpFCN", "sliding_window", "fcn_fullres",
           "fcn_downup"]


def _conv_bn_relu(c_in: int, c_out: int, padding: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=padding, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class SlidingWindowSegmenter(nn.Module):
    """Per-pixel classification of ``patch`` x ``patch`` crops (valid 3x3 convolutions, then a linear head).

    ``classify_patches(crops (P, C, patch, patch)) -> (P, K)`` is what is trained (on sampled pixels);
    ``forward`` cuts one crop per pixel (zero padding at the border) and classifies them in chunks.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, patch: int = 15, width: int = 32,
                 chunk: int = 4096):
        super().__init__()
        check_int("patch", patch, low=3, owner="SlidingWindowSegmenter")
        if patch % 2 == 0:
            raise ValueError(f"SlidingWindowSegmenter: patch must be odd (a centre pixel); got {patch}.")
        self.patch, self.chunk, self.num_classes = patch, chunk, num_classes
        layers, c, size = [], in_channels, patch
        while size > 3:
            layers.append(_conv_bn_relu(c, width, padding=0))
            c, size = width, size - 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c * size * size, num_classes)

    def classify_patches(self, crops: Tensor) -> Tensor:
        return self.head(self.features(crops).flatten(1))

    def crops_at(self, x: Tensor, ys: Tensor, xs: Tensor, batch: Tensor) -> Tensor:
        """Crops (P, C, patch, patch) centred on pixels (batch[i], ys[i], xs[i]) of x (N, C, H, W)."""
        r = self.patch // 2
        padded = F.pad(x, (r, r, r, r))
        offsets = torch.arange(self.patch, device=x.device)
        rows = (ys[:, None] + offsets)[:, :, None]  # (P, patch, 1)
        cols = (xs[:, None] + offsets)[:, None, :]  # (P, 1, patch)
        return padded[batch[:, None, None], :, rows, cols].permute(0, 3, 1, 2)  # (P, C, patch, patch)

    def forward(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        b, ys, xs = torch.meshgrid(torch.arange(n), torch.arange(h), torch.arange(w), indexing="ij")
        b, ys, xs = b.reshape(-1).to(x.device), ys.reshape(-1).to(x.device), xs.reshape(-1).to(x.device)
        scores = [self.classify_patches(self.crops_at(x, ys[i:i + self.chunk], xs[i:i + self.chunk],
                                                      b[i:i + self.chunk]))
                  for i in range(0, len(b), self.chunk)]
        return torch.cat(scores).reshape(n, h, w, self.num_classes).permute(0, 3, 1, 2)


class FullResolutionFCN(nn.Module):
    """``depth`` 3x3 conv-BN-ReLU layers of ``width`` channels at full resolution, then a 1x1 classifier."""

    def __init__(self, in_channels: int = 3, num_classes: int = 2, width: int = 32, depth: int = 6):
        super().__init__()
        check_int("depth", depth, low=1, owner="FullResolutionFCN")
        layers = [_conv_bn_relu(in_channels if i == 0 else width, width) for i in range(depth)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(width, num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class _Down(nn.Module):
    def __init__(self, c_in: int, c_out: int, mode: str):
        super().__init__()
        self.mode = mode
        self.reduce = nn.Conv2d(c_in, c_in, 3, stride=2, padding=1) if mode == "strided" else None
        self.block = nn.Sequential(_conv_bn_relu(c_in, c_out), _conv_bn_relu(c_out, c_out))

    def forward(self, x: Tensor):
        if self.mode == "strided":
            return self.block(self.reduce(x)), None
        pooled, indices = F.max_pool2d(x, 2, return_indices=True)  # remember where the maxima were
        return self.block(pooled), indices


class _Up(nn.Module):
    def __init__(self, c_in: int, c_skip: int, c_out: int, mode: str, skip: bool):
        super().__init__()
        self.mode, self.skip = mode, skip
        if mode == "transpose":  # 3x3, stride 2, pad 1, output_padding 1: H -> 2H (the lecture's 2x2 -> 4x4)
            self.up = nn.ConvTranspose2d(c_in, c_in, 3, stride=2, padding=1, output_padding=1)
        self.block = nn.Sequential(_conv_bn_relu(c_in + (c_skip if skip else 0), c_out),
                                   _conv_bn_relu(c_out, c_out))

    def forward(self, x: Tensor, skip: Tensor, indices: Tensor | None) -> Tensor:
        if self.mode == "transpose":
            x = self.up(x)
        elif self.mode == "unpool":
            # max unpooling needs the pooled map's channels: the block below kept them equal (see DownUpFCN)
            x = F.max_unpool2d(x, indices, 2, output_size=skip.shape[-2:])
        else:
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
        return self.block(torch.cat([x, skip], 1) if self.skip else x)


class DownUpFCN(nn.Module):
    """Encoder-decoder FCN with skip connections (U-Net-like).

    Parameters
    ----------
    widths : channels per level, e.g. (16, 32, 64): the input is halved len(widths) - 1 times.
    down : "maxpool" (indices kept for "unpool") | "strided" (stride-2 convolution)
    up : "transpose" (learned 3x3 stride-2 transpose conv) | "unpool" (max unpooling; needs down="maxpool")
         | "nearest" (nearest-neighbour unpooling)
    skips : concatenate the encoder's map of the same resolution before each decoder block
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, widths=(16, 32, 64), down: str = "maxpool",
                 up: str = "transpose", skips: bool = True):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        check_choice("down", down, ("maxpool", "strided"), owner="DownUpFCN")
        check_choice("up", up, ("transpose", "unpool", "nearest"), owner="DownUpFCN")
        if up == "unpool" and down != "maxpool":
            raise ValueError("DownUpFCN: up='unpool' puts values back where max pooling found them; "
                             "it needs down='maxpool'.")
        if len(widths) < 2:
            raise ValueError(f"DownUpFCN: widths needs at least two levels; got {widths}.")
        self.stem = nn.Sequential(_conv_bn_relu(in_channels, widths[0]), _conv_bn_relu(widths[0], widths[0]))
        self.downs = nn.ModuleList(_Down(widths[i], widths[i + 1], down) for i in range(len(widths) - 1))
        ups = []
        for i in reversed(range(len(widths) - 1)):
            c_in = widths[i + 1]
            if up == "unpool":  # unpool at the pooled channel count: project first
                ups.append(nn.ModuleDict({"project": nn.Conv2d(c_in, widths[i], 1),
                                          "up": _Up(widths[i], widths[i], widths[i], up, skips)}))
            else:
                ups.append(nn.ModuleDict({"up": _Up(c_in, widths[i], widths[i], up, skips)}))
        self.ups = nn.ModuleList(ups)
        self.classifier = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        m = 2 ** len(self.downs)  # pad to a multiple of the total stride so every level halves exactly
        x = F.pad(x, (0, (-w) % m, 0, (-h) % m), mode="replicate" if (h % m or w % m) else "constant")
        x = self.stem(x)
        skips, indices = [], []
        for down in self.downs:
            skips.append(x)
            x, idx = down(x)
            indices.append(idx)
        for stage, skip, idx in zip(self.ups, reversed(skips), reversed(indices), strict=True):
            if "project" in stage:
                x = stage["project"](x)
            x = stage["up"](x, skip, idx)
        return self.classifier(x)[..., :h, :w]


@register_segmenter
def sliding_window(in_channels: int = 3, num_classes: int = 2, patch: int = 15, width: int = 32) -> nn.Module:
    """The inefficient baseline: one CNN evaluation per pixel on a patch x patch crop."""
    return SlidingWindowSegmenter(in_channels, num_classes, patch=patch, width=width)


@register_segmenter
def fcn_fullres(in_channels: int = 3, num_classes: int = 2, width: int = 32, depth: int = 6) -> nn.Module:
    """Fully convolutional at full resolution."""
    return FullResolutionFCN(in_channels, num_classes, width=width, depth=depth)


@register_segmenter
def fcn_downup(in_channels: int = 3, num_classes: int = 2, widths=(16, 32, 64), down: str = "maxpool",
               up: str = "transpose", skips: bool = True) -> nn.Module:
    """Downsampling / upsampling FCN with skip connections."""
    return DownUpFCN(in_channels, num_classes, widths=widths, down=down, up=up, skips=skips)
