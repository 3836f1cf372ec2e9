"""Semantic-segmentation data: image stacks with per-pixel labels, from generated shapes or the nuclei image.

``SegmentationData.images`` float32 (N, C, H, W) in [0, 1], ``targets`` int64 (N, H, W) with classes 0..K-1
and ``IGNORE`` (255) for pixels the loss and the metrics skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visrec.utils.errors import DataError

from ..data.nuclei import IGNORE, nuclei_split
from ..data.shapes import SHAPE_CLASSES, make_shapes, semantic_map

__all__ = ["SegmentationData", "shapes_segmentation", "nuclei_segmentation", "load_segmentation",
           "random_crops", "IGNORE"]


@dataclass
class SegmentationData:
    images: np.ndarray  # (N, C, H, W) float32 in [0, 1]
    targets: np.ndarray  # (N, H, W) int64, IGNORE where unlabelled
    class_names: list[str]
    source: str = ""

    def __post_init__(self):
        if self.images.ndim != 4 or self.targets.shape != (self.images.shape[0], *self.images.shape[2:]):
            raise DataError(f"{self.source}: images {self.images.shape} (N, C, H, W) and targets "
                            f"{self.targets.shape} (N, H, W) do not fit together.")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def in_channels(self) -> int:
        return int(self.images.shape[1])


def shapes_segmentation(n: int, size: int = 64, seed: int = 0) -> SegmentationData:
    """The generated shapes as a 4-class semantic task (background, rectangle, ellipse, triangle)."""
    ds = make_shapes(n, size=size, max_objects=4, seed=seed)
    images = np.stack([s.image for s in ds.samples]).transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    targets = np.stack([semantic_map(s) for s in ds.samples])
    return SegmentationData(images, targets, ["background", *SHAPE_CLASSES], ds.source)


def nuclei_segmentation(folder, holdout: str = "bottom-right") -> tuple[SegmentationData, SegmentationData]:
    """(train: the whole image with the held-out quadrant IGNOREd, test: that quadrant), 1 channel."""
    split = nuclei_split(folder, holdout)
    names = ["background", "nucleus"]
    train = SegmentationData(split.train_image[None, None], split.train_target[None], names, str(folder))
    test = SegmentationData(split.test_image[None, None], split.test_target[None], names,
                            f"{folder} ({holdout} quadrant)")
    return train, test


def load_segmentation(data: str, seed: int = 0, holdout: str = "bottom-right", shapes_train: int = 256,
                      shapes_test: int = 64, shapes_size: int = 64):
    """``data`` = "shapes" (generated; test images from another seed) or a nuclei folder -> (train, test)."""
    if data == "shapes":
        return (shapes_segmentation(shapes_train, shapes_size, seed),
                shapes_segmentation(shapes_test, shapes_size, seed + 1_000_003))
    path = Path(data)
    if (path / "img2d.tif").is_file():
        return nuclei_segmentation(path, holdout)
    raise DataError(f"--data {data}: expected 'shapes' or a nuclei folder with img2d.tif and mask2d.tif "
                    "(e.g. ../shared/data/nuclei).")


def random_crops(data: SegmentationData, count: int, crop: int, rng: np.random.Generator,
                 flip: bool = True, min_labelled: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random crop x crop windows (N, C, crop, crop), (N, crop, crop) with random flips; windows
    with less than ``min_labelled`` of their pixels labelled are redrawn (so held-out regions stay out)."""
    n, c, h, w = data.images.shape
    crop_h, crop_w = min(crop, h), min(crop, w)
    xs, ys = [], []
    tries = 0
    while len(xs) < count:
        tries += 1
        i, y0, x0 = rng.integers(0, n), rng.integers(0, h - crop_h + 1), rng.integers(0, w - crop_w + 1)
        target = data.targets[i, y0:y0 + crop_h, x0:x0 + crop_w]
        if (target != IGNORE).mean() < min_labelled and tries < 100 * count:
            continue
        image = data.images[i, :, y0:y0 + crop_h, x0:x0 + crop_w]
        if flip and rng.random() < 0.5:
            image, target = image[:, :, ::-1], target[:, ::-1]
        if flip and rng.random() < 0.5:
            image, target = image[:, ::-1], target[::-1]
        xs.append(np.ascontiguousarray(image))
        ys.append(np.ascontiguousarray(target))
    return np.stack(xs), np.stack(ys)
