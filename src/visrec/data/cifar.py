"""CIFAR-10 in its two official distributions (https://www.cs.toronto.edu/~kriz/cifar.html).

Python version (``cifar-10-batches-py/``): ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and
``batches.meta`` are protocol-2 pickles of dicts with bytes keys. ``b"data"`` is a uint8 array of shape
(N, 3072) whose rows hold the 1024 red, then 1024 green, then 1024 blue values of a 32x32 image (row-major,
i.e. CHW order); ``b"labels"`` is a list of N ints; ``batches.meta`` has ``b"label_names"``. They are read
with the restricted :class:`~visrec.data.safe_pickle.SafeUnpickler`, never with ``pickle.load``.

Binary version (``cifar-10-batches-bin/``): ``data_batch_1.bin`` ... ``data_batch_5.bin`` and
``test_batch.bin`` hold records of 3073 bytes (1 label byte, then the same 3072 CHW bytes);
``batches.meta.txt`` lists the class names, one per line.

Both loaders return images of shape (N, 32, 32, 3), uint8, in the batches' order.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from visrec.data.dataset import ImageDataset
from visrec.data.safe_pickle import safe_load
from visrec.utils.errors import DataError
from visrec.utils.validation import check_choice

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
_SIDE = 32
_ROW = 3 * _SIDE * _SIDE  # 3072 bytes per image
_TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]


def _batch_names(split: str, suffix: str = "") -> list[str]:
    split = check_choice("split", split, ["train", "test"])
    return [n + suffix for n in (_TRAIN_BATCHES if split == "train" else ["test_batch"])]


def _require(root: Path, name: str, kind: str) -> Path:
    path = root / name
    if not path.is_file():
        raise DataError(
            f"Missing {path}: a CIFAR-10 {kind} folder must contain data_batch_1..5, test_batch and the "
            "class-name file of the official archive. Re-extract the archive or point to the right folder."
        )
    return path


def rows_to_images(rows: np.ndarray) -> np.ndarray:
    """CIFAR rows (N, 3072) in CHW order -> images (N, 32, 32, 3)."""
    return rows.reshape(-1, 3, _SIDE, _SIDE).transpose(0, 2, 3, 1)  # (N, H, W, C)


def images_to_rows(images: np.ndarray) -> np.ndarray:
    """Images (N, 32, 32, 3) -> CIFAR rows (N, 3072) in CHW order (the inverse of :func:`rows_to_images`)."""
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2)).reshape(len(images), _ROW)  # (N, 3072)


def _fingerprint(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = os.stat(p)
        h.update(f"{p.resolve()}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _read_python_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = safe_load(path)
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise DataError(
            f"{path} is not a CIFAR-10 batch: expected a dict with b'data' and b'labels'; got {keys}."
        )
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _ROW:
        raise DataError(
            f"{path}: b'data' must be uint8 of shape (N, {_ROW}); got {data.dtype} of shape {data.shape}."
        )
    if labels.shape != (len(data),):
        raise DataError(f"{path}: {len(data)} images but b'labels' has shape {labels.shape}.")
    return data, labels


def _check_labels(labels: np.ndarray, k: int, path: Path) -> None:
    if len(labels) and (labels.min() < 0 or labels.max() >= k):
        raise DataError(
            f"{path}: labels must lie in [0, {k}); got values in [{labels.min()}, {labels.max()}]."
        )


def load_cifar10_python(root: str | os.PathLike, split: str = "train") -> ImageDataset:
    """Read the CIFAR-10 python version (``cifar-10-batches-py/``) with the restricted unpickler.

    Parameters
    ----------
    root : the folder holding data_batch_1..5, test_batch and batches.meta
    split : "train" (data_batch_1..5, 50,000 images) or "test" (test_batch, 10,000 images)

    Returns
    -------
    ImageDataset with images of shape (N, 32, 32, 3), uint8
    """
    root = Path(root)
    paths = [_require(root, n, "python") for n in _batch_names(split)]
    meta_path = _require(root, "batches.meta", "python")
    meta = safe_load(meta_path)
    if not isinstance(meta, dict) or b"label_names" not in meta:
        raise DataError(f"{meta_path} is not CIFAR-10 metadata: expected a dict with b'label_names'.")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta[b"label_names"]]
    parts = [_read_python_batch(p) for p in paths]
    data = np.concatenate([d for d, _ in parts])
    labels = np.concatenate([lab for _, lab in parts])
    _check_labels(labels, len(names), paths[0])
    return ImageDataset(
        np.ascontiguousarray(rows_to_images(data)),
        labels,
        names,
        source=str(root),
        fingerprint=_fingerprint(paths + [meta_path]),
    )


def load_cifar10_binary(root: str | os.PathLike, split: str = "train") -> ImageDataset:
    """Read the CIFAR-10 binary version (``cifar-10-batches-bin/``).

    Parameters
    ----------
    root : the folder holding data_batch_1..5.bin, test_batch.bin and batches.meta.txt
    split : "train" or "test"

    Returns
    -------
    ImageDataset with images of shape (N, 32, 32, 3), uint8
    """
    root = Path(root)
    paths = [_require(root, n, "binary") for n in _batch_names(split, ".bin")]
    meta_path = _require(root, "batches.meta.txt", "binary")
    names = [line.strip() for line in meta_path.read_text().splitlines() if line.strip()]
    if not names:
        raise DataError(f"{meta_path} lists no class names (expected one per line).")
    images, labels = [], []
    for path in paths:
        raw = np.fromfile(path, dtype=np.uint8)
        if raw.size == 0 or raw.size % (_ROW + 1):
            raise DataError(
                f"{path} has {raw.size} bytes, not a positive multiple of the {_ROW + 1}-byte record "
                "(1 label byte + 3072 pixel bytes): the file is truncated or not a CIFAR-10 binary batch."
            )
        records = raw.reshape(-1, _ROW + 1)  # (N, 3073)
        labels.append(records[:, 0].astype(np.int64))
        images.append(rows_to_images(records[:, 1:]))
        _check_labels(labels[-1], len(names), path)
    return ImageDataset(
        np.ascontiguousarray(np.concatenate(images)),
        np.concatenate(labels),
        names,
        source=str(root),
        fingerprint=_fingerprint(paths + [meta_path]),
    )
