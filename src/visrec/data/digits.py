"""The embedded default dataset: scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

It ships inside scikit-learn, so every command works with no download. Pixel values 0..16 are scaled to
0..255 (``round(x * 255 / 16)``) so the images are uint8 like every other dataset.
"""

from __future__ import annotations

import hashlib

import numpy as np

from visrec.data.dataset import ImageDataset


def load_digits() -> ImageDataset:
    """Load scikit-learn's digits.

    Returns
    -------
    ImageDataset with images of shape (1797, 8, 8, 1), uint8, labels 0..9, class names "0".."9"
    """
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]  # (N, 8, 8, 1)
    labels = bunch.target.astype(np.int64)
    h = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:16]
    return ImageDataset(images, labels, [str(i) for i in range(10)], source="digits", fingerprint=h)
