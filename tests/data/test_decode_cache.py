"""The decode cache: a second load does not decode, a changed source is re-decoded, nothing is pickled."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from _data_writers import write_image_folder
from visrec.data import cache as cache_mod
from visrec.data import image_folder
from visrec.data.image_folder import load_image_folder


@pytest.fixture
def folder(tmp_path):
    write_image_folder(tmp_path / "imgs", {"cat": 3, "dog": 2})
    return tmp_path / "imgs"


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("VISREC_CACHE_DIR", str(root))
    return root


def _forbid_decoding(monkeypatch):
    def boom(path):
        raise AssertionError(f"decoded {path} although the cache should have answered")

    monkeypatch.setattr(image_folder, "decode_image", boom)


def _count_decoding(monkeypatch):
    calls = []
    real = image_folder.decode_image

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(image_folder, "decode_image", counting)
    return calls


def test_cache_dir_from_environment(cache_root, monkeypatch):
    assert cache_mod.cache_dir() == cache_root
    monkeypatch.delenv("VISREC_CACHE_DIR")
    assert cache_mod.cache_dir() == cache_mod.Path.home() / ".cache" / "visrec"


def test_second_load_does_not_decode(folder, cache_root, monkeypatch):
    first = load_image_folder(folder)
    assert not first.extra["cached"]
    files = sorted(p.name for p in cache_root.iterdir())
    key = first.fingerprint
    assert files == [f"{key}.images.npy", f"{key}.json", f"{key}.labels.npy"]  # no temp files left
    # plain .npy: loads with pickling disabled
    np.testing.assert_array_equal(np.load(cache_root / f"{key}.images.npy", allow_pickle=False), first.images)
    _forbid_decoding(monkeypatch)
    second = load_image_folder(folder)
    assert second.extra["cached"] and second.fingerprint == key
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.labels, first.labels)
    assert second.class_names == first.class_names
    mm = load_image_folder(folder, mmap=True)
    assert isinstance(mm.images, np.memmap)
    np.testing.assert_array_equal(mm.images, first.images)


def test_changed_file_is_redecoded(folder, cache_root, monkeypatch):
    first = load_image_folder(folder)
    path = folder / "dog" / "001.png"
    Image.fromarray(np.full((5, 6, 3), 7, dtype=np.uint8)).save(path)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # coarse-mtime filesystems still differ
    calls = _count_decoding(monkeypatch)
    second = load_image_folder(folder)
    assert len(calls) == 5 and not second.extra["cached"]
    assert second.fingerprint != first.fingerprint
    assert (second.images[-1] == 7).all()


def test_added_removed_or_touched_files_change_the_key(folder, cache_root):
    keys = {load_image_folder(folder).fingerprint}
    Image.new("RGB", (6, 5)).save(folder / "cat" / "new.png")
    keys.add(load_image_folder(folder).fingerprint)
    (folder / "cat" / "000.png").unlink()
    keys.add(load_image_folder(folder).fingerprint)
    path = folder / "dog" / "000.png"
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    keys.add(load_image_folder(folder).fingerprint)
    keys.add(load_image_folder(folder, limit_per_class=1).fingerprint)
    assert len(keys) == 5


def test_cache_false_neither_reads_nor_writes(folder, cache_root, monkeypatch):
    load_image_folder(folder, cache=False)
    assert not cache_root.exists() or not any(cache_root.iterdir())
    load_image_folder(folder)
    calls = _count_decoding(monkeypatch)
    load_image_folder(folder, cache=False)
    assert len(calls) == 5


def test_damaged_entry_is_a_miss(folder, cache_root, monkeypatch):
    key = load_image_folder(folder).fingerprint
    npy = cache_root / f"{key}.images.npy"
    npy.write_bytes(npy.read_bytes()[:100])  # truncated, as after a disk-full
    calls = _count_decoding(monkeypatch)
    ds = load_image_folder(folder)
    assert len(calls) == 5 and not ds.extra["cached"]
    _forbid_decoding(monkeypatch)
    assert load_image_folder(folder).extra["cached"]  # rewritten


def test_entry_without_metadata_is_ignored(folder, cache_root, monkeypatch):
    key = load_image_folder(folder).fingerprint
    (cache_root / f"{key}.json").unlink()  # an interrupted write never reached its commit marker
    calls = _count_decoding(monkeypatch)
    assert not load_image_folder(folder).extra["cached"] and len(calls) == 5


def test_clear_cache(folder, cache_root):
    key = load_image_folder(folder).fingerprint
    assert cache_mod.clear_cache(key) == 3
    assert cache_mod.load_cached(key) is None
    load_image_folder(folder)
    load_image_folder(folder, limit_per_class=1)
    assert cache_mod.clear_cache() == 6


def test_unwritable_cache_warns_but_loads(folder, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("VISREC_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(UserWarning, match="could not write the decode cache"):
        ds = load_image_folder(folder)
    assert len(ds) == 5 and not ds.extra["cached"]
