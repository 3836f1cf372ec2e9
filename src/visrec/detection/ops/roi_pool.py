"""RoI max pooling (Fast R-CNN, Girshick, 2015): snap the roi to the feature grid, max over each bin.

Semantics of ``torchvision.ops.roi_pool``. The scaled corners are rounded half away from zero (C's
``round``: 0.5 -> 1, unlike NumPy's half-to-even); the roi spans round(x2) - round(x1) + 1 cells (at
least 1); bin (ph, pw) covers rows floor(ph h / PH) .. ceil((ph + 1) h / PH) - 1 offset by the roi start,
clipped to the map. Its output is the first maximum in row-major order; an empty bin gives 0 and passes
no gradient. The gradient of each output goes to the input cell it came from (autograd through a gather).

>>> import torch
>>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
>>> roi_pool(x, torch.tensor([[0.0, 0.0, 0.0, 3.0, 3.0]]), output_size=2)
tensor([[[[ 5.,  7.],
          [13., 15.]]]])
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._roi_common import as_rois, chunks, pair, pixel_table

__all__ = ["roi_pool", "roi_pool_reference", "RoIPool"]


def _round_half_away(x: Tensor) -> Tensor:
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def _bin_edges(start: Tensor, extent: Tensor, pooled: int, size: int, dtype: torch.dtype):
    """Bin start / end (exclusive) indices (K, P) along one axis, clipped to [0, size]."""
    bin_size = extent.to(dtype)[:, None] / pooled
    p = torch.arange(pooled, dtype=bin_size.dtype, device=start.device)[None, :]
    lo = torch.floor(p * bin_size).long() + start[:, None]
    hi = torch.ceil((p + 1) * bin_size).long() + start[:, None]
    return lo.clamp(0, size), hi.clamp(0, size)


def roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:
    """RoI max pooling of ``input`` (N, C, H, W) over rois (K, 5) or boxes [(L_i, 4)] -> (K, C, PH, PW)."""
    rois = as_rois(boxes, input, "roi_pool")
    pooled_h, pooled_w = pair(output_size)
    n, c, height, width = input.shape
    k = rois.shape[0]
    if k == 0:
        return input.new_zeros((0, c, pooled_h, pooled_w))
    with torch.no_grad():
        corners = _round_half_away(rois[:, 1:] * spatial_scale).long()  # (K, 4) x1, y1, x2, y2
        roi_w = (corners[:, 2] - corners[:, 0] + 1).clamp(min=1)
        roi_h = (corners[:, 3] - corners[:, 1] + 1).clamp(min=1)
        hs, he = _bin_edges(corners[:, 1], roi_h, pooled_h, height, input.dtype)  # (K, PH)
        ws, we = _bin_edges(corners[:, 0], roi_w, pooled_w, width, input.dtype)  # (K, PW)
        span_h = max(1, int((he - hs).max()))
        span_w = max(1, int((we - ws).max()))
        rows = hs[:, :, None] + torch.arange(span_h)  # (K, PH, Bh)
        cols = ws[:, :, None] + torch.arange(span_w)  # (K, PW, Bw)
        valid = (rows < he[:, :, None])[:, :, :, None, None] & (cols < we[:, :, None])[:, None, None, :, :]
        flat = rois[:, 0].long()[:, None, None, None, None] * (height * width) \
            + rows.clamp(max=height - 1)[:, :, :, None, None] * width \
            + cols.clamp(max=width - 1)[:, None, None, :, :]  # (K, PH, Bh, PW, Bw)
        empty = (he <= hs)[:, :, None] | (we <= ws)[:, None, :]  # (K, PH, PW)
    table = pixel_table(input)
    outputs = []
    for part in chunks(k, pooled_h * span_h * pooled_w * span_w * c):
        vals = table[flat[part]]  # (k, PH, Bh, PW, Bw, C)
        vals = torch.where(valid[part][..., None], vals, torch.full_like(vals, -math.inf))
        vals = vals.permute(0, 5, 1, 3, 2, 4).flatten(-2)  # (k, C, PH, PW, Bh Bw), row-major in the bin
        best = vals.max(dim=-1).values  # the first maximum on ties
        outputs.append(torch.where(empty[part][:, None], torch.zeros_like(best), best))
    return torch.cat(outputs, dim=0)


def roi_pool_reference(input: Tensor, rois: Tensor, output_size, spatial_scale: float = 1.0) -> Tensor:
    """Loops over rois and bins; within a bin a scan that keeps the first strict maximum."""
    pooled_h, pooled_w = pair(output_size)
    _, c, height, width = input.shape

    def c_round(v: float) -> int:
        return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

    out = []
    for b, x1, y1, x2, y2 in rois.tolist():
        fmap = input[int(b)]
        plain = fmap.detach()
        sx, sy, ex, ey = (c_round(v * spatial_scale) for v in (x1, y1, x2, y2))
        roi_w, roi_h = max(ex - sx + 1, 1), max(ey - sy + 1, 1)
        bin_h, bin_w = roi_h / pooled_h, roi_w / pooled_w
        bins = []
        for ph in range(pooled_h):
            h0 = min(max(math.floor(ph * bin_h) + sy, 0), height)
            h1 = min(max(math.ceil((ph + 1) * bin_h) + sy, 0), height)
            for pw in range(pooled_w):
                w0 = min(max(math.floor(pw * bin_w) + sx, 0), width)
                w1 = min(max(math.ceil((pw + 1) * bin_w) + sx, 0), width)
                if h1 <= h0 or w1 <= w0:
                    bins.append(input.new_zeros(c))
                    continue
                channel_max = []
                for ch in range(c):
                    best, where = -math.inf, (h0, w0)
                    for h in range(h0, h1):
                        for w in range(w0, w1):
                            if float(plain[ch, h, w]) > best:
                                best, where = float(plain[ch, h, w]), (h, w)
                    channel_max.append(fmap[ch, where[0], where[1]])
                bins.append(torch.stack(channel_max))
        out.append(torch.stack(bins, dim=1).reshape(c, pooled_h, pooled_w))
    return torch.stack(out) if out else input.new_zeros((0, c, pooled_h, pooled_w))


class RoIPool(nn.Module):
    """Module form of :func:`roi_pool` (``forward(input, rois)``)."""

    def __init__(self, output_size, spatial_scale: float):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale

    def forward(self, input: Tensor, rois) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, spatial_scale={self.spatial_scale}"
