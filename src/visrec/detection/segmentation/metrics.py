"""Pixel accuracy and mean IoU from one confusion matrix (pixels with the ignore label are skipped).

>>> import numpy as np
>>> target = np.array([[0, 0, 1, 1]])
>>> pred = np.array([[0, 1, 1, 1]])
>>> c = confusion_matrix(pred, target, num_classes=2)
>>> pixel_accuracy(c), round(mean_iou(c), 4)
(0.75, 0.5833)
"""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "pixel_accuracy", "per_class_iou", "mean_iou", "segmentation_scores"]


def confusion_matrix(pred, target, num_classes: int, ignore_index: int | None = 255) -> np.ndarray:
    """(K, K) int64 counts: rows are the true class, columns the predicted one."""
    pred, target = np.asarray(pred).reshape(-1), np.asarray(target).reshape(-1)
    if pred.shape != target.shape:
        raise ValueError(f"confusion_matrix: prediction has {pred.size} pixels, target {target.size}.")
    keep = target != ignore_index if ignore_index is not None else np.ones_like(target, bool)
    t, p = target[keep].astype(np.int64), pred[keep].astype(np.int64)
    return np.bincount(t * num_classes + p, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def pixel_accuracy(confusion: np.ndarray) -> float:
    """Correct pixels / all counted pixels."""
    total = confusion.sum()
    return float(np.trace(confusion) / total) if total else 0.0


def per_class_iou(confusion: np.ndarray) -> np.ndarray:
    """IoU (K,) = TP / (TP + FP + FN) per class; NaN for a class absent from both target and prediction."""
    tp = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)


def mean_iou(confusion: np.ndarray) -> float:
    """Mean of the per-class IoUs over the classes that occur (in the target or the prediction)."""
    iou = per_class_iou(confusion)
    return float(np.nanmean(iou)) if np.isfinite(iou).any() else 0.0


def segmentation_scores(pred, target, num_classes: int, ignore_index: int | None = 255) -> dict:
    """{"pixel_accuracy", "mean_iou", "iou_per_class"} for label maps of the same shape."""
    c = confusion_matrix(pred, target, num_classes, ignore_index)
    return {"pixel_accuracy": pixel_accuracy(c), "mean_iou": mean_iou(c),
            "iou_per_class": [None if np.isnan(v) else float(v) for v in per_class_iou(c)]}
