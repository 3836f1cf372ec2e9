"""Image-folder datasets: ``root/<class>/*.jpg|jpeg|png``, decoded once and then served from the cache.

Class names are the sub-folder names in sorted order, and a class's label is its index in that order (the
torchvision ``ImageFolder`` convention). Every image is converted to RGB, so grayscale folders load with
C = 3, and all images must share one size (resize them beforehand otherwise). Hidden files and folders are
ignored.

>>> ds = load_image_folder("path/to/cifar10-jpeg/train")          # doctest: +SKIP
>>> ds.images.shape, ds.class_names[:3]                             # doctest: +SKIP
((50000, 32, 32, 3), ['airplane', 'automobile', 'bird'])
"""

from __future__ import annotations

import os
import stat
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from visrec.data import cache as _cache
from visrec.data.dataset import ImageDataset
from visrec.data.images import read_image
from visrec.utils.errors import DataError
from visrec.utils.progress import track
from visrec.utils.validation import check_int

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
LOADER_VERSION = "image_folder/1"
#: folders with at least this many images are decoded by a small process pool
PARALLEL_MIN_FILES = 4096
_CHUNK = 512


def _visible_entries(folder) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def is_image_folder(root: str | os.PathLike) -> bool:
    """True if ``root`` has at least one class sub-folder holding an image file."""
    root = Path(root)
    if not root.is_dir():
        return False
    for entry in _visible_entries(root):
        if entry.is_dir():
            with os.scandir(entry.path) as it:
                if any(_is_image_name(e.name) and not e.name.startswith(".") and e.is_file() for e in it):
                    return True
    return False


def _stat_images(folder: str, limit: int | None) -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of the regular image files in ``folder`` (symlinks followed), sorted by name.

    Names are plain strings and each file is stat-ed relative to an open folder descriptor: this is the hot
    loop of a cached reload (50,000 files), so it avoids Path objects and repeated path resolution.
    """
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".") and _is_image_name(n))
    use_fd = os.stat in os.supports_dir_fd
    fd = os.open(folder, os.O_RDONLY) if use_fd else None
    found = []
    try:
        for name in names:
            try:
                st = os.stat(name, dir_fd=fd) if use_fd else os.stat(os.path.join(folder, name))
            except OSError as exc:  # e.g. a broken symlink
                raise DataError(f"Cannot read {os.path.join(folder, name)}: {exc.strerror}.") from None
            if stat.S_ISREG(st.st_mode):
                found.append((name, st.st_size, st.st_mtime_ns))
                if limit is not None and len(found) == limit:
                    break
    finally:
        if fd is not None:
            os.close(fd)
    return found


def _scan(root: Path, limit_per_class: int | None):
    """Walk the tree once (strings, not Paths: 50,000 files take well under a second unloaded).

    Returns class_names, rel_paths (list of "class/file"), labels (N,), records (rel, size, mtime_ns).
    """
    if limit_per_class is not None:
        limit_per_class = check_int("limit_per_class", limit_per_class, low=1)
    entries = _visible_entries(root)
    class_dirs = [e for e in entries if e.is_dir()]
    loose = [e.name for e in entries if e.is_file() and _is_image_name(e.name)]
    if not class_dirs:
        hint = f" (found loose images such as {loose[0]!r}: move them into class folders)" if loose else ""
        raise DataError(
            f"No class folders in {root}: an image folder must look like root/<class>/*.jpg{hint}."
        )
    class_names: list[str] = []
    labels: list[int] = []
    records: list[tuple[str, int, int]] = []
    for class_dir in class_dirs:
        found = _stat_images(class_dir.path, limit_per_class)
        if not found:
            warnings.warn(
                f"class folder {class_dir.path} has no {'/'.join(IMAGE_EXTENSIONS)} images; "
                "its class is kept (label order is unchanged) but has no examples.",
                stacklevel=4,
            )
        records.extend((f"{class_dir.name}/{name}", size, mtime) for name, size, mtime in found)
        labels.extend([len(class_names)] * len(found))
        class_names.append(class_dir.name)
    if not records:
        raise DataError(f"No {'/'.join(IMAGE_EXTENSIONS)} images under the class folders of {root}.")
    return class_names, [r[0] for r in records], np.asarray(labels, dtype=np.int64), records


def list_image_folder(root: str | os.PathLike, limit_per_class: int | None = None):
    """Find the classes and image files of an image-folder tree.

    Returns
    -------
    class_names : list of K str, sorted
    files : list of N Path, grouped by class, sorted by name within a class
    labels : ndarray of shape (N,), int64
    """
    root = Path(root)
    class_names, rel_paths, labels, _ = _scan(root, limit_per_class)
    return class_names, [root / r for r in rel_paths], labels


def decode_image(path: str | os.PathLike) -> np.ndarray:
    """Decode one image file to RGB: ndarray of shape (H, W, 3), uint8 (see :func:`visrec.data.images.read_image`;
    a DataError names the file if it cannot be read or decoded)."""
    return read_image(path, "RGB")


def _decode_chunk(paths: list[str]) -> list[np.ndarray | str]:
    """Decode a list of files; a failure is returned as its error message (a str), not raised."""
    out: list[np.ndarray | str] = []
    for p in paths:
        try:
            out.append(decode_image(p))
        except DataError as exc:
            out.append(str(exc))
    return out


def _decode_all(files: list[str], workers: int, description: str):
    """Yield (index, ndarray or error str) for every file, serially or with a process pool."""
    chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
    if workers <= 1:
        for c, chunk in enumerate(track(chunks, description, total=len(chunks))):
            yield from enumerate(_decode_chunk(chunk), start=c * _CHUNK)
        return
    done = 0
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        for decoded in track(pool.map(_decode_chunk, chunks), description, total=len(chunks)):
            yield from enumerate(decoded, start=done * _CHUNK)
            done += 1
    except (BrokenProcessPool, OSError) as exc:  # no fork/semaphores here, or a worker was killed
        warnings.warn(f"parallel decoding failed ({exc!r}); decoding the rest in this process", stacklevel=2)
        for c in range(done, len(chunks)):
            yield from enumerate(_decode_chunk(chunks[c]), start=c * _CHUNK)
    finally:
        # on an early error (a bad file, Ctrl-C) do not wait for the chunks still queued
        pool.shutdown(wait=True, cancel_futures=True)


def _decode_folder(root: Path, rel_paths: list[str], labels: np.ndarray, skip_bad: bool, workers: int):
    files = [os.path.join(root, r) for r in rel_paths]
    images = None
    ok = np.ones(len(files), dtype=bool)
    skipped: list[tuple[str, str]] = []  # (relative path, reason)
    for i, result in _decode_all(files, workers, f"decoding {len(files)} images"):
        if isinstance(result, str):
            if not skip_bad:
                raise DataError(
                    f"{result}. Remove or replace the file, or pass --skip-bad (skip_bad=True) to skip unreadable "
                    "images."
                )
            ok[i] = False
            skipped.append((rel_paths[i], result))
            continue
        if images is None:
            images = np.empty((len(files), *result.shape), dtype=np.uint8)  # (N, H, W, 3)
        elif result.shape != images.shape[1:]:
            raise DataError(
                f"Image {files[i]} has size {result.shape[1]}x{result.shape[0]} (WxH) but the first image "
                f"has {images.shape[2]}x{images.shape[1]}; every image of a folder must share one size. "
                "Resize the images beforehand or remove this one."
            )
        images[i] = result
    if images is None:
        raise DataError(f"None of the {len(files)} images under {root} could be decoded.")
    if not ok.all():
        images, labels = images[ok], labels[ok]
    return images, labels, skipped


def _report_skipped(skipped: list[tuple[str, str]], root: Path, skip_bad: bool) -> None:
    if not skipped:
        return
    if not skip_bad:
        raise DataError(
            f"{skipped[0][1]}. Remove or replace the file, or pass --skip-bad (skip_bad=True) to skip unreadable "
            "images."
        )
    warnings.warn(
        f"skipped {len(skipped)} unreadable image(s) under {root}; first: {skipped[0][1]}", stacklevel=3
    )


def load_image_folder(
    root: str | os.PathLike,
    *,
    skip_bad: bool = False,
    cache: bool = True,
    limit_per_class: int | None = None,
    workers: int | None = None,
    mmap: bool = False,
) -> ImageDataset:
    """Load ``root/<class>/*.jpg|jpeg|png`` as an :class:`ImageDataset`, using the decode cache.

    Parameters
    ----------
    root : the folder holding one sub-folder per class
    skip_bad : skip unreadable images (with a warning; their count is ``ds.extra["skipped"]``) instead of
        raising a DataError that names the first one
    cache : read and write the decode cache (see :mod:`visrec.data.cache`)
    limit_per_class : keep only the first n files (by name) of every class, e.g. for quick experiments
    workers : decoding processes (default: 2 for folders of 4,096 images or more, else 1)
    mmap : memory-map the cached images read-only instead of reading them into memory

    Returns
    -------
    ImageDataset with images of shape (N, H, W, 3), uint8; ``fingerprint`` is the cache key
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"Image folder {root} does not exist or is not a folder.")
    class_names, rel_paths, labels, records = _scan(root, limit_per_class)
    key = _cache.source_key(LOADER_VERSION, root, records, {"limit_per_class": limit_per_class})
    hit = _cache.load_cached(key, mmap=mmap) if cache else None
    if hit is not None and hit[2].get("class_names") == class_names:
        images, labels, meta = hit
        skipped = [tuple(s) for s in meta.get("skipped", [])]
        _report_skipped(skipped, root, skip_bad)
        cached = True
    else:
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(rel_paths) >= PARALLEL_MIN_FILES else 1
        images, labels, skipped = _decode_folder(root, rel_paths, labels, skip_bad, workers)
        _report_skipped(skipped, root, skip_bad)
        if cache:
            meta = {"class_names": class_names, "source": str(root.resolve()), "skipped": skipped}
            try:
                _cache.save_cached(key, images, labels, meta)
            except OSError as exc:  # a read-only or full cache folder must not stop the run
                warnings.warn(
                    f"could not write the decode cache in {_cache.cache_dir()} ({exc}); set "
                    "VISREC_CACHE_DIR to a writable folder to avoid decoding again next time.",
                    stacklevel=2,
                )
        cached = False
    return ImageDataset(
        images,
        labels,
        class_names,
        source=str(root),
        fingerprint=key,
        extra={"skipped": len(skipped), "skipped_files": [s[0] for s in skipped], "cached": cached},
    )
