"""The nuclei microscopy image (``../shared/data/nuclei``): a 512x512 uint16 image and its instance labels.

Semantic target: nucleus (1) vs background (0). For an honest measurement one quadrant is held out:
``nuclei_split`` returns the full image with the held-out quadrant's labels set to ``IGNORE`` (the loss
skips them) and, separately, the held-out quadrant itself for evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from visrec.utils.errors import DataError
from visrec.utils.validation import check_choice

__all__ = ["IGNORE", "QUADRANTS", "read_nuclei", "NucleiSplit", "nuclei_split"]

IGNORE = 255
QUADRANTS = ("top-left", "top-right", "bottom-left", "bottom-right")


def read_nuclei(folder) -> tuple[np.ndarray, np.ndarray]:
    """-> (image float32 (H, W) scaled to [0, 1] by its 0.5 / 99.5 percentiles, instance ids int64 (H, W))."""
    folder = Path(folder)
    arrays = []
    for name in ("img2d.tif", "mask2d.tif"):
        path = folder / name
        if not path.is_file():
            raise DataError(f"{folder}: expected {name} (the nuclei image and its instance mask); not found.")
        try:
            with Image.open(path) as im:
                arrays.append(np.asarray(im).astype(np.float64))
        except OSError as exc:
            raise DataError(f"{path}: cannot decode the TIFF ({exc}).") from None
    image, labels = arrays
    if image.shape != labels.shape:
        raise DataError(f"{folder}: image {image.shape} and mask {labels.shape} differ in size.")
    lo, hi = np.percentile(image, [0.5, 99.5])
    image = ((image - lo) / max(hi - lo, 1e-8)).clip(0, 1).astype(np.float32)
    return image, labels.astype(np.int64)


@dataclass
class NucleiSplit:
    train_image: np.ndarray  # (H, W) float32, the whole image
    train_target: np.ndarray  # (H, W) int64: 0 / 1, IGNORE on the held-out quadrant
    test_image: np.ndarray  # (H/2, W/2) float32, the held-out quadrant
    test_target: np.ndarray  # (H/2, W/2) int64 0 / 1
    test_instances: np.ndarray  # (H/2, W/2) instance ids of the held-out quadrant
    holdout: str


def _quadrant(shape, holdout: str) -> tuple[slice, slice]:
    h, w = shape[0] // 2, shape[1] // 2
    rows = slice(0, h) if holdout.startswith("top") else slice(h, shape[0])
    cols = slice(0, w) if holdout.endswith("left") else slice(w, shape[1])
    return rows, cols


def nuclei_split(folder, holdout: str = "bottom-right") -> NucleiSplit:
    """Hold one quadrant out of training (its labels become ``IGNORE``) and return it for testing."""
    check_choice("holdout", holdout, QUADRANTS, owner="nuclei_split")
    image, instances = read_nuclei(folder)
    target = (instances > 0).astype(np.int64)
    rows, cols = _quadrant(image.shape, holdout)
    train_target = target.copy()
    train_target[rows, cols] = IGNORE
    return NucleiSplit(image, train_target, image[rows, cols].copy(), target[rows, cols].copy(),
                       instances[rows, cols].copy(), holdout)
