"""Weighted box fusion (Solovyev, Wang and Gabruseva 2019): merge the detections of several views of one
image (test-time augmentation) or of several models into one set.

NMS keeps the best box of each overlapping group and drops the rest; fusion averages the group instead:
boxes are visited by decreasing score, each joins the first cluster whose fused box it overlaps with IoU
> ``iou_threshold`` (same label), and a cluster's box is the score-weighted mean of its members'. A cluster
found by T of the ``n_views`` views scores ``mean(scores) * min(T, n_views) / n_views``, so a box that only
one view of eight saw is down-weighted.

>>> import torch
>>> boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [2.0, 0.0, 12.0, 10.0], [50.0, 50.0, 60.0, 60.0]])
>>> out = weighted_box_fusion(boxes, torch.tensor([0.9, 0.3, 0.8]), torch.tensor([1, 1, 1]), 0.5, n_views=2)
>>> out["boxes"].tolist(), [round(s, 2) for s in out["scores"].tolist()]
([[0.5, 0.0, 10.5, 10.0], [50.0, 50.0, 60.0, 60.0]], [0.6, 0.4])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["weighted_box_fusion"]


def _iou_one(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU (C,) of one xyxy box (4,) with others (C, 4)."""
    lt, rb = np.maximum(box[:2], others[:, :2]), np.minimum(box[2:], others[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(others[:, 2:] - others[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-12)


def weighted_box_fusion(boxes: Tensor, scores: Tensor, labels: Tensor, iou_threshold: float = 0.55,
                        n_views: int = 1) -> dict[str, Tensor]:
    """boxes (Tensor[N, 4]) xyxy, scores (Tensor[N]), labels (Tensor[N]) -> fused {"boxes", "scores",
    "labels"}, sorted by decreasing score. Visits the N boxes once; memory O(N)."""
    if n_views < 1:
        raise ValueError(f"n_views must be >= 1; got {n_views}.")
    all_b = boxes.detach().cpu().double().numpy().reshape(-1, 4)
    all_s = scores.detach().cpu().double().numpy().reshape(-1)
    all_l = labels.detach().cpu().numpy().reshape(-1)
    out_b, out_s, out_l = [], [], []
    for label in np.unique(all_l):
        sel = np.flatnonzero(all_l == label)
        sel = sel[np.argsort(-all_s[sel], kind="stable")]
        fused = np.zeros((len(sel), 4))  # cluster c: fused[c] = weighted[c] / weight[c]
        weighted, weight, members = np.zeros((len(sel), 4)), np.zeros(len(sel)), np.zeros(len(sel))
        n = 0
        for i in sel:
            b, s = all_b[i], all_s[i]
            j = -1
            if n:
                iou = _iou_one(b, fused[:n])
                best = int(iou.argmax())
                j = best if iou[best] > iou_threshold else -1
            if j < 0:
                j, n = n, n + 1
            weighted[j] += b * s
            weight[j] += s
            members[j] += 1
            fused[j] = weighted[j] / weight[j] if weight[j] > 0 else b  # zero scores: keep the first box
        out_b.append(fused[:n])
        out_s.append(weight[:n] / members[:n] * np.minimum(members[:n], n_views) / n_views)
        out_l.append(np.full(n, label))
    if not out_b:
        return {"boxes": boxes.new_zeros((0, 4)), "scores": scores.new_zeros(0), "labels": labels.new_zeros(0)}
    fb, fs, fl = np.concatenate(out_b), np.concatenate(out_s), np.concatenate(out_l)
    order = np.argsort(-fs, kind="stable")
    return {"boxes": torch.as_tensor(fb[order], dtype=boxes.dtype),
            "scores": torch.as_tensor(fs[order], dtype=scores.dtype),
            "labels": torch.as_tensor(fl[order], dtype=labels.dtype)}
