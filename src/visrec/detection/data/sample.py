"""The in-memory detection dataset every reader returns, in torchvision's target convention.

A ``DetectionSample`` is one image (H, W, C) uint8 with its objects: ``boxes`` (N, 4) float32 absolute
xyxy pixels, ``labels`` (N,) int64 in 1..K (0 is reserved for background, so label ``i`` names
``class_names[i - 1]``), optional ``masks`` (N, H, W) bool, ``iscrowd`` (N,) bool (COCO crowd regions)
and ``difficult`` (N,) bool (VOC's flag); the metrics ignore both. An image may have no objects (N = 0).
``DetectionDataset[i]`` gives ``(image float32 (C, H, W) in [0, 1], target dict of tensors)``,
what a torchvision-style detector takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from visrec.utils.errors import DataError

from ..ops.boxes import check_boxes

__all__ = ["DetectionSample", "DetectionDataset", "validate_sample", "collate_detection"]


@dataclass
class DetectionSample:
    image: np.ndarray  # (H, W, C) uint8
    boxes: np.ndarray  # (N, 4) float32 xyxy
    labels: np.ndarray  # (N,) int64 in 1..K
    image_id: int = 0
    file_name: str = ""
    masks: np.ndarray | None = None  # (N, H, W) bool
    iscrowd: np.ndarray | None = None  # (N,) bool
    difficult: np.ndarray | None = None  # (N,) bool

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[0]), int(self.image.shape[1])

    def target(self) -> dict:
        """The torchvision target dict: boxes, labels, image_id (and masks, iscrowd, area)."""
        boxes = torch.as_tensor(self.boxes, dtype=torch.float32).reshape(-1, 4)
        out = {"boxes": boxes, "labels": torch.as_tensor(self.labels, dtype=torch.int64).reshape(-1),
               "image_id": int(self.image_id),
               "area": (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])}
        out["iscrowd"] = torch.as_tensor(self.iscrowd if self.iscrowd is not None
                                         else np.zeros(len(boxes), bool), dtype=torch.bool)
        if self.masks is not None:
            out["masks"] = torch.as_tensor(self.masks, dtype=torch.uint8)
        return out


def validate_sample(sample: DetectionSample, where: str, num_classes: int | None = None) -> DetectionSample:
    """Check one sample's arrays; raise ``DataError`` naming ``where`` (the file) for any problem."""
    if sample.image.ndim != 3 or sample.image.dtype != np.uint8:
        raise DataError(f"{where}: expected an (H, W, C) uint8 image; got {sample.image.dtype} "
                        f"{sample.image.shape}.")
    n = len(sample.boxes)
    if n:
        check_boxes(torch.as_tensor(sample.boxes, dtype=torch.float64), name=where, image_size=sample.size)
    if sample.labels.shape != (n,):
        raise DataError(f"{where}: {n} boxes but labels of shape {sample.labels.shape}.")
    if n and (sample.labels.min() < 1 or (num_classes is not None and sample.labels.max() > num_classes)):
        raise DataError(f"{where}: labels must lie in 1..{num_classes or 'K'} (0 is background); got "
                        f"{sample.labels.min()}..{sample.labels.max()}.")
    if sample.masks is not None and sample.masks.shape != (n, *sample.size):
        raise DataError(f"{where}: masks of shape {sample.masks.shape} do not match {n} objects in a "
                        f"{sample.size[0]}x{sample.size[1]} image; expected {(n, *sample.size)}.")
    return sample


@dataclass
class DetectionDataset:
    """A list of samples and the class names (without background; label i is ``class_names[i - 1]``)."""

    samples: list[DetectionSample]
    class_names: list[str]
    source: str = ""
    category_ids: list[int] = field(default_factory=list)  # COCO ids of labels 1..K (for results files)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        sample = self.samples[index]
        image = torch.tensor(sample.image).permute(2, 0, 1).float() / 255.0
        return image, sample.target()

    @property
    def num_classes(self) -> int:
        """K, the number of object classes (a detector's ``num_classes`` is K + 1 with background)."""
        return len(self.class_names)

    def subset(self, indices) -> DetectionDataset:
        return DetectionDataset([self.samples[i] for i in indices], self.class_names, self.source,
                                self.category_ids)

    def num_objects(self) -> int:
        return int(sum(len(s.boxes) for s in self.samples))


def collate_detection(batch):
    """DataLoader collate: a list of (image, target) -> (list of images, list of targets)."""
    images, targets = zip(*batch, strict=True)
    return list(images), list(targets)
