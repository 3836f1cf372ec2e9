"""Datasets in their real formats, a decode cache, seeded splits and folds, and preprocessing.

Every loader returns an :class:`ImageDataset`: ``images`` uint8 of shape (N, H, W, C), ``labels`` int64 of
shape (N,), and ``class_names``.
"""

from visrec.data.dataset import ImageDataset

__all__ = ["ImageDataset"]
