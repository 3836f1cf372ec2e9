"""Tiling of large images: cut overlapping windows, crop the targets, merge predictions back.

Small dense objects (tree crowns of 10-60 px in a 1249x1035 aerial image) vanish when a whole image is
resized to a detector's input; cutting it into tiles keeps their pixels. Training crops each tile's
targets (boxes clipped to the tile, objects kept when at least ``min_visible`` of their area is inside);
inference runs per tile, shifts boxes back to image coordinates and removes duplicates in the overlaps
with per-class NMS.

>>> tile_windows(height=100, width=250, tile=128, overlap=32)
[(0, 0, 100, 128), (0, 96, 100, 224), (0, 122, 100, 250)]
"""

from __future__ import annotations

import numpy as np
import torch

from visrec.utils.validation import check_int

from ..ops.nms import batched_nms
from .sample import DetectionSample

__all__ = ["tile_windows", "tile_sample", "tile_dataset_samples", "merge_tile_detections"]


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


def merge_tile_detections(per_tile: list[dict], windows, iou_threshold: float = 0.5) -> dict:
    """Per-tile detections (boxes in tile coordinates) -> one image's detections after per-class NMS."""
    boxes, scores, labels = [], [], []
    for det, (y0, x0, _, _) in zip(per_tile, windows, strict=True):
        b = torch.as_tensor(det["boxes"], dtype=torch.float32).reshape(-1, 4)
        boxes.append(b + torch.tensor([x0, y0, x0, y0], dtype=torch.float32))
        scores.append(torch.as_tensor(det["scores"], dtype=torch.float32).reshape(-1))
        labels.append(torch.as_tensor(det["labels"], dtype=torch.int64).reshape(-1))
    boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
    keep = batched_nms(boxes, scores, labels, iou_threshold)
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}
