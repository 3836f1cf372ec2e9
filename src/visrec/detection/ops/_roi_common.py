"""What RoI pooling and RoI align share: the rois format, output sizes, and chunked row gathers."""

from __future__ import annotations

import torch
from torch import Tensor

# Elements gathered per chunk of rois (float32: 4 bytes each); bounds the memory of the fast kernels.
GATHER_BUDGET = 1 << 23


def pair(size) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    if len(size) != 2:
        raise ValueError(f"output_size must be an int or (height, width); got {size!r}.")
    return int(size[0]), int(size[1])


def as_rois(boxes, input: Tensor, owner: str) -> Tensor:
    """Accept rois (K, 5) rows [batch_index, x1, y1, x2, y2] or a list of per-image boxes [(L_i, 4)]."""
    if isinstance(boxes, (list, tuple)):
        parts = []
        for i, b in enumerate(boxes):
            if b.ndim != 2 or b.shape[-1] != 4:
                raise ValueError(f"{owner}: boxes[{i}] must have shape (L, 4); got {tuple(b.shape)}.")
            parts.append(torch.cat([torch.full_like(b[:, :1], i), b], dim=1))
        rois = torch.cat(parts, dim=0) if parts else input.new_zeros((0, 5))
    else:
        rois = boxes
    if rois.ndim != 2 or rois.shape[-1] != 5:
        raise ValueError(f"{owner}: rois must have shape (K, 5) [batch_index, x1, y1, x2, y2]; "
                         f"got {tuple(rois.shape)}.")
    if input.ndim != 4:
        raise ValueError(f"{owner}: input must have shape (N, C, H, W); got {tuple(input.shape)}.")
    return rois.detach().to(input.dtype)


def chunks(count: int, per_item: int):
    """Yield slices of ``range(count)`` whose gathered size stays under ``GATHER_BUDGET``."""
    step = max(1, GATHER_BUDGET // max(1, per_item))
    for start in range(0, count, step):
        yield slice(start, min(count, start + step))


def pixel_table(input: Tensor) -> Tensor:
    """(N, C, H, W) -> (N H W, C): one row per pixel, so a gather by flat index costs K S C, not K C H W."""
    n, c, h, w = input.shape
    return input.permute(0, 2, 3, 1).reshape(n * h * w, c)
