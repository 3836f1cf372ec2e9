"""Tiling of large images: cut overlapping windows, crop the targets, merge predictions back.

Small dense objects (tree crowns of 10-60 px in a 1249x1035 aerial image) vanish when a whole image is
resized to a detector's input; cutting it into tiles keeps their pixels. Training crops each tile's
targets (boxes clipped to the tile, objects kept when at least ``min_visible`` of their area is inside);
inference runs per tile, shifts boxes back to image coordinates and removes duplicates in the overlaps
with per-class NMS. A crown cut by a tile's inner edge gives a partial box whose IoU with the whole crown
(found by the neighbouring tile) can stay under the NMS threshold: a false positive. Given the image size,
the merge first keeps only the boxes whose centre lies in their tile's *core*: the overlaps are split at
their midlines, so the cores partition the image. When the overlap is at least the objects' size, an
object is whole in the tile whose core holds its centre, and a cut piece's centre (less than half the
object from the cut) lies outside that tile's core.

>>> tile_windows(height=100, width=250, tile=128, overlap=32)
[(0, 0, 100, 128), (0, 96, 100, 224), (0, 122, 100, 250)]
"""

from __future__ import annotations

import numpy as np
import torch

from visrec.utils.validation import check_int

from ..ops.nms import batched_nms
from .sample import DetectionSample

__all__ = ["tile_windows", "tile_cores", "tile_sample", "tile_dataset_samples", "merge_tile_detections"]


def _starts(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile + 1, step))
    if starts[-1] + tile < length:
        starts.append(length - tile)  # last window flush with the border
    return starts


def tile_windows(height: int, width: int, tile: int, overlap: int = 0) -> list[tuple[int, int, int, int]]:
    """Windows (y0, x0, y1, x1) of at most ``tile`` x ``tile`` pixels covering the image, neighbours
    overlapping by at least ``overlap`` pixels; row-major order."""
    check_int("tile", tile, low=1, owner="tile_windows")
    check_int("overlap", overlap, low=0, high=tile - 1, owner="tile_windows")
    step = tile - overlap
    return [(y, x, min(y + tile, height), min(x + tile, width))
            for y in _starts(height, tile, step) for x in _starts(width, tile, step)]


def tile_sample(sample: DetectionSample, window, min_visible: float = 0.5) -> DetectionSample:
    """Crop a sample to ``window`` = (y0, x0, y1, x1): image, boxes (clipped, shifted), labels, masks."""
    y0, x0, y1, x1 = window
    boxes = sample.boxes.astype(np.float64)
    clipped = boxes.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(x0, x1)
    clipped[:, 1::2] = clipped[:, 1::2].clip(y0, y1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    inside = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (inside > 0) & (inside >= min_visible * area)
    shifted = (clipped[keep] - np.array([x0, y0, x0, y0])).astype(np.float32)
    pick = lambda a: None if a is None else a[keep]  # noqa: E731
    masks = None if sample.masks is None else sample.masks[keep][:, y0:y1, x0:x1]
    return DetectionSample(image=sample.image[y0:y1, x0:x1], boxes=shifted, labels=sample.labels[keep],
                           image_id=sample.image_id, file_name=f"{sample.file_name}@{y0},{x0}",
                           masks=masks, iscrowd=pick(sample.iscrowd), difficult=pick(sample.difficult))


def tile_dataset_samples(samples, tile: int, overlap: int = 0, min_visible: float = 0.5,
                         keep_empty: bool = True) -> list[DetectionSample]:
    """Every sample cut into tiles (images no larger than ``tile`` stay whole)."""
    out = []
    for sample in samples:
        for window in tile_windows(*sample.size, tile=tile, overlap=overlap):
            part = tile_sample(sample, window, min_visible)
            if keep_empty or len(part.boxes):
                out.append(part)
    return out


def _core_bounds(spans: list[tuple[int, int]], length: int) -> dict[tuple[int, int], tuple[float, float]]:
    """Along one axis: each distinct window span (start, end) -> its core [lo, hi), split at overlap midlines."""
    spans = sorted(set(spans))
    out = {}
    for i, (a, b) in enumerate(spans):
        lo = 0.0 if i == 0 else (a + spans[i - 1][1]) / 2
        hi = float(length) if i == len(spans) - 1 else (b + spans[i + 1][0]) / 2
        out[(a, b)] = (lo, hi)
    return out


def tile_cores(windows, image_size) -> list[tuple[float, float, float, float]]:
    """The core (y0, x0, y1, x1), half-open, of each window of :func:`tile_windows`: the cores partition
    the (H, W) image, each overlap split at its midline."""
    h, w = image_size
    ys = _core_bounds([(y0, y1) for y0, _, y1, _ in windows], h)
    xs = _core_bounds([(x0, x1) for _, x0, _, x1 in windows], w)
    return [(*ys[(y0, y1)], *xs[(x0, x1)]) for y0, x0, y1, x1 in windows]


def merge_tile_detections(per_tile: list[dict], windows, iou_threshold: float = 0.5, image_size=None) -> dict:
    """Per-tile detections (boxes in tile coordinates) -> one image's detections after per-class NMS.

    With ``image_size`` (H, W), a tile's boxes whose centre lies outside its core (:func:`tile_cores`)
    are dropped before the NMS.
    """
    cores = tile_cores(windows, image_size) if image_size is not None else [None] * len(windows)
    boxes, scores, labels = [], [], []
    for det, (y0, x0, _, _), core in zip(per_tile, windows, cores, strict=True):
        b = torch.as_tensor(det["boxes"], dtype=torch.float32).reshape(-1, 4)
        b = b + torch.tensor([x0, y0, x0, y0], dtype=torch.float32)
        s = torch.as_tensor(det["scores"], dtype=torch.float32).reshape(-1)
        lab = torch.as_tensor(det["labels"], dtype=torch.int64).reshape(-1)
        if core is not None:
            cy, cx = (b[:, 1] + b[:, 3]) / 2, (b[:, 0] + b[:, 2]) / 2
            inside = (cy >= core[0]) & (cy < core[1]) & (cx >= core[2]) & (cx < core[3])
            b, s, lab = b[inside], s[inside], lab[inside]
        boxes.append(b)
        scores.append(s)
        labels.append(lab)
    boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
    keep = batched_nms(boxes, scores, labels, iou_threshold)
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}
