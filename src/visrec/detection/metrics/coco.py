"""COCO detection metrics: AP averaged over IoU 0.50:0.05:0.95, AP50, AP75, by object size, and AR.

The procedure of ``pycocotools.cocoeval.COCOeval`` (and equal to it on the same detections, tested):
per image and class, detections sorted by score (at most ``max_dets``) are matched greedily to the
unmatched ground truth with the highest IoU >= t; crowd ground truth may absorb several detections and,
like ground truth outside the size range, is "ignored" (a match with it counts neither way; unmatched
detections outside the size range are ignored too). Per class, all images' detections are ranked by
score; precision is made monotone and read at 101 recall points; AP is the mean over recall points,
IoU thresholds and classes with ground truth. AR is the recall at the last detection, averaged the same.
"""

from __future__ import annotations

import numpy as np

from .matching import as_numpy_detections, ground_truth_of, iou_matrix

__all__ = ["coco_evaluate", "COCO_METRICS", "AREA_RANGES"]

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)
AREA_RANGES = {"all": (0.0, 1e10), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
               "large": (96.0 ** 2, 1e10)}
COCO_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def _match_image(ious, gt_ignore, gt_crowd, dt_area, area_range):
    """Greedy matching of one image and class at every IoU threshold.

    ious (D, G) with detections sorted by score and ground truth sorted non-ignored first.
    Returns dt_matched (T, D) bool, dt_ignore (T, D) bool.
    """
    t_count, d_count, g_count = len(IOU_THRESHOLDS), ious.shape[0], ious.shape[1]
    gt_taken = np.zeros((t_count, g_count), bool)
    dt_matched = np.zeros((t_count, d_count), bool)
    dt_ignore = np.zeros((t_count, d_count), bool)
    for t, threshold in enumerate(IOU_THRESHOLDS):
        for d in range(d_count):
            best_iou, best = min(threshold, 1 - 1e-10), -1
            for g in range(g_count):
                if gt_taken[t, g] and not gt_crowd[g]:
                    continue  # already matched (a crowd region can take more)
                if best > -1 and not gt_ignore[best] and gt_ignore[g]:
                    break  # a real match beats any ignored one; ignored ground truth comes last
                if ious[d, g] < best_iou:
                    continue
                best_iou, best = ious[d, g], g
            if best == -1:
                continue
            dt_ignore[t, d] = gt_ignore[best]
            dt_matched[t, d] = True
            gt_taken[t, best] = True
    outside = (dt_area < area_range[0]) | (dt_area > area_range[1])
    dt_ignore |= ~dt_matched & outside[None, :]
    return dt_matched, dt_ignore


def _precision_at_recalls(tp, fp, positives):
    """Cumulative tp, fp (D,) -> (precision at the 101 recall points (101,), final recall)."""
    recall = tp / positives
    precision = tp / (tp + fp + np.spacing(1))
    precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    q = np.zeros(len(RECALL_POINTS))
    valid = idx < len(precision)
    q[valid] = precision[idx[valid]]
    return q, (recall[-1] if len(recall) else 0.0)


def coco_evaluate(detections, dataset, iou_type: str = "bbox") -> dict[str, float]:
    """COCO metrics of per-image ``detections`` (dicts with boxes xyxy, scores, labels, masks for
    ``iou_type="segm"``; one per image of ``dataset``, in order) -> {"AP": ..., "AP50": ..., ...}.
    A metric with no ground truth to measure is -1, as in pycocotools."""
    if iou_type not in ("bbox", "segm"):
        raise ValueError(f"coco_evaluate: iou_type must be 'bbox' or 'segm'; got {iou_type!r}.")
    dets, gts = as_numpy_detections(detections), ground_truth_of(dataset)
    if len(dets) != len(gts):
        raise ValueError(f"coco_evaluate: {len(dets)} detection dicts for {len(gts)} images.")
    order = sorted(range(len(gts)), key=lambda i: gts[i]["image_id"])  # pycocotools walks sorted ids
    labels = sorted({int(v) for g in gts for v in g["labels"]} | {int(v) for d in dets for v in d["labels"]})
    t_count, r_count = len(IOU_THRESHOLDS), len(RECALL_POINTS)
    shape = (len(labels), len(AREA_RANGES), len(MAX_DETS))
    precision = -np.ones((t_count, r_count) + shape)
    recall = -np.ones((t_count,) + shape)
    masks = iou_type == "segm"
    for k, label in enumerate(labels):
        per_image = []
        for i in order:
            g, d = gts[i], dets[i]
            gsel, dsel = g["labels"] == label, d["labels"] == label
            if not gsel.any() and not dsel.any():
                continue
            dscore = d["scores"][dsel]
            dorder = np.argsort(-dscore, kind="mergesort")[:MAX_DETS[-1]]
            dbox = d["boxes"][dsel][dorder]
            # a detection's area is its box's, also for masks: pycocotools' loadRes takes it from "bbox"
            darea = (dbox[:, 2] - dbox[:, 0]) * (dbox[:, 3] - dbox[:, 1])
            if masks:
                dgeom = d["masks"][dsel][dorder]
                ggeom = g["masks"][gsel] if g["masks"] is not None else np.zeros((0,) + dgeom.shape[1:], bool)
            else:
                dgeom, ggeom = dbox, g["boxes"][gsel]
            per_image.append((dgeom, dscore[dorder], darea, ggeom, g["crowd"][gsel], g["area"][gsel]))
        for a, area_range in enumerate(AREA_RANGES.values()):
            evals = []
            for dgeom, dscore, darea, ggeom, gcrowd, garea in per_image:
                gignore = gcrowd | (garea < area_range[0]) | (garea > area_range[1])
                gorder = np.argsort(gignore, kind="mergesort")
                ious = iou_matrix(dgeom, ggeom[gorder], gcrowd[gorder], masks=masks)
                evals.append((dscore, ious, gignore[gorder], gcrowd[gorder], darea))
            positives = int(sum((~e[2]).sum() for e in evals))
            if positives == 0:
                continue
            # greedy matching runs in score order, so matching the top 100 and keeping the first
            # max_det is the same as matching the top max_det
            matches = [_match_image(ious, gignore, gcrowd, darea, area_range)
                       for _, ious, gignore, gcrowd, darea in evals]
            for m, max_det in enumerate(MAX_DETS):
                scores = [e[0][:max_det] for e in evals]
                matched = [dm[:, :max_det] for dm, _ in matches]
                ignored = [di[:, :max_det] for _, di in matches]
                scores = np.concatenate(scores)
                rank = np.argsort(-scores, kind="mergesort")
                matched = np.concatenate(matched, axis=1)[:, rank]
                ignored = np.concatenate(ignored, axis=1)[:, rank]
                tps = np.cumsum(matched & ~ignored, axis=1).astype(float)
                fps = np.cumsum(~matched & ~ignored, axis=1).astype(float)
                for t in range(t_count):
                    q, final_recall = _precision_at_recalls(tps[t], fps[t], positives)
                    precision[t, :, k, a, m] = q
                    recall[t, k, a, m] = final_recall
    return _summarize(precision, recall)


def _mean(values: np.ndarray) -> float:
    values = values[values > -1]
    return float(values.mean()) if values.size else -1.0


def _summarize(precision: np.ndarray, recall: np.ndarray) -> dict[str, float]:
    area = {name: i for i, name in enumerate(AREA_RANGES)}
    last = len(MAX_DETS) - 1
    out = {"AP": _mean(precision[:, :, :, 0, last]),
           "AP50": _mean(precision[0, :, :, 0, last]),
           "AP75": _mean(precision[5, :, :, 0, last])}
    for key, name in (("APs", "small"), ("APm", "medium"), ("APl", "large")):
        out[key] = _mean(precision[:, :, :, area[name], last])
    for m, max_det in enumerate(MAX_DETS):
        out[f"AR{max_det}"] = _mean(recall[:, :, 0, m])
    for key, name in (("ARs", "small"), ("ARm", "medium"), ("ARl", "large")):
        out[key] = _mean(recall[:, :, area[name], last])
    return out
