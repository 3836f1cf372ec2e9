"""What both AP flavours share: per-image detections and ground truth as NumPy, and box / mask IoU."""

from __future__ import annotations

import numpy as np

__all__ = ["as_numpy_detections", "ground_truth_of", "iou_matrix"]


def _np(x, dtype=None):
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def as_numpy_detections(detections) -> list[dict]:
    """[dict(boxes (M, 4) xyxy, scores (M,), labels (M,), masks? (M, [1,] H, W))] as NumPy arrays."""
    out = []
    for d in detections:
        row = {"boxes": _np(d["boxes"], np.float64).reshape(-1, 4),
               "scores": _np(d["scores"], np.float64).reshape(-1),
               "labels": _np(d["labels"], np.int64).reshape(-1)}
        if d.get("masks") is not None:
            masks = _np(d["masks"])
            masks = masks[:, 0] if masks.ndim == 4 else masks
            row["masks"] = masks > 0.5 if masks.dtype != bool else masks
        out.append(row)
    return out


def ground_truth_of(dataset) -> list[dict]:
    """Per image: boxes (N, 4) float64, labels (N,), crowd (N,) bool, difficult (N,) bool, area (N,),
    masks (N, H, W) or None, image_id."""
    out = []
    for s in dataset.samples:
        boxes = np.asarray(s.boxes, np.float64).reshape(-1, 4)
        n = len(boxes)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        if s.masks is not None:
            area = s.masks.reshape(n, -1).sum(1).astype(np.float64) if n else area
        out.append({"boxes": boxes, "labels": np.asarray(s.labels, np.int64),
                    "crowd": np.zeros(n, bool) if s.iscrowd is None else np.asarray(s.iscrowd, bool),
                    "difficult": np.zeros(n, bool) if s.difficult is None else np.asarray(s.difficult, bool),
                    "area": area, "masks": s.masks, "image_id": int(s.image_id)})
    return out


def iou_matrix(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray | None = None,
               masks: bool = False) -> np.ndarray:
    """IoU (D, G) of detections and ground truth: xyxy boxes, or masks (D, H, W) / (G, H, W) if ``masks``.

    For a crowd ground truth the denominator is the detection's own area (COCO's rule: a detection inside
    a crowd region is not penalised for the rest of the crowd).
    """
    if len(dt) == 0 or len(gt) == 0:
        return np.zeros((len(dt), len(gt)))
    if masks:
        d = dt.reshape(len(dt), -1).astype(np.float64)
        g = gt.reshape(len(gt), -1).astype(np.float64)
        inter = d @ g.T
        area_d, area_g = d.sum(1), g.sum(1)
    else:
        lt = np.maximum(dt[:, None, :2], gt[None, :, :2])
        rb = np.minimum(dt[:, None, 2:], gt[None, :, 2:])
        wh = (rb - lt).clip(min=0)
        inter = wh[..., 0] * wh[..., 1]
        area_d = (dt[:, 2] - dt[:, 0]) * (dt[:, 3] - dt[:, 1])
        area_g = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    union = area_d[:, None] + area_g[None, :] - inter
    if crowd is not None and crowd.any():
        union = np.where(crowd[None, :], area_d[:, None], union)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
