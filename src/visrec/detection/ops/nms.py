"""Non-maximum suppression (greedy, as in every detector since R-CNN) and its per-class form.

Greedy NMS: visit the boxes by decreasing score; keep the current box and suppress every later box whose
IoU with it is strictly greater than ``iou_threshold``. Semantics match ``torchvision.ops.nms``: the sort is
stable (among equal scores the lower index is visited first), IoU equal to the threshold is *not*
suppressed, and a threshold of 1.0 keeps even identical boxes.

>>> import torch
>>> boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
>>> nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
tensor([0, 2])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .boxes import box_iou

__all__ = ["nms", "nms_reference", "batched_nms", "batched_nms_reference", "select_detections"]

MATRIX_LIMIT = 4096  # boxes up to which the full (N, N) IoU matrix is built


def _check(boxes: Tensor, scores: Tensor) -> None:
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"nms: expected boxes of shape (N, 4); got {tuple(boxes.shape)}.")
    if scores.shape != boxes.shape[:1]:
        raise ValueError(f"nms: expected scores of shape ({boxes.shape[0]},); got {tuple(scores.shape)}.")


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy NMS on xyxy boxes (N, 4) with scores (N,); returns kept indices (M,) int64, by score.

    Up to ``MATRIX_LIMIT`` boxes: one IoU matrix, then a scan in score order that only does work for the
    kept boxes (a suppressed box is skipped with one lookup). Beyond it, IoU rows are computed per kept
    box, so memory stays O(N).
    """
    _check(boxes, scores)
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    order = torch.sort(scores, descending=True, stable=True).indices
    ordered = boxes[order]
    n = len(order)
    suppressed = np.zeros(n, dtype=bool)
    keep = []
    if n <= MATRIX_LIMIT:
        overlaps = (box_iou(ordered, ordered) > iou_threshold).cpu().numpy()  # (N, N), visiting order
        for i in range(n):
            if not suppressed[i]:
                keep.append(i)
                suppressed |= overlaps[i]
    else:
        for i in range(n):
            if not suppressed[i]:
                keep.append(i)
                row = (box_iou(ordered[i:i + 1], ordered[i + 1:])[0] > iou_threshold).cpu().numpy()
                suppressed[i + 1:] |= row
    return order[torch.as_tensor(keep, dtype=torch.int64, device=boxes.device)]


def nms_reference(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """The textbook double loop with scalar IoU: slow, readable, the definition ``nms`` is tested on."""
    _check(boxes, scores)
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))  # Python's sort is stable
    coords = boxes.tolist()
    suppressed = [False] * len(order)
    keep = []
    for a, i in enumerate(order):
        if suppressed[a]:
            continue
        keep.append(i)
        x1, y1, x2, y2 = coords[i]
        for b in range(a + 1, len(order)):
            u1, v1, u2, v2 = coords[order[b]]
            inter = max(0.0, min(x2, u2) - max(x1, u1)) * max(0.0, min(y2, v2) - max(y1, v1))
            union = (x2 - x1) * (y2 - y1) + (u2 - u1) * (v2 - v1) - inter
            if union > 0 and inter / union > iou_threshold:
                suppressed[b] = True
    return torch.tensor(keep, dtype=torch.int64)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """NMS within each category: boxes (N, 4), scores (N,), category ids idxs (N,) -> kept indices (M,)
    sorted by decreasing score. Boxes of different categories never suppress each other.

    Small inputs (N * 4 <= 4000) shift each category's boxes by ``idx * (max coordinate + 1)`` so that one
    ``nms`` call does it all; larger ones loop over categories (torchvision makes the same choice).
    """
    _check(boxes, scores)
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    if boxes.numel() > 4000:
        keep_mask = torch.zeros_like(scores, dtype=torch.bool)
        for class_id in torch.unique(idxs):
            members = torch.where(idxs == class_id)[0]
            keep_mask[members[nms(boxes[members], scores[members], iou_threshold)]] = True
        kept = torch.where(keep_mask)[0]
        return kept[scores[kept].sort(descending=True).indices]
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def batched_nms_reference(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Per-category ``nms_reference``, merged and stably sorted by decreasing score."""
    kept = []
    for class_id in sorted(set(idxs.tolist())):
        members = [i for i in range(len(idxs)) if int(idxs[i]) == class_id]
        sub = nms_reference(boxes[members], scores[members], iou_threshold)
        kept.extend(members[int(j)] for j in sub)
    kept.sort(key=lambda i: (-float(scores[i]), i))
    return torch.tensor(kept, dtype=torch.int64)


def select_detections(boxes: Tensor, scores: Tensor, labels: Tensor, iou_threshold: float,
                      max_detections: int) -> dict[str, Tensor]:
    """The last step of a detector: drop empty boxes, class-wise NMS, keep the ``max_detections`` best.

    boxes (Tensor[N, 4]) xyxy, scores (Tensor[N]), labels (Tensor[N]) -> {"boxes", "scores", "labels"},
    sorted by decreasing score.
    """
    ok = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, labels = boxes[ok], scores[ok], labels[ok]
    keep = batched_nms(boxes, scores, labels, iou_threshold)[:max_detections]
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}
