"""Seeded, stratified train / validation / test splits and k-fold indices (Lecture 2: choose on validation,
test once; k-fold cross-validation for small data).

Stratified means every class keeps (to within one example) the proportions it has in the whole set. All
index arrays come back sorted, so the same seed gives the same split on every machine.

>>> import numpy as np
>>> y = np.repeat(np.arange(10), 5000)                 # CIFAR-10's 50,000 training labels
>>> tr, va, te = train_val_test_split(y, val_size=1000, seed=0)
>>> len(tr), len(va), len(te), np.bincount(y[va]).tolist() == [100] * 10
(49000, 1000, 0, True)
"""

from __future__ import annotations

import warnings

import numpy as np

from visrec.data.dataset import ImageDataset
from visrec.utils.seeding import rng
from visrec.utils.validation import check_array, check_float, check_int


def _allocate(class_sizes: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` across classes in proportion to their sizes (largest remainder, exact sum)."""
    n = class_sizes.sum()
    exact = class_sizes * (total / n) if n else np.zeros(len(class_sizes))
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")  # largest fractional part first
    counts[order[: total - counts.sum()]] += 1
    return np.minimum(counts, class_sizes)


def _size(name_frac: str, frac, name_size: str, size, n: int) -> int:
    if size is not None:
        return check_int(name_size, size, low=0, high=n - 1)
    return int(round(check_float(name_frac, frac, low=0.0, high=1.0, closed="left") * n))


def train_val_test_split(
    labels,
    val_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed=0,
    *,
    val_size: int | None = None,
    test_size: int | None = None,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded (stratified) split of example indices into train, validation and test.

    Parameters
    ----------
    labels : array-like of shape (N,), int class labels
    val_fraction, test_fraction : fractions in [0, 1) of N (rounded to whole examples)
    seed : int or numpy Generator
    val_size, test_size : absolute counts that override the fractions (e.g. ``val_size=1000`` for
        CIFAR-10's 49,000 / 1,000 split)
    stratify : keep the class proportions in every part (else a plain random split)

    Returns
    -------
    train_idx, val_idx, test_idx : sorted int64 index arrays that partition range(N)
    """
    y = check_array("labels", labels, ndim=1, shape_doc="(N,)")
    n = len(y)
    if n < 2:
        raise ValueError(f"labels must hold at least 2 examples to split; got {n}.")
    n_val = _size("val_fraction", val_fraction, "val_size", val_size, n)
    n_test = _size("test_fraction", test_fraction, "test_size", test_size, n)
    if n_val + n_test >= n:
        raise ValueError(
            f"Validation ({n_val}) plus test ({n_test}) examples leave no training data out of {n}; "
            "lower val_fraction/val_size or test_fraction/test_size."
        )
    gen = rng(seed)
    if not stratify:
        perm = gen.permutation(n)
        parts = [perm[n_val + n_test :], perm[:n_val], perm[n_val : n_val + n_test]]
        return tuple(np.sort(p).astype(np.int64) for p in parts)
    classes, y_idx = np.unique(y, return_inverse=True)
    members = [np.flatnonzero(y_idx == c) for c in range(len(classes))]
    sizes = np.array([len(m) for m in members])
    val_counts = _allocate(sizes, n_val)
    test_counts = np.minimum(_allocate(sizes, n_test), sizes - val_counts)
    train, val, test = [], [], []
    for idx, nv, nt in zip(members, val_counts, test_counts, strict=True):
        idx = gen.permutation(idx)
        val.append(idx[:nv])
        test.append(idx[nv : nv + nt])
        train.append(idx[nv + nt :])
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in (train, val, test))


def split_dataset(
    ds: ImageDataset,
    val_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed=0,
    *,
    val_size: int | None = None,
    test_size: int | None = None,
    stratify: bool = True,
) -> tuple[ImageDataset, ImageDataset, ImageDataset | None]:
    """Split a dataset with :func:`train_val_test_split`; the test part is None when it is empty."""
    tr, va, te = train_val_test_split(
        ds.labels,
        val_fraction,
        test_fraction,
        seed,
        val_size=val_size,
        test_size=test_size,
        stratify=stratify,
    )
    return ds.subset(tr), ds.subset(va), (ds.subset(te) if len(te) else None)


def kfold_indices(labels, k: int = 5, seed=0, stratified: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded k-fold cross-validation indices: the validation folds partition range(N).

    Stratified folds deal each class's shuffled examples round-robin, so fold sizes and every class's count
    per fold differ by at most one.

    Parameters
    ----------
    labels : array-like of shape (N,)
    k : number of folds, in [2, N]
    seed : int or numpy Generator
    stratified : keep class proportions in every fold

    Returns
    -------
    list of k (train_idx, val_idx) pairs of sorted int64 arrays
    """
    y = check_array("labels", labels, ndim=1, shape_doc="(N,)")
    n = len(y)
    k = check_int("k", k, low=2, high=max(n, 2))
    if n < k:
        raise ValueError(f"k-fold needs at least k={k} examples; got {n}.")
    gen = rng(seed)
    if stratified:
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < k:
            warnings.warn(
                f"The smallest class ({classes[counts.argmin()]!r}) has {counts.min()} examples, fewer than "
                f"k={k} folds: some folds will not contain it.",
                stacklevel=2,
            )
        order = np.concatenate([gen.permutation(np.flatnonzero(y == c)) for c in classes])
        # deal with a running counter across classes so fold sizes stay balanced overall
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.arange(n) % k
    else:
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[gen.permutation(n)] = np.arange(n) % k
    folds = []
    for f in range(k):
        val = np.flatnonzero(fold_of == f)
        train = np.flatnonzero(fold_of != f)
        folds.append((train, val))
    return folds
