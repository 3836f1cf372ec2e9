"""Pascal VOC average precision: per class, detections ranked by score over the whole dataset.

A detection is a true positive if its best-overlapping ground truth of the same class in the same image
has IoU > ``iou_threshold`` (strictly, as the VOC devkit) and was not matched yet; otherwise a false
positive. ``difficult`` ground truth is neither: a detection matching it is ignored. AP is the area under
the precision-recall curve made monotone (precision at recall r = the best precision at any recall >= r):

- ``all-point`` (VOC 2010 onwards): the exact area under that envelope;
- ``11-point`` (VOC 2007): the mean of the envelope at recall 0, 0.1, ..., 1.0.

Boxes are continuous xyxy (no "+1" pixel convention).

>>> voc_ap(np.array([0.5, 1.0]), np.array([1.0, 0.5]))
0.75
>>> round(voc_ap(np.array([0.5, 1.0]), np.array([1.0, 0.5]), eleven_point=True), 4)
0.7727
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matching import as_numpy_detections, ground_truth_of, iou_matrix

__all__ = ["voc_ap", "voc_evaluate", "VOCResult"]


def voc_ap(recall: np.ndarray, precision: np.ndarray, eleven_point: bool = False) -> float:
    """AP from a precision-recall curve (recall (D,) non-decreasing, precision (D,))."""
    if eleven_point:
        points = []
        for r in np.linspace(0, 1, 11):
            above = precision[recall >= r]
            points.append(above.max() if above.size else 0.0)
        return float(np.mean(points))
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # the monotone envelope
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


@dataclass
class VOCResult:
    ap: dict[int, float]  # label -> AP (classes without ground truth are left out)
    curves: dict[int, tuple[np.ndarray, np.ndarray]]  # label -> (recall, precision)
    num_ground_truth: dict[int, int]

    @property
    def map(self) -> float:
        return float(np.mean(list(self.ap.values()))) if self.ap else 0.0


def voc_evaluate(detections, dataset, iou_threshold: float = 0.5, eleven_point: bool = False) -> VOCResult:
    """VOC AP per class of ``detections`` (one dict per image of ``dataset``, in order; boxes xyxy,
    scores, labels in 1..K) against the dataset's ground truth."""
    dets, gts = as_numpy_detections(detections), ground_truth_of(dataset)
    if len(dets) != len(gts):
        raise ValueError(f"voc_evaluate: {len(dets)} detection dicts for {len(gts)} images; "
                         "pass one per image.")
    labels = sorted({int(v) for g in gts for v in g["labels"]})
    ap, curves, counts = {}, {}, {}
    for label in labels:
        gt_boxes = [g["boxes"][g["labels"] == label] for g in gts]
        gt_difficult = [g["difficult"][g["labels"] == label] for g in gts]
        positives = int(sum((~d).sum() for d in gt_difficult))
        if positives == 0:
            continue
        rows = [(i, j) for i, d in enumerate(dets) for j in np.flatnonzero(d["labels"] == label)]
        scores = np.array([dets[i]["scores"][j] for i, j in rows])
        order = np.argsort(-scores, kind="stable")
        used = [np.zeros(len(b), bool) for b in gt_boxes]
        tp, fp = np.zeros(len(rows)), np.zeros(len(rows))
        for rank, k in enumerate(order):
            i, j = rows[k]
            if len(gt_boxes[i]) == 0:
                fp[rank] = 1
                continue
            overlaps = iou_matrix(dets[i]["boxes"][j:j + 1], gt_boxes[i])[0]
            best = int(np.argmax(overlaps))
            if overlaps[best] > iou_threshold:
                if gt_difficult[i][best]:
                    continue  # neither a hit nor a miss
                if not used[i][best]:
                    used[i][best] = True
                    tp[rank] = 1
                else:
                    fp[rank] = 1
            else:
                fp[rank] = 1
        tp, fp = np.cumsum(tp), np.cumsum(fp)
        recall = tp / positives
        precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        ap[label] = voc_ap(recall, precision, eleven_point)
        curves[label] = (recall, precision)
        counts[label] = positives
    return VOCResult(ap, curves, counts)
