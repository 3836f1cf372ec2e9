"""CIFAR-10 python and binary versions: tiny files in the exact official formats read back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from _data_writers import NAMES, random_cifar, to_rows, write_cifar_binary, write_cifar_python
from visrec.data.cifar import images_to_rows, load_cifar10_binary, load_cifar10_python, rows_to_images
from visrec.data.load import detect_format, load_dataset
from visrec.utils.errors import DataError, UnsafePickleError


@pytest.fixture
def arrays():
    return random_cifar(25, seed=1), random_cifar(7, seed=2)


def test_rows_are_chw_planes():
    images, _ = random_cifar(3, seed=0)
    rows = images_to_rows(images)
    np.testing.assert_array_equal(rows, to_rows(images))
    # first 1024 values are the red plane in row-major order
    np.testing.assert_array_equal(rows[1, :32], images[1, 0, :, 0])
    np.testing.assert_array_equal(rows[1, 1024 : 1024 + 32], images[1, 0, :, 1])
    np.testing.assert_array_equal(rows_to_images(rows), images)


@pytest.mark.parametrize("style", ["py3", "py2"])
def test_python_version_round_trip(tmp_path, arrays, style):
    (train_x, train_y), (test_x, test_y) = arrays
    root = write_cifar_python(tmp_path / "cifar-10-batches-py", (train_x, train_y), (test_x, test_y), style)
    ds = load_cifar10_python(root, "train")
    np.testing.assert_array_equal(ds.images, train_x)
    np.testing.assert_array_equal(ds.labels, train_y)
    assert ds.labels.dtype == np.int64 and ds.images.flags.c_contiguous
    assert ds.class_names == NAMES
    test = load_cifar10_python(root, "test")
    np.testing.assert_array_equal(test.images, test_x)
    np.testing.assert_array_equal(test.labels, test_y)
    assert ds.fingerprint and ds.fingerprint != test.fingerprint


def test_binary_version_round_trip(tmp_path, arrays):
    (train_x, train_y), (test_x, test_y) = arrays
    root = write_cifar_binary(tmp_path / "cifar-10-batches-bin", (train_x, train_y), (test_x, test_y))
    ds = load_cifar10_binary(root, "train")
    np.testing.assert_array_equal(ds.images, train_x)
    np.testing.assert_array_equal(ds.labels, train_y)
    assert ds.class_names == NAMES
    test = load_cifar10_binary(root, "test")
    np.testing.assert_array_equal(test.images, test_x)
    np.testing.assert_array_equal(test.labels, test_y)


def test_load_dataset_detects_both_versions(tmp_path, arrays):
    write_cifar_python(tmp_path / "py" / "cifar-10-batches-py", *arrays)
    write_cifar_binary(tmp_path / "bin" / "cifar-10-batches-bin", *arrays)
    for parent, kind in (("py", "cifar10-python"), ("bin", "cifar10-binary")):
        assert detect_format(tmp_path / parent)[0] == kind  # the folder that contains the batches folder
        a = load_dataset(tmp_path / parent)
        b = load_dataset(tmp_path / parent / f"cifar-10-batches-{parent}", split="test")
        np.testing.assert_array_equal(a.images, arrays[0][0])
        np.testing.assert_array_equal(b.labels, arrays[1][1])


def test_missing_batch_is_named(tmp_path, arrays):
    root = write_cifar_python(tmp_path / "py", *arrays)
    (root / "data_batch_4").unlink()
    with pytest.raises(DataError, match="data_batch_4"):
        load_cifar10_python(root)
    load_cifar10_python(root, "test")  # the test split does not need it
    (root / "batches.meta").unlink()
    with pytest.raises(DataError, match="batches.meta"):
        load_cifar10_python(root, "test")


def test_binary_wrong_size_is_named(tmp_path, arrays):
    root = write_cifar_binary(tmp_path / "bin", *arrays)
    path = root / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match=r"data_batch_2\.bin.*3073"):
        load_cifar10_binary(root)
    (root / "test_batch.bin").unlink()
    with pytest.raises(DataError, match=r"test_batch\.bin"):
        load_cifar10_binary(root, "test")


def test_python_batch_with_wrong_shape_is_named(tmp_path, arrays):
    import pickle

    root = write_cifar_python(tmp_path / "py", *arrays)
    bad = {b"data": np.zeros((3, 100), dtype=np.uint8), b"labels": [0, 1, 2]}
    (root / "data_batch_3").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_3.*3072"):
        load_cifar10_python(root)
    (root / "data_batch_3").write_bytes(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(DataError, match="data_batch_3"):
        load_cifar10_python(root)


def test_labels_out_of_range(tmp_path, arrays):
    (x, y), test = arrays
    y = y.copy()
    y[0] = 12
    root = write_cifar_binary(tmp_path / "bin", (x, y), test)
    with pytest.raises(DataError, match=r"\[0, 10\)"):
        load_cifar10_binary(root)


def test_malicious_batch_refused_through_load_dataset(tmp_path, arrays):
    import os
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    root = write_cifar_python(tmp_path / "py", *arrays)
    (root / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(UnsafePickleError, match="system"):
        load_dataset(root)
    assert not (tmp_path / "pwned").exists()


def test_split_is_validated(tmp_path, arrays):
    root = write_cifar_python(tmp_path / "py", *arrays)
    with pytest.raises(ValueError, match="'split' parameter"):
        load_cifar10_python(root, "validation")
