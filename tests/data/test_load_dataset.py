"""load_dataset: the embedded digits, MNIST IDX files, format detection and its error messages."""

from __future__ import annotations

import numpy as np
import pytest
from _data_writers import write_idx

from visrec.data.load import describe_formats, detect_format, load_dataset
from visrec.data.mnist import read_idx
from visrec.utils.errors import DataError


def test_digits_default():
    from sklearn.datasets import load_digits

    ref = load_digits()
    for ds in (load_dataset(), load_dataset("digits")):
        assert ds.images.shape == (1797, 8, 8, 1) and ds.images.dtype == np.uint8
        assert ds.class_names == [str(i) for i in range(10)]
        np.testing.assert_array_equal(ds.labels, ref.target)
    # 0..16 scaled to 0..255 with rounding: 16 -> 255, 8 -> 127.5 -> 128, 1 -> 15.9 -> 16
    x = ref.images[..., None]
    np.testing.assert_array_equal(ds.images[x == 16], 255)
    np.testing.assert_array_equal(ds.images[x == 8], 128)
    np.testing.assert_array_equal(ds.images[x == 1], 16)
    assert np.abs(ds.images / 255.0 - x / 16.0).max() <= 0.5 / 255 + 1e-12
    assert ds.fingerprint == load_dataset().fingerprint


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_round_trip(tmp_path, gz):
    g = np.random.default_rng(0)
    imgs = g.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    labels = g.integers(0, 10, size=12).astype(np.uint8)
    sfx = ".gz" if gz else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{sfx}", imgs, 2051, gz)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{sfx}", labels, 2049, gz)
    assert detect_format(tmp_path)[0] == "mnist"
    ds = load_dataset(tmp_path)
    assert ds.images.shape == (12, 28, 28, 1)
    np.testing.assert_array_equal(ds.images[..., 0], imgs)
    np.testing.assert_array_equal(ds.labels, labels)
    assert ds.labels.dtype == np.int64


def test_mnist_split_picks_prefix(tmp_path):
    for prefix, n in (("train", 5), ("t10k", 3)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", np.zeros((n, 28, 28), np.uint8), 2051, True)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.zeros(n, np.uint8), 2049, True)
    assert len(load_dataset(tmp_path)) == 5
    assert len(load_dataset(tmp_path, split="test")) == 3


def test_mnist_bad_files(tmp_path):
    path = write_idx(tmp_path / "a-images-idx3-ubyte", np.zeros((4, 28, 28), np.uint8), 2049, False)
    with pytest.raises(DataError, match="magic number 2049; expected 2051"):
        read_idx(path, 2051)
    path = write_idx(tmp_path / "a-images-idx3-ubyte", np.zeros((4, 28, 28), np.uint8), 2051, False)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DataError, match=r"a-images-idx3-ubyte.*truncated"):
        read_idx(path, 2051)
    with pytest.raises(DataError, match="labels file"):
        load_dataset(tmp_path)  # images without labels


@pytest.mark.data
def test_real_mnist(mnist_dir):
    ds = load_dataset(mnist_dir)
    assert ds.images.shape == (10000, 28, 28, 1)
    assert ds.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first t10k labels
    assert np.bincount(ds.labels).sum() == 10000 and ds.images.max() == 255


def test_detection_errors_list_the_formats(tmp_path):
    with pytest.raises(DataError, match=r"does not exist(.|\n)*image folder"):
        load_dataset(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(DataError, match="is a file"):
        load_dataset(tmp_path / "f.txt")
    (tmp_path / "sub").mkdir()
    with pytest.raises(DataError, match=r"Cannot tell the dataset format(.|\n)*CIFAR-10 python"):
        load_dataset(tmp_path)
    assert "idx3-ubyte" in describe_formats() and "digits" in describe_formats()


def test_argument_validation(tmp_path):
    with pytest.raises(ValueError, match="'split' parameter"):
        load_dataset(split="val")
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8), 2051, False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8), 2049, False)
    with pytest.raises(ValueError, match="limit_per_class applies to image folders"):
        load_dataset(tmp_path, limit_per_class=3)
