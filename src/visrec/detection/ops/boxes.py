"""Box formats, validation, area, IoU, generalized IoU and its loss, masks to boxes.

Boxes are float tensors of shape (N, 4). The default format is ``xyxy`` = (x1, y1, x2, y2) in absolute
pixel coordinates with x2 > x1 and y2 > y1 (torchvision's convention); ``xywh`` = (x1, y1, w, h) (COCO's
annotation format); ``cxcywh`` = (centre x, centre y, w, h) (YOLO / DETR). Every function matches
``torchvision.ops`` of the same name (checked against ``../shared/oracles/torchvision_ops.npz``).

>>> import torch
>>> a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
>>> b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [4.0, 4.0, 5.0, 5.0]])
>>> box_iou(a, b)
tensor([[0.1429, 0.0000]])
>>> box_convert(a, "xyxy", "cxcywh")
tensor([[1., 1., 2., 2.]])
"""

from __future__ import annotations

import torch
from torch import Tensor

from visrec.utils.errors import DataError

__all__ = [
    "BOX_FORMATS",
    "box_convert",
    "box_area",
    "box_iou",
    "box_iou_reference",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "check_boxes",
    "clip_boxes_to_image",
    "remove_small_boxes",
    "masks_to_boxes",
]

BOX_FORMATS = ("xyxy", "xywh", "cxcywh")


def _to_xyxy(boxes: Tensor, fmt: str) -> Tensor:
    if fmt == "xyxy":
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if fmt == "xywh":  # (x1, y1, w, h)
        return torch.stack([a, b, a + c, b + d], dim=-1)
    return torch.stack([a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d], dim=-1)  # cxcywh


def _from_xyxy(boxes: Tensor, fmt: str) -> Tensor:
    if fmt == "xyxy":
        return boxes
    x1, y1, x2, y2 = boxes.unbind(-1)
    w, h = x2 - x1, y2 - y1
    if fmt == "xywh":
        return torch.stack([x1, y1, w, h], dim=-1)
    return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, w, h], dim=-1)  # cxcywh


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes (N, 4) between ``xyxy``, ``xywh`` and ``cxcywh``; returns (N, 4)."""
    for name, fmt in (("in_fmt", in_fmt), ("out_fmt", out_fmt)):
        if fmt not in BOX_FORMATS:
            raise ValueError(f"box_convert: {name} must be one of {BOX_FORMATS}; got {fmt!r}.")
    if in_fmt == out_fmt:
        return boxes.clone()
    return _from_xyxy(_to_xyxy(boxes, in_fmt), out_fmt)


def check_boxes(
    boxes: Tensor, fmt: str = "xyxy", name: str = "boxes", image_size: tuple[int, int] | None = None,
    allow_empty_area: bool = False,
) -> Tensor:
    """Validate boxes (N, 4) and return them; raise ``DataError`` naming the first bad box.

    Degenerate (zero width or height) and inverted boxes are an error here, so they never become a NaN
    loss later (``log(w_gt / w_anchor)`` of a zero width). ``image_size = (H, W)`` also rejects boxes that
    leave the image by more than half a pixel. ``name`` is put in the message (a file name, say).
    """
    if not isinstance(boxes, Tensor):
        boxes = torch.as_tensor(boxes, dtype=torch.float32)
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise DataError(f"{name}: expected boxes of shape (N, 4); got shape {tuple(boxes.shape)}.")
    if not torch.isfinite(boxes).all():
        bad = int((~torch.isfinite(boxes)).any(dim=1).nonzero()[0])
        raise DataError(f"{name}: box {bad} has a non-finite coordinate: {boxes[bad].tolist()}.")
    xyxy = _to_xyxy(boxes, fmt) if fmt != "xyxy" else boxes
    w, h = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
    bad_mask = (w < 0) | (h < 0) if allow_empty_area else (w <= 0) | (h <= 0)
    if bad_mask.any():
        bad = int(bad_mask.nonzero()[0])
        kind = "inverted" if (w[bad] < 0 or h[bad] < 0) else "degenerate (zero width or height)"
        raise DataError(
            f"{name}: box {bad} {xyxy[bad].tolist()} (xyxy) is {kind}; expected x2 > x1 and y2 > y1. "
            "Fix or drop that annotation."
        )
    if image_size is not None:
        height, width = image_size
        tol = 0.5
        out = (xyxy[:, 0] < -tol) | (xyxy[:, 1] < -tol)
        out |= (xyxy[:, 2] > width + tol) | (xyxy[:, 3] > height + tol)
        if out.any():
            bad = int(out.nonzero()[0])
            raise DataError(
                f"{name}: box {bad} {xyxy[bad].tolist()} (xyxy) lies outside the {width}x{height} image. "
                "Clip it to the image (clip_boxes_to_image) or fix the annotation."
            )
    return boxes


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clip xyxy boxes (N, 4) to an image of ``size = (H, W)``."""
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return torch.stack((x, y), dim=-1).reshape(boxes.shape)


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices (M,) of the xyxy boxes whose width and height are both at least ``min_size``."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return torch.where((w >= min_size) & (h >= min_size))[0]


def box_area(boxes: Tensor) -> Tensor:
    """Area (N,) of xyxy boxes (N, 4): (x2 - x1) * (y2 - y1)."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    rb = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])  # (N, M, 2)
    wh = (rb - lt).clamp(min=0)  # (N, M, 2)
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    union = area1[:, None] + area2[None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise intersection over union (N, M) of xyxy boxes (N, 4) and (M, 4). No epsilon: two
    zero-area boxes give NaN, as in torchvision."""
    inter, union = _inter_union(boxes1, boxes2)
    return inter / union


def box_iou_reference(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """The same IoU (N, M) with two Python loops over scalar coordinates: the readable definition."""
    out = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype)
    for i, (ax1, ay1, ax2, ay2) in enumerate(boxes1.tolist()):
        for j, (bx1, by1, bx2, by2) in enumerate(boxes2.tolist()):
            iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
            ih = max(0.0, min(ay2, by2) - max(ay1, by1))
            inter = iw * ih
            union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
            out[i, j] = inter / union if union != 0 else float("nan")
    return out


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU (N, M) (Rezatofighi et al., 2019): IoU - (C - U) / C, with C the area of
    the smallest box enclosing both. In [-1, 1]; no epsilon."""
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    lti = torch.min(boxes1[:, None, :2], boxes2[None, :, :2])
    rbi = torch.max(boxes1[:, None, 2:], boxes2[None, :, 2:])
    whi = (rbi - lti).clamp(min=0)  # (N, M, 2)
    enclosing = whi[..., 0] * whi[..., 1]
    return iou - (enclosing - union) / enclosing


def generalized_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """1 - GIoU of paired xyxy boxes (N, 4), (N, 4) -> (N,) (or its mean / sum); differentiable.

    Divides by (union + eps) and (enclosing area + eps), so identical boxes give about 5e-10, not 0.
    """
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xk1, yk1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xk2, yk2 = torch.min(x2, x2g), torch.min(y2, y2g)
    overlap = (yk2 > yk1) & (xk2 > xk1)
    inter = torch.where(overlap, (xk2 - xk1) * (yk2 - yk1), torch.zeros_like(x1))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    enclosing = (xc2 - xc1) * (yc2 - yc1)
    loss = 1 - (iou - (enclosing - union) / (enclosing + eps))
    return _reduce(loss, reduction, "generalized_box_iou_loss")


def _reduce(loss: Tensor, reduction: str, owner: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{owner}: reduction must be 'none', 'mean' or 'sum'; got {reduction!r}.")


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight xyxy boxes (N, 4), float32, around binary masks (N, H, W), with inclusive pixel indices
    (a one-pixel mask at (y, x) gives [x, y, x, y]); an empty mask gives [0, 0, 0, 0]."""
    if masks.ndim != 3:
        raise ValueError(f"masks_to_boxes: expected masks of shape (N, H, W); got {tuple(masks.shape)}.")
    n, height, width = masks.shape
    boxes = torch.zeros((n, 4), dtype=torch.float32, device=masks.device)
    if n == 0:
        return boxes
    on = masks != 0
    rows, cols = on.any(dim=2), on.any(dim=1)  # (N, H), (N, W)
    ys = torch.arange(height, device=masks.device)
    xs = torch.arange(width, device=masks.device)
    big = max(height, width) + 1
    boxes[:, 0] = torch.where(cols, xs, big).amin(dim=1).float()
    boxes[:, 1] = torch.where(rows, ys, big).amin(dim=1).float()
    boxes[:, 2] = torch.where(cols, xs, -1).amax(dim=1).float()
    boxes[:, 3] = torch.where(rows, ys, -1).amax(dim=1).float()
    empty = ~on.flatten(1).any(dim=1)
    boxes[empty] = 0.0
    return boxes
