"""The data of a training run: load, split with a seed, optionally shrink to an overfitting subset."""

from __future__ import annotations

import numpy as np

from visrec.data.dataset import ImageDataset

__all__ = ["load_splits"]


def load_splits(cfg) -> dict[str, ImageDataset]:
    """``{"train", "val"[, "test"]}`` for a TrainConfig.

    With ``cfg.overfit = n`` the training split is n seeded examples, and the validation split is the
    same n examples (the sanity check of Lecture 6: a model must reach 100% on a tiny set).
    """
    from visrec.data.load import load_dataset
    from visrec.data.splits import train_val_test_split

    full = load_dataset(cfg.data)
    train_idx, val_idx, _ = train_val_test_split(
        full.labels, cfg.val_fraction, 0.0, cfg.seed, val_size=cfg.val_size
    )
    if cfg.overfit:
        if cfg.overfit > len(train_idx):
            raise ValueError(f"--overfit {cfg.overfit} exceeds the {len(train_idx)} training images.")
        pick = np.random.default_rng(cfg.seed).choice(train_idx, cfg.overfit, replace=False)
        train_idx = val_idx = np.sort(pick)
    if len(val_idx) == 0:
        raise ValueError("The validation split is empty; use --val-fraction > 0 (or --val-size).")
    splits = {"train": full.subset(train_idx), "val": full.subset(val_idx)}
    if cfg.test_data:
        test = load_dataset(cfg.test_data, split="test")
        if test.image_shape != full.image_shape:
            raise ValueError(
                f"--test-data images have shape {test.image_shape} "
                f"but the training images {full.image_shape}."
            )
        splits["test"] = test
    return splits
