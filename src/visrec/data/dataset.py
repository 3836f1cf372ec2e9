"""The one container every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ImageDataset:
    """Images with integer labels.

    Attributes
    ----------
    images : ndarray of shape (N, H, W, C), uint8 in [0, 255]
    labels : ndarray of shape (N,), int64 in [0, K)
    class_names : list of K str
    source : where the data came from (a path, or "digits")
    fingerprint : a short hash that changes when the source changes (goes into run configs)
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    source: str = ""
    fingerprint: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.images.ndim != 4:
            raise ValueError(f"images must have shape (N, H, W, C); got {self.images.shape}.")
        if self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 in [0, 255]; got dtype {self.images.dtype}.")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"labels must have shape (N,) = ({len(self.images)},); got {self.labels.shape}.")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C)"""
        return tuple(self.images.shape[1:])

    def subset(self, index) -> ImageDataset:
        return ImageDataset(
            self.images[index], self.labels[index], list(self.class_names), self.source, self.fingerprint
        )

    def flat(self, dtype=np.float64) -> np.ndarray:
        """Images as rows: (N, D) with D = H * W * C."""
        return self.images.reshape(len(self.images), -1).astype(dtype)
