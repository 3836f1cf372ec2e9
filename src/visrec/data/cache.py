"""The decode cache: decoded image arrays kept on disk as ``.npy`` files, keyed by what they came from.

A key is the hash of (loader name and version, resolved root, sorted relative file list, sizes, mtimes,
loader options), so any added, removed, replaced or touched source file gives a new key and the folder is
decoded again. Entries are three files::

    <cache_dir>/<key>.images.npy   uint8 (N, H, W, C)
    <cache_dir>/<key>.labels.npy   int64 (N,)
    <cache_dir>/<key>.json         class names, source, skipped files (written last: the commit marker)

Arrays are stored with ``np.save`` and read with ``np.load(allow_pickle=False)``: nothing in the cache is
ever unpickled. Every file is written atomically (temporary file + rename), so an interrupted decode never
leaves a half-written entry that a later run would trust.

The cache folder is ``$VISREC_CACHE_DIR`` if set, else ``~/.cache/visrec``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_path, atomic_write_json

#: bump when a change in a loader changes the arrays it produces, so old entries are not reused
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """The cache folder: ``$VISREC_CACHE_DIR`` if set, else ``~/.cache/visrec``."""
    env = os.environ.get("VISREC_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "visrec"


def source_key(kind: str, root: str | os.PathLike, records, options: dict | None = None) -> str:
    """A short hex digest of everything that determines the decoded arrays.

    Parameters
    ----------
    kind : loader name and version, e.g. ``"image_folder/1"``
    root : the dataset folder (resolved before hashing)
    records : list of (relative path, size in bytes, mtime in ns), one per source file, in a fixed order
    options : loader options that change the output (e.g. ``{"limit_per_class": 20}``)
    """
    h = hashlib.sha256()
    header = {
        "format": CACHE_FORMAT,
        "kind": kind,
        "root": str(Path(root).resolve()),
        "options": options or {},
    }
    h.update(json.dumps(header, sort_keys=True).encode())
    for rel, size, mtime in records:
        h.update(f"\n{rel}\t{size}\t{mtime}".encode())
    return h.hexdigest()[:16]


def _paths(key: str, folder: Path | None = None) -> tuple[Path, Path, Path]:
    folder = cache_dir() if folder is None else folder
    return folder / f"{key}.images.npy", folder / f"{key}.labels.npy", folder / f"{key}.json"


def load_cached(key: str, mmap: bool = False):
    """Return ``(images, labels, meta)`` for ``key``, or ``None`` on a miss or an unreadable entry.

    ``mmap=True`` memory-maps the images read-only instead of reading them into memory.
    """
    img_path, lab_path, meta_path = _paths(key)
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        images = np.load(img_path, mmap_mode="r" if mmap else None, allow_pickle=False)
        labels = np.load(lab_path, allow_pickle=False)
    except (OSError, ValueError):
        return None  # a damaged entry is a miss; it is overwritten by the next save
    if (
        meta.get("key") != key
        or images.dtype != np.uint8
        or images.ndim != 4
        or labels.shape != (len(images),)
        or list(images.shape) != meta.get("shape")
    ):
        return None
    return images, labels.astype(np.int64, copy=False), meta


def save_cached(key: str, images: np.ndarray, labels: np.ndarray, meta: dict) -> None:
    """Write an entry atomically; the JSON metadata goes last, so a reader never sees a partial entry."""
    img_path, lab_path, meta_path = _paths(key)
    for path, arr in ((img_path, images), (lab_path, labels)):
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(arr), allow_pickle=False)
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache is readable like any user cache
    atomic_write_json(meta_path, {**meta, "key": key, "shape": list(images.shape)})
    os.chmod(meta_path, 0o644)


def clear_cache(key: str | None = None) -> int:
    """Delete one entry (or every entry when ``key`` is None); return the number of files removed."""
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    keys = [key] if key else [p.name.removesuffix(".json") for p in folder.glob("*.json")]
    removed = 0
    for k in keys:
        for path in _paths(k, folder):
            if path.exists():
                path.unlink()
                removed += 1
    return removed
