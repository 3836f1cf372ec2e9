"""Seeded stratified splits and k-folds: partitions, proportions, determinism, validation messages."""

from __future__ import annotations

import numpy as np
import pytest

from visrec.data.dataset import ImageDataset
from visrec.data.splits import kfold_indices, split_dataset, train_val_test_split


@pytest.fixture
def labels():
    # unbalanced classes: 300, 120, 60, 20 examples, shuffled
    y = np.repeat(np.arange(4), [300, 120, 60, 20])
    return np.random.default_rng(5).permutation(y)


def _is_partition(parts, n):
    allidx = np.concatenate(parts)
    return len(allidx) == n and np.array_equal(np.sort(allidx), np.arange(n))


def test_split_partitions_and_stratifies(labels):
    tr, va, te = train_val_test_split(labels, val_fraction=0.2, test_fraction=0.1, seed=0)
    assert _is_partition([tr, va, te], len(labels))
    assert (len(va), len(te)) == (100, 50)
    overall = np.bincount(labels) / len(labels)
    for part in (tr, va, te):
        counts = np.bincount(labels[part], minlength=4)
        # every class within one example of its exact proportional share
        assert np.all(np.abs(counts - overall * len(part)) < 1.0 + 1e-9)
        assert np.all(np.diff(part) > 0)  # sorted


def test_split_is_deterministic_and_seed_dependent(labels):
    a = train_val_test_split(labels, seed=3)
    b = train_val_test_split(labels, seed=3)
    c = train_val_test_split(labels, seed=4)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], c[1])
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(
        train_val_test_split(labels, seed=g1)[1], train_val_test_split(labels, seed=g2)[1]
    )


def test_absolute_sizes_cifar_49000_1000():
    y = np.repeat(np.arange(10), 5000)
    tr, va, te = train_val_test_split(y, val_size=1000, seed=0)
    assert (len(tr), len(va), len(te)) == (49000, 1000, 0)
    assert np.bincount(y[va]).tolist() == [100] * 10
    tr, va, te = train_val_test_split(y, val_size=1000, test_size=1000, seed=1)
    assert np.bincount(y[te]).tolist() == [100] * 10 and len(tr) == 48000


def test_unstratified_split(labels):
    tr, va, te = train_val_test_split(labels, 0.25, 0.25, seed=0, stratify=False)
    assert _is_partition([tr, va, te], len(labels)) and (len(va), len(te)) == (125, 125)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"val_fraction": 1.0}, r"'val_fraction' parameter must be a float in the range \[0.0, 1.0\)"),
        ({"val_fraction": -0.1}, "'val_fraction'"),
        ({"test_fraction": "x"}, "'test_fraction'"),
        ({"val_fraction": 0.6, "test_fraction": 0.5}, "leave no training data"),
        ({"val_size": 500}, r"'val_size' parameter must be an int in the range \[0, 499\]"),
        ({"val_size": 2.5}, "'val_size'"),
    ],
)
def test_split_validation(labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_val_test_split(labels, **kwargs)


def test_split_labels_must_be_1d():
    with pytest.raises(ValueError, match=r"\(N,\)"):
        train_val_test_split(np.zeros((4, 2)))


def test_split_dataset():
    rng = np.random.default_rng(0)
    ds = ImageDataset(rng.integers(0, 256, (50, 4, 4, 3), dtype=np.uint8), np.arange(50) % 5, list("abcde"))
    tr, va, te = split_dataset(ds, val_fraction=0.2, seed=1)
    assert te is None and len(tr) == 40 and len(va) == 10
    assert np.bincount(va.labels).tolist() == [2] * 5
    _, idx, _ = train_val_test_split(ds.labels, 0.2, seed=1)
    np.testing.assert_array_equal(va.images, ds.images[idx])
    assert va.class_names == ds.class_names
    _, _, te = split_dataset(ds, val_size=5, test_size=5, seed=1)
    assert len(te) == 5


def test_kfold_partitions_and_stratifies(labels):
    folds = kfold_indices(labels, k=5, seed=0)
    assert len(folds) == 5
    assert _is_partition([va for _, va in folds], len(labels))
    sizes = [len(va) for _, va in folds]
    assert max(sizes) - min(sizes) <= 1
    per_class = np.array([np.bincount(labels[va], minlength=4) for _, va in folds])  # (k, K)
    assert np.all(per_class.max(axis=0) - per_class.min(axis=0) <= 1)
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == len(labels)


def test_kfold_determinism_and_unstratified(labels):
    a = kfold_indices(labels, 4, seed=2)
    b = kfold_indices(labels, 4, seed=2)
    c = kfold_indices(labels, 4, seed=3)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c, strict=True))
    folds = kfold_indices(labels, 3, seed=0, stratified=False)
    assert _is_partition([va for _, va in folds], len(labels))


def test_kfold_validation(labels):
    with pytest.raises(ValueError, match=r"'k' parameter must be an int in the range \[2, 500\]. Got 1"):
        kfold_indices(labels, k=1)
    with pytest.raises(ValueError, match="'k'"):
        kfold_indices(labels, k=501)
    with pytest.warns(UserWarning, match="fewer than k=25"):
        kfold_indices(labels, k=25)
