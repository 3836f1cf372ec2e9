"""Image folders: class order, RGB conversion, size checks, corrupt files by name, skip_bad, real CIFAR."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
from _data_writers import NAMES, write_image_folder
from PIL import Image

from visrec.data.image_folder import decode_image, list_image_folder, load_image_folder
from visrec.data.load import detect_format, load_dataset
from visrec.utils.errors import DataError


def test_png_folder_round_trip_and_class_order(tmp_path):
    written = write_image_folder(tmp_path, {"zebra": 2, "ant": 3, "moth": 1})
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "ant" / "notes.txt").write_text("not an image")
    ds = load_image_folder(tmp_path, cache=False)
    assert ds.class_names == ["ant", "moth", "zebra"]  # sorted names = label order
    assert ds.labels.tolist() == [0, 0, 0, 1, 2, 2]
    assert ds.images.shape == (6, 5, 6, 3) and ds.images.dtype == np.uint8
    expected = np.stack([written[k] for k in sorted(written)])  # PNG is lossless
    np.testing.assert_array_equal(ds.images, expected)
    assert ds.extra["skipped"] == 0


def test_grayscale_and_palette_become_rgb(tmp_path):
    written = write_image_folder(tmp_path, {"a": 2}, mode="L")
    Image.fromarray(written["a/000.png"], mode="L").convert("P").save(tmp_path / "a" / "002.png")
    ds = load_image_folder(tmp_path, cache=False)
    assert ds.images.shape == (3, 5, 6, 3)
    for i in range(2):
        for c in range(3):
            np.testing.assert_array_equal(ds.images[i, ..., c], written[f"a/{i:03d}.png"])


def test_jpeg_matches_pil(tmp_path):
    write_image_folder(tmp_path, {"a": 2, "b": 2}, size=(8, 8), fmt="jpg")
    Image.open(tmp_path / "b" / "001.jpg").save(
        tmp_path / "b" / "002.JPEG"
    )  # extensions are case-insensitive
    ds = load_image_folder(tmp_path, cache=False)
    assert len(ds) == 5
    ref = np.asarray(Image.open(tmp_path / "b" / "002.JPEG").convert("RGB"))
    np.testing.assert_array_equal(ds.images[-1], ref)


def test_mixed_sizes_name_the_file(tmp_path):
    write_image_folder(tmp_path, {"a": 2})
    Image.new("RGB", (7, 7)).save(tmp_path / "a" / "big.png")
    with pytest.raises(DataError, match=r"big\.png.*7x7"):
        load_image_folder(tmp_path, cache=False)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_corrupt_image_is_named(tmp_path):
    write_image_folder(tmp_path, {"a": 2, "b": 2}, size=(16, 16), fmt="jpg", seed=3)
    _truncate(tmp_path / "b" / "001.jpg")
    (tmp_path / "a" / "zzz.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError, match=r"a/zzz\.png"):
        load_image_folder(tmp_path, cache=False)
    with pytest.raises(DataError, match="skip_bad"):
        load_image_folder(tmp_path, cache=False)
    with pytest.raises(DataError, match=r"001\.jpg"):
        decode_image(tmp_path / "b" / "001.jpg")


def test_skip_bad_counts_and_warns(tmp_path):
    write_image_folder(tmp_path, {"a": 3, "b": 3}, size=(16, 16), fmt="jpg", seed=4)
    _truncate(tmp_path / "a" / "001.jpg")
    _truncate(tmp_path / "b" / "002.jpg")
    with pytest.warns(UserWarning, match="skipped 2 unreadable"):
        ds = load_dataset(tmp_path, skip_bad=True)
    assert ds.extra["skipped"] == 2
    assert ds.extra["skipped_files"] == ["a/001.jpg", "b/002.jpg"]
    assert len(ds) == 4 and ds.labels.tolist() == [0, 0, 1, 1]
    # the cached entry remembers the skipped files: still a warning, and still an error without skip_bad
    with pytest.warns(UserWarning, match="skipped 2"):
        again = load_dataset(tmp_path, skip_bad=True)
    assert again.extra["cached"] and again.extra["skipped"] == 2
    np.testing.assert_array_equal(again.images, ds.images)
    with pytest.raises(DataError, match=r"001\.jpg"):
        load_dataset(tmp_path)


def test_layout_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_image_folder(tmp_path / "missing")
    Image.new("RGB", (4, 4)).save(tmp_path / "loose.png")
    with pytest.raises(DataError, match="class folders.*loose.png"):
        load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "full" / "x.png")
    with pytest.warns(UserWarning, match="no .* images"):
        ds = load_image_folder(tmp_path, cache=False)
    assert ds.class_names == ["empty", "full"] and ds.labels.tolist() == [1]


def test_limit_per_class(tmp_path):
    write_image_folder(tmp_path, {"a": 5, "b": 2})
    names, files, labels = list_image_folder(tmp_path, limit_per_class=3)
    assert [f.name for f in files] == ["000.png", "001.png", "002.png", "000.png", "001.png"]
    assert labels.tolist() == [0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="limit_per_class"):
        list_image_folder(tmp_path, limit_per_class=0)


def test_process_pool_matches_serial(tmp_path):
    write_image_folder(tmp_path, {"a": 40, "b": 30}, size=(8, 8), fmt="jpg", seed=5)
    serial = load_image_folder(tmp_path, cache=False, workers=1)
    pooled = load_image_folder(tmp_path, cache=False, workers=2)
    np.testing.assert_array_equal(serial.images, pooled.images)
    np.testing.assert_array_equal(serial.labels, pooled.labels)


def test_split_subfolder_is_detected(tmp_path):
    write_image_folder(tmp_path / "train", {"a": 2, "b": 1})
    write_image_folder(tmp_path / "test", {"a": 1, "b": 1}, seed=9)
    assert detect_format(tmp_path) == ("image-folder", tmp_path / "train")
    assert len(load_dataset(tmp_path)) == 3
    assert len(load_dataset(tmp_path, split="test")) == 2
    shutil.rmtree(tmp_path / "test")
    with pytest.raises(DataError, match=r"split\(s\) \['train'\] but not 'test'"):
        load_dataset(tmp_path, split="test")


@pytest.mark.data
def test_real_cifar_subset(cifar_jpeg_dir):
    ds = load_dataset(cifar_jpeg_dir, limit_per_class=20)
    assert ds.images.shape == (200, 32, 32, 3)
    assert ds.class_names == NAMES
    assert np.bincount(ds.labels).tolist() == [20] * 10
    first = sorted(p for p in (cifar_jpeg_dir / "airplane").iterdir() if p.suffix == ".jpg")[0]
    np.testing.assert_array_equal(ds.images[0], np.asarray(Image.open(first).convert("RGB")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = load_dataset(cifar_jpeg_dir, limit_per_class=20)
    assert again.extra["cached"] and again.fingerprint == ds.fingerprint


def test_process_pool_reports_bad_file(tmp_path):
    write_image_folder(tmp_path, {"a": 30, "b": 30}, size=(8, 8), fmt="jpg", seed=6)
    _truncate(tmp_path / "b" / "007.jpg")
    with pytest.raises(DataError, match=r"b/007\.jpg"):
        load_image_folder(tmp_path, cache=False, workers=2)
    with pytest.warns(UserWarning, match="skipped 1"):
        ds = load_image_folder(tmp_path, cache=False, workers=2, skip_bad=True)
    assert len(ds) == 59 and ds.extra["skipped_files"] == ["b/007.jpg"]


def test_symlinked_files_and_broken_links(tmp_path):
    written = write_image_folder(tmp_path / "src", {"a": 2, "b": 2})
    link_root = tmp_path / "links"
    for rel in written:
        (link_root / rel).parent.mkdir(parents=True, exist_ok=True)
        (link_root / rel).symlink_to(tmp_path / "src" / rel)
    ds = load_image_folder(link_root)
    np.testing.assert_array_equal(ds.images, np.stack([written[k] for k in sorted(written)]))
    (link_root / "b" / "999.png").symlink_to(tmp_path / "src" / "missing.png")
    with pytest.raises(DataError, match=r"999\.png"):
        load_image_folder(link_root)
