"""Data for the generative models: MNIST t10k (seeded 8,000 / 2,000 split), digits, CIFAR-10.

Only MNIST's 10,000 test digits are on these machines, so they are split with a seeded permutation into
8,000 training and 2,000 held-out images (``test_fraction=0.2``; the same split for every model and seed 0
by default). Likelihoods are reported on the 2,000 held-out digits.

Binarization (for the Bernoulli models) is one of:

- ``"sample"`` (the default for binarized models): each pixel is 1 with probability x / 255, drawn once with a
  fixed seed, so the binarized set is a fixed dataset (the "stochastically binarized MNIST" of Salakhutdinov
  & Murray, 2008, on which the published 85-87 nats of VAEs are measured);
- ``"threshold"``: x >= 128 -> 1 (a deterministic, easier dataset; NLLs are not comparable with the above);
- ``"none"``: the 8-bit levels 0..255 (PixelCNN's 256-way softmax, GANs, the autoencoder).

>>> data = load_generative_data("digits", binarize="threshold")
>>> data.image_shape, int(data.train.max()), len(data.train) + len(data.test)
((1, 8, 8), 1, 1797)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

from visrec.data import load_dataset
from visrec.generative._errors import DataError, ParameterError

__all__ = ["GenerativeData", "load_generative_data", "binarize_images", "to_unit", "to_tanh_range"]

BINARIZATIONS = ("none", "sample", "threshold")


@dataclass
class GenerativeData:
    """Train and held-out images as torch uint8 tensors (N, C, H, W), with labels and a description.

    ``levels`` is 2 for binarized data (values 0/1), else 256.
    """

    train: torch.Tensor
    train_labels: torch.Tensor
    test: torch.Tensor
    test_labels: torch.Tensor
    source: str
    binarize: str
    fingerprint: str
    split_seed: int

    @property
    def levels(self) -> int:
        return 2 if self.binarize != "none" else 256

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.train.shape[1:])

    def describe(self) -> str:
        return (
            f"{self.source}: {len(self.train)} train / {len(self.test)} held-out images "
            f"{tuple(self.image_shape)} (seeded split, seed {self.split_seed}), binarize={self.binarize}"
        )


def binarize_images(images: np.ndarray, how: str, seed: int = 0) -> np.ndarray:
    """uint8 images -> uint8 0/1: "sample" draws Bernoulli(x / 255) with ``seed``; "threshold" is x >= 128."""
    if how == "threshold":
        return (images >= 128).astype(np.uint8)
    if how == "sample":
        u = np.random.default_rng(seed).random(images.shape)
        return (u < images / 255.0).astype(np.uint8)
    if how == "none":
        return images
    raise ParameterError(f"--binarize must be one of {BINARIZATIONS}; got {how!r}.")


def to_unit(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Integer levels -> floats in [0, 1] (the autoencoder's and VAE's input)."""
    return x.float() / (levels - 1)


def to_tanh_range(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Integer levels -> floats in [-1, 1] (the GANs' range: the generator ends in tanh)."""
    return x.float() * (2.0 / (levels - 1)) - 1.0


def load_generative_data(
    spec: str = "digits",
    *,
    binarize: str = "none",
    seed: int = 0,
    test_fraction: float = 0.2,
    limit: int | None = None,
    overfit: int = 0,
) -> GenerativeData:
    """Load a dataset and split it with a seeded permutation.

    Parameters
    ----------
    spec : "digits", an MNIST IDX folder (e.g. ../shared/data/mnist-t10k) or a CIFAR-10 folder / image folder
    binarize : "none", "sample" or "threshold" (see the module docstring)
    seed : the split's (and the sampled binarization's) seed
    test_fraction : held-out share (0.2: MNIST t10k -> 8,000 / 2,000)
    limit : keep at most this many training images per class (quick experiments); an image folder is also
        read only up to ``limit`` files per class, before the split
    overfit : keep only this many training images (a seeded subset; 0 = off)
    """
    if binarize not in BINARIZATIONS:
        raise ParameterError(f"--binarize must be one of {BINARIZATIONS}; got {binarize!r}.")
    if not 0.0 < test_fraction < 1.0:
        raise ParameterError(f"test_fraction must be in (0, 1); got {test_fraction!r}.")
    try:  # an image folder is read only up to --limit images per class (CIFAR-10 JPEGs: 5,000 per class)
        ds = load_dataset(spec, limit_per_class=limit) if limit is not None else load_dataset(spec)
    except ValueError as exc:
        if "image folders only" not in str(exc):
            raise
        ds = load_dataset(spec)
    n = len(ds)
    n_test = int(round(test_fraction * n))
    if n_test < 1 or n - n_test < 1:
        raise DataError(f"{spec} has {n} images, too few to split {1 - test_fraction:.0%} / {test_fraction:.0%}.")
    order = np.random.default_rng(seed).permutation(n)
    train_idx, test_idx = order[: n - n_test], order[n - n_test :]
    if limit is not None:
        keep = np.concatenate([train_idx[ds.labels[train_idx] == k][:limit] for k in np.unique(ds.labels)])
        train_idx = np.sort(keep)
    if overfit:
        train_idx = np.random.default_rng(seed + 1).choice(train_idx, min(overfit, len(train_idx)), replace=False)
    images = binarize_images(ds.images, binarize, seed=seed + 12345)  # (N, H, W, C), one fixed draw
    chw = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))  # (N, C, H, W) uint8
    labels = torch.from_numpy(ds.labels)
    fp = hashlib.sha256(f"{ds.fingerprint}|{binarize}|{seed}|{test_fraction}|{limit}|{overfit}".encode())
    return GenerativeData(
        train=chw[train_idx],
        train_labels=labels[train_idx],
        test=chw[test_idx],
        test_labels=labels[test_idx],
        source=str(spec),
        binarize=binarize,
        fingerprint=fp.hexdigest()[:16],
        split_seed=seed,
    )
