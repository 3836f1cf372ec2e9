"""MNIST in its original IDX format (http://yann.lecun.com/exdb/mnist/), gzip-compressed or raw.

An IDX file is a big-endian header, then raw bytes: images have magic 2051 and dimensions (N, 28, 28);
labels have magic 2049 and dimension (N,). The header is checked against the file size, so a truncated or
mismatched file is reported instead of silently misread.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import numpy as np

from visrec.data.dataset import ImageDataset
from visrec.utils.errors import DataError
from visrec.utils.validation import check_choice

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_IMAGES_RE = re.compile(r"^(?P<prefix>.*)-images[.-]idx3-ubyte(\.gz)?$")


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataError(f"Cannot read IDX file {path}: {exc}") from None


def read_idx(path: str | os.PathLike, expected_magic: int) -> np.ndarray:
    """Read one IDX file of unsigned bytes.

    Returns
    -------
    ndarray, uint8, of the shape its header gives: (N, 28, 28) for images, (N,) for labels
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 8:
        raise DataError(f"{path} is too short ({len(raw)} bytes) to be an IDX file.")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise DataError(
            f"{path} has IDX magic number {magic}; expected {expected_magic} "
            f"({'images' if expected_magic == IMAGES_MAGIC else 'labels'}, unsigned bytes)."
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise DataError(
            f"{path}: the header promises shape {dims} ({expected} bytes with the header) but the file has "
            f"{len(raw)} bytes; it is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def find_idx_pairs(root: str | os.PathLike) -> dict[str, tuple[Path, Path]]:
    """Map each prefix (e.g. "train", "t10k") to its (images file, labels file) in ``root``."""
    root = Path(root)
    pairs = {}
    for path in sorted(root.iterdir()):
        m = _IMAGES_RE.match(path.name)
        if not m:
            continue
        prefix = m.group("prefix")
        stem = path.name[len(prefix) + len("-images") :].replace("idx3", "idx1")
        labels = root / f"{prefix}-labels{stem}"
        if not labels.is_file():
            raise DataError(f"Found {path} but not its labels file {labels}.")
        pairs[prefix] = (path, labels)
    return pairs


def load_mnist(root: str | os.PathLike, split: str = "train") -> ImageDataset:
    """Load an MNIST IDX folder (``<prefix>-images-idx3-ubyte[.gz]`` + ``<prefix>-labels-idx1-ubyte[.gz]``).

    ``split`` picks ``train-*`` ("train") or ``t10k-*`` ("test") when both are present; a folder holding a
    single pair (e.g. only the t10k files) loads that pair for either split.

    Returns
    -------
    ImageDataset with images of shape (N, 28, 28, 1), uint8, and class names "0".."9"
    """
    root = Path(root)
    split = check_choice("split", split, ["train", "test"])
    pairs = find_idx_pairs(root) if root.is_dir() else {}
    if not pairs:
        raise DataError(f"No <prefix>-images-idx3-ubyte[.gz] file in {root}.")
    if len(pairs) == 1:
        prefix = next(iter(pairs))
    else:
        prefix = {"train": "train", "test": "t10k"}[split]
        if prefix not in pairs:
            raise DataError(
                f"{root} has IDX prefixes {sorted(pairs)}; expected '{prefix}' for split={split!r}."
            )
    img_path, lab_path = pairs[prefix]
    images = read_idx(img_path, IMAGES_MAGIC)
    labels = read_idx(lab_path, LABELS_MAGIC).astype(np.int64)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{img_path} has shape {images.shape} and {lab_path} has shape {labels.shape}; expected "
            "(N, H, W) images and (N,) labels with the same N."
        )
    h = hashlib.sha256()
    for p in (img_path, lab_path):
        st = os.stat(p)
        h.update(f"{p.resolve()}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    k = max(10, int(labels.max()) + 1) if len(labels) else 10
    return ImageDataset(
        images[..., None].copy(),  # (N, H, W, 1)
        labels,
        [str(i) for i in range(k)],
        source=str(root),
        fingerprint=h.hexdigest()[:16],
    )
