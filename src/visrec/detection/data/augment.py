"""Geometric and photometric training augmentations that keep a sample's boxes and masks consistent.

A geometric augmentation is an element of the dihedral group of the square: ``rot`` quarter turns
counter-clockwise (``np.rot90``) followed, when ``flip``, by a horizontal mirror. Horizontal flips alone
suit photographs (the sky stays up); all eight elements suit images without a preferred orientation,
such as aerial views and microscopy. Boxes follow their pixels: a quarter turn of an (H, W) image maps a
point (x, y) to (y, W - x) in the (W, H) result.

>>> import numpy as np
>>> boxes = np.array([[1.0, 0.0, 3.0, 2.0]])  # in a 4 (wide) x 2 (high) image
>>> rotate_boxes(boxes, width=4).tolist()   # the image becomes 2 wide, 4 high
[[0.0, 1.0, 2.0, 3.0]]
>>> flip_boxes(boxes, width=4).tolist()
[[1.0, 0.0, 3.0, 2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .sample import DetectionSample

__all__ = ["Augmentation", "draw_augmentation", "augment_sample", "rotate_boxes", "flip_boxes", "transform_boxes",
           "transform_image", "dihedral_views"]


@dataclass(frozen=True)
class Augmentation:
    """One draw: ``rot`` quarter turns (0-3), then ``flip`` horizontally; ``gain`` and ``bias`` scale and
    shift the pixel values (x * gain + bias * 255, clipped to 0..255)."""

    rot: int = 0
    flip: bool = False
    gain: float = 1.0
    bias: float = 0.0

    @property
    def geometric(self) -> bool:
        return bool(self.rot % 4 or self.flip)

    @property
    def photometric(self) -> bool:
        return self.gain != 1.0 or self.bias != 0.0

    def inverse(self) -> Augmentation:
        """The geometric inverse: a mirrored element is its own inverse (F R^r F R^r = identity); a pure
        rotation by r quarter turns is undone by 4 - r."""
        return Augmentation(self.rot % 4 if self.flip else (4 - self.rot) % 4, self.flip)


def dihedral_views(kind: str) -> list[Augmentation]:
    """The views of test-time augmentation: "none" (the image), "flip" (and its mirror) or "d4" (all eight
    symmetries of the square)."""
    if kind == "none":
        return [Augmentation()]
    if kind == "flip":
        return [Augmentation(), Augmentation(0, True)]
    if kind == "d4":
        return [Augmentation(r, f) for f in (False, True) for r in range(4)]
    raise ValueError(f"test-time augmentation must be one of none, flip, d4; got {kind!r}.")


def draw_augmentation(rng: np.random.Generator, flip: bool, rotate: bool, color_jitter: float) -> Augmentation:
    """A random augmentation: horizontal flips with probability 1/2 (``flip``), quarter turns 0-3 uniformly
    (``rotate``), and gain / bias uniform in [1 - j, 1 + j] / [-j / 2, j / 2] (``color_jitter`` j)."""
    rot = int(rng.integers(4)) if rotate else 0
    mirror = bool((flip or rotate) and rng.random() < 0.5)
    gain, bias = 1.0, 0.0
    if color_jitter > 0:
        gain = float(rng.uniform(1 - color_jitter, 1 + color_jitter))
        bias = float(rng.uniform(-color_jitter / 2, color_jitter / 2))
    return Augmentation(rot, mirror, gain, bias)


def flip_boxes(boxes, width: int):
    """xyxy boxes (N, 4) of an image ``width`` pixels wide, mirrored left-right (NumPy or torch)."""
    out = boxes.copy() if isinstance(boxes, np.ndarray) else boxes.clone()
    out[:, 0], out[:, 2] = width - boxes[:, 2], width - boxes[:, 0]
    return out


def rotate_boxes(boxes, width: int):
    """xyxy boxes (N, 4) of an image ``width`` pixels wide after one counter-clockwise quarter turn."""
    out = boxes.copy() if isinstance(boxes, np.ndarray) else boxes.clone()
    out[:, 0], out[:, 1] = boxes[:, 1], width - boxes[:, 2]
    out[:, 2], out[:, 3] = boxes[:, 3], width - boxes[:, 0]
    return out


def transform_boxes(boxes, size: tuple[int, int], aug: Augmentation):
    """xyxy boxes (N, 4) of an (H, W) image after ``aug``'s quarter turns and flip (NumPy or torch)."""
    h, w = size
    for _ in range(aug.rot % 4):
        boxes = rotate_boxes(boxes, w)
        h, w = w, h
    return flip_boxes(boxes, w) if aug.flip else boxes


def transform_image(image: np.ndarray, aug: Augmentation) -> np.ndarray:
    """An (H, W, ...) image after ``aug``'s quarter turns and flip (contiguous; pixel values unchanged)."""
    if aug.rot % 4:
        image = np.rot90(image, aug.rot)
    if aug.flip:
        image = image[:, ::-1]
    return np.ascontiguousarray(image)


def augment_sample(sample: DetectionSample, aug: Augmentation) -> DetectionSample:
    """``sample`` with ``aug`` applied to its image, boxes and masks (a new sample; the input is unchanged)."""
    if not (aug.geometric or aug.photometric):
        return sample
    image, masks = sample.image, sample.masks
    boxes = transform_boxes(sample.boxes.astype(np.float32), sample.size, aug)
    if aug.rot % 4:
        image = np.rot90(image, aug.rot)
        masks = None if masks is None else np.rot90(masks, aug.rot, axes=(1, 2))
    if aug.flip:
        image = image[:, ::-1]
        masks = None if masks is None else masks[:, :, ::-1]
    if aug.photometric:
        image = np.clip(image.astype(np.float32) * aug.gain + aug.bias * 255.0, 0, 255).astype(np.uint8)
    masks = None if masks is None else np.ascontiguousarray(masks)
    return replace(sample, image=np.ascontiguousarray(image), boxes=boxes, masks=masks)
