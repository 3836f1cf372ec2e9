"""A generated shapes dataset, shipped as seeded code: rectangles, ellipses and triangles on noise.

Each image holds 1..``max_objects`` shapes of random size, colour and position, drawn in order so that
later shapes occlude earlier ones. Targets are computed from what stays *visible*: the instance mask is
the shape minus everything drawn over it, the box is that mask's tight box, and a shape with less than
``min_visible`` of its pixels left is dropped. So boxes, masks, labels and the semantic label map
(0 = background, 1..3 = class) agree exactly. Same ``seed`` -> same images, on every machine.

>>> data = make_shapes(4, size=48, seed=0)
>>> len(data), data.class_names, data.samples[0].image.shape
(4, ['rectangle', 'ellipse', 'triangle'], (48, 48, 3))
"""

from __future__ import annotations

import numpy as np
import torch

from visrec.utils.validation import check_float, check_int

from ..ops.boxes import masks_to_boxes
from .sample import DetectionDataset, DetectionSample

__all__ = ["SHAPE_CLASSES", "make_shapes", "semantic_map"]

SHAPE_CLASSES = ["rectangle", "ellipse", "triangle"]


def _shape_mask(kind: int, size: int, rng: np.random.Generator, min_side: int, max_side: int) -> np.ndarray:
    h, w = rng.integers(min_side, max_side + 1, 2)
    cy, cx = rng.uniform(h / 2, size - h / 2), rng.uniform(w / 2, size - w / 2)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if kind == 0:  # axis-aligned rectangle
        return (np.abs(yy - cy) <= h / 2) & (np.abs(xx - cx) <= w / 2)
    if kind == 1:  # ellipse
        return ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1.0
    # triangle pointing up: inside the box and below the two slanted sides
    top, bottom = cy - h / 2, cy + h / 2
    t = (yy - top) / h  # 0 at the apex, 1 at the base
    return (yy >= top) & (yy <= bottom) & (np.abs(xx - cx) <= t * w / 2)


def make_shapes(n: int, size: int = 64, max_objects: int = 4, min_side: int | None = None,
                max_side: int | None = None, min_visible: float = 0.4, empty_fraction: float = 0.0,
                seed: int = 0) -> DetectionDataset:
    """Generate ``n`` images (size x size RGB) with instance masks, boxes and labels in 1..3.

    ``empty_fraction`` of the images have no object at all (detectors must cope with them).
    """
    check_int("n", n, low=1, owner="make_shapes")
    check_int("size", size, low=16, owner="make_shapes")
    check_int("max_objects", max_objects, low=1, owner="make_shapes")
    check_float("min_visible", min_visible, low=0.0, high=1.0, owner="make_shapes")
    check_float("empty_fraction", empty_fraction, low=0.0, high=1.0, owner="make_shapes")
    min_side = min_side or max(6, size // 6)
    max_side = max_side or max(min_side, size // 2)
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(n):
        background = rng.integers(0, 60, 3)
        image = (background + rng.normal(0, 12, (size, size, 3))).clip(0, 255)
        count = 0 if rng.random() < empty_fraction else int(rng.integers(1, max_objects + 1))
        full, kinds = [], []
        owner = np.full((size, size), -1, np.int64)  # which shape is visible at each pixel
        for j in range(count):
            kind = int(rng.integers(0, 3))
            mask = _shape_mask(kind, size, rng, min_side, max_side)
            colour = rng.integers(90, 256, 3)
            shade = rng.normal(0, 8, (size, size, 3))
            image[mask] = (colour + shade[mask]).clip(0, 255)
            owner[mask] = j
            full.append(mask)
            kinds.append(kind)
        visible = [owner == j for j in range(count)]
        keep = [j for j in range(count) if visible[j].sum() >= max(4, min_visible * full[j].sum())]
        masks = np.stack([visible[j] for j in keep]) if keep else np.zeros((0, size, size), bool)
        boxes = masks_to_boxes(torch.from_numpy(masks)).numpy()
        boxes[:, 2:] += 1.0  # inclusive pixel indices -> continuous xyxy (a pixel spans [x, x + 1))
        samples.append(DetectionSample(
            image=image.astype(np.uint8), boxes=boxes.astype(np.float32),
            labels=np.array([kinds[j] + 1 for j in keep], np.int64), image_id=i, file_name=f"shapes_{i:05d}",
            masks=masks, iscrowd=np.zeros(len(keep), bool)))
    return DetectionDataset(samples, list(SHAPE_CLASSES), source=f"shapes(n={n}, size={size}, seed={seed})",
                            category_ids=[1, 2, 3])


def semantic_map(sample: DetectionSample) -> np.ndarray:
    """The (H, W) int64 class map of a sample with masks: 0 background, else the visible object's label."""
    out = np.zeros(sample.size, np.int64)
    if sample.masks is not None:
        for mask, label in zip(sample.masks, sample.labels, strict=True):
            out[mask] = label
    return out
