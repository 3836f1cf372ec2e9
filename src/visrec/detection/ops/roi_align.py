"""RoI align (Mask R-CNN, He et al., 2017): bilinear samples averaged over each output bin, no rounding.

Semantics of ``torchvision.ops.roi_align``. A roi [b, x1, y1, x2, y2] (image coordinates) is scaled by
``spatial_scale`` into feature coordinates (shifted by -0.5 when ``aligned``, so a pixel's centre maps to
its feature centre); with ``aligned=False`` its width and height are at least 1. It is cut into
output_size = (PH, PW) bins; each bin averages sampling_ratio x sampling_ratio bilinear samples placed at
the centres of a regular sub-grid (``sampling_ratio <= 0``: ceil(roi size / output size) per bin, per
roi). A sample beyond one pixel outside the map (y < -1 or y > H) is 0; the others are clamped into it.

The fast version gathers the four neighbours of every sample at once (rois in chunks) and is differentiable
by autograd with respect to ``input`` (the gradient scatters each output back through the same bilinear
weights, exactly torchvision's backward); rois get no gradient. ``roi_align_reference`` loops.

>>> import torch
>>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
>>> roi_align(x, torch.tensor([[0.0, 0.0, 0.0, 2.0, 2.0]]), output_size=1, sampling_ratio=2, aligned=True)
tensor([[[[2.5000]]]])
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._roi_common import as_rois, chunks, pair, pixel_table

__all__ = ["roi_align", "roi_align_reference", "RoIAlign"]


def _axis_samples(start, bin_size, grid, pooled: int, size: int):
    """Bilinear taps along one axis for every roi, bin and sample: each (K, P, G) for G = max grid.

    Returns low / high indices, their weights (0 for padding samples and samples outside the map, and
    divided by the grid size so that the average is a sum), all detached.
    """
    g_max = max(1, int(grid.max())) if grid.numel() else 1
    p = torch.arange(pooled, dtype=start.dtype, device=start.device)
    i = torch.arange(g_max, dtype=start.dtype, device=start.device)
    grid_f = grid.to(start.dtype).clamp(min=1)[:, None, None]
    coord = (start[:, None, None] + p[None, :, None] * bin_size[:, None, None]) \
        + (i[None, None, :] + 0.5) * bin_size[:, None, None] / grid_f  # (K, P, G)
    valid = (i[None, None, :] < grid[:, None, None]) & (coord >= -1.0) & (coord <= size)
    coord = torch.where(valid, coord, torch.zeros_like(coord)).clamp(min=0)
    low = coord.floor().long()
    at_edge = low >= size - 1
    low = torch.where(at_edge, torch.full_like(low, size - 1), low)
    high = torch.where(at_edge, low, low + 1)
    coord = torch.where(at_edge, low.to(coord.dtype), coord)
    frac = coord - low.to(coord.dtype)
    scale = valid.to(coord.dtype) / grid_f
    return low, high, (1 - frac) * scale, frac * scale


def _geometry(rois: Tensor, pooled_h: int, pooled_w: int, spatial_scale: float, sampling_ratio: int,
              aligned: bool):
    offset = 0.5 if aligned else 0.0
    x1 = rois[:, 1] * spatial_scale - offset
    y1 = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale - offset - x1
    roi_h = rois[:, 4] * spatial_scale - offset - y1
    if not aligned:
        roi_w, roi_h = roi_w.clamp(min=1.0), roi_h.clamp(min=1.0)
    bin_w, bin_h = roi_w / pooled_w, roi_h / pooled_h
    if sampling_ratio > 0:
        grid_h = torch.full_like(roi_h, sampling_ratio, dtype=torch.long)
        grid_w = torch.full_like(roi_w, sampling_ratio, dtype=torch.long)
    else:
        grid_h, grid_w = torch.ceil(roi_h / pooled_h).long(), torch.ceil(roi_w / pooled_w).long()
    return x1, y1, bin_w, bin_h, grid_w, grid_h


def roi_align(input: Tensor, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1,
              aligned: bool = False) -> Tensor:
    """RoI align of ``input`` (N, C, H, W) over rois (K, 5) (or a list of (L_i, 4)) -> (K, C, PH, PW)."""
    rois = as_rois(boxes, input, "roi_align")
    pooled_h, pooled_w = pair(output_size)
    n, c, height, width = input.shape
    k = rois.shape[0]
    if k == 0:
        return input.new_zeros((0, c, pooled_h, pooled_w))
    with torch.no_grad():
        x1, y1, bin_w, bin_h, grid_w, grid_h = _geometry(rois, pooled_h, pooled_w, spatial_scale,
                                                         sampling_ratio, aligned)
        ylo, yhi, wy_lo, wy_hi = _axis_samples(y1, bin_h, grid_h, pooled_h, height)  # (K, PH, Gh)
        xlo, xhi, wx_lo, wx_hi = _axis_samples(x1, bin_w, grid_w, pooled_w, width)  # (K, PW, Gw)
        base = rois[:, 0].long() * (height * width)  # (K,)
    table = pixel_table(input)  # (N H W, C)
    gh, gw = ylo.shape[-1], xlo.shape[-1]
    outputs = []
    for part in chunks(k, pooled_h * gh * pooled_w * gw * c):
        acc = None
        for rows, wy in ((ylo[part], wy_lo[part]), (yhi[part], wy_hi[part])):
            for cols, wx in ((xlo[part], wx_lo[part]), (xhi[part], wx_hi[part])):
                flat = base[part, None, None, None, None] + rows[:, :, :, None, None] * width \
                    + cols[:, None, None, :, :]  # (k, PH, Gh, PW, Gw)
                weight = wy[:, :, :, None, None] * wx[:, None, None, :, :]
                term = (table[flat] * weight[..., None]).sum(dim=(2, 4))  # (k, PH, PW, C)
                acc = term if acc is None else acc + term
        outputs.append(acc.permute(0, 3, 1, 2))  # (k, C, PH, PW)
    return torch.cat(outputs, dim=0)


def _bilinear(fmap: Tensor, y: float, x: float, height: int, width: int) -> Tensor:
    """One bilinear sample (C,) of fmap (C, H, W), with torchvision's border rules."""
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return fmap.new_zeros(fmap.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_low = y_high = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_low = x_high = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1.0 - ly, 1.0 - lx
    return (hy * hx * fmap[:, y_low, x_low] + hy * lx * fmap[:, y_low, x_high]
            + ly * hx * fmap[:, y_high, x_low] + ly * lx * fmap[:, y_high, x_high])


def roi_align_reference(input: Tensor, rois: Tensor, output_size, spatial_scale: float = 1.0,
                        sampling_ratio: int = -1, aligned: bool = False) -> Tensor:
    """Loops over rois, bins and samples: the definition. Differentiable through autograd (slowly)."""
    pooled_h, pooled_w = pair(output_size)
    _, c, height, width = input.shape
    out = []
    offset = 0.5 if aligned else 0.0
    for b, rx1, ry1, rx2, ry2 in rois.tolist():
        fmap = input[int(b)]
        x1, y1 = rx1 * spatial_scale - offset, ry1 * spatial_scale - offset
        roi_w, roi_h = rx2 * spatial_scale - offset - x1, ry2 * spatial_scale - offset - y1
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / pooled_h, roi_w / pooled_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / pooled_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / pooled_w)
        count = max(grid_h * grid_w, 1)
        bins = []
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                total = input.new_zeros(c)
                for iy in range(grid_h):
                    y = y1 + ph * bin_h + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        x = x1 + pw * bin_w + (ix + 0.5) * bin_w / grid_w
                        total = total + _bilinear(fmap, y, x, height, width)
                bins.append(total / count)
        out.append(torch.stack(bins, dim=1).reshape(c, pooled_h, pooled_w))
    return torch.stack(out) if out else input.new_zeros((0, c, pooled_h, pooled_w))


class RoIAlign(nn.Module):
    """Module form of :func:`roi_align` (``forward(input, rois)``)."""

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int, aligned: bool = False):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale
        self.sampling_ratio, self.aligned = sampling_ratio, aligned

    def forward(self, input: Tensor, rois) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}")
