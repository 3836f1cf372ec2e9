"""Writers for tiny datasets in the exact official on-disk formats, shared by the data tests."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
from PIL import Image

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def random_cifar(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random 32x32 RGB images (N, 32, 32, 3) uint8 and labels (N,) in [0, 10)."""
    g = np.random.default_rng(seed)
    return g.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8), g.integers(0, 10, size=n)


def to_rows(images: np.ndarray) -> np.ndarray:
    """(N, 32, 32, 3) -> (N, 3072) with the red plane first, as in the official files (written by hand here,
    independently of visrec.data.cifar.images_to_rows)."""
    n = len(images)
    return np.concatenate([images[..., c].reshape(n, 1024) for c in range(3)], axis=1)


# ---- a Python 2 style pickle, byte for byte the opcodes of the official cifar-10-batches-py files ----
def _py2_obj(obj) -> bytes:
    if isinstance(obj, dict):
        body = b"".join(_py2_obj(k) + _py2_obj(v) for k, v in obj.items())
        return b"}(" + body + b"u"
    if isinstance(obj, list):
        return b"](" + b"".join(_py2_obj(v) for v in obj) + b"e"
    if isinstance(obj, bool):
        return b"\x88" if obj else b"\x89"
    if isinstance(obj, int):
        return b"K" + bytes([obj]) if 0 <= obj < 256 else b"J" + struct.pack("<i", obj)
    if isinstance(obj, bytes):  # a Python 2 str
        return (b"U" + bytes([len(obj)]) if len(obj) < 256 else b"T" + struct.pack("<i", len(obj))) + obj
    if isinstance(obj, tuple):
        return b"(" + b"".join(_py2_obj(v) for v in obj) + b"t"
    if obj is None:
        return b"N"
    if isinstance(obj, np.ndarray):
        assert obj.dtype == np.uint8 and obj.flags.c_contiguous
        dtype = b"cnumpy\ndtype\n" + _py2_obj((b"u1", False, True)) + b"R"
        dtype += _py2_obj((3, b"|", None, None, None, -1, -1, 0)) + b"b"
        head = b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n" + _py2_obj((0,)) + _py2_obj(b"b")
        head += b"tR"
        state = b"(" + _py2_obj(1) + _py2_obj(tuple(obj.shape)) + dtype + b"\x89" + _py2_obj(obj.tobytes())
        return head + state + b"tb"
    raise TypeError(type(obj))


def py2_pickle(obj) -> bytes:
    return b"\x80\x02" + _py2_obj(obj) + b"."


def write_cifar_python(root: Path, train, test, style: str = "py3") -> Path:
    """Write data_batch_1..5, test_batch and batches.meta; ``train`` is split over the 5 batches."""
    root.mkdir(parents=True, exist_ok=True)
    dump = (lambda o: pickle.dumps(o, protocol=2)) if style == "py3" else py2_pickle
    images, labels = train
    parts = np.array_split(np.arange(len(images)), 5)
    batches = [(f"data_batch_{i + 1}", images[p], labels[p]) for i, p in enumerate(parts)]
    batches.append(("test_batch", *test))
    for name, x, y in batches:
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in y],
            b"data": np.ascontiguousarray(to_rows(x)),
            b"filenames": [f"img_{i}.png".encode() for i in range(len(x))],
        }
        (root / name).write_bytes(dump(batch))
    meta = {b"num_cases_per_batch": 10000, b"label_names": [n.encode() for n in NAMES], b"num_vis": 3072}
    (root / "batches.meta").write_bytes(dump(meta))
    return root


def write_cifar_binary(root: Path, train, test) -> Path:
    """Write data_batch_1..5.bin, test_batch.bin (records: 1 label byte + 3072 bytes) and batches.meta.txt."""
    root.mkdir(parents=True, exist_ok=True)
    images, labels = train
    parts = np.array_split(np.arange(len(images)), 5)
    batches = [(f"data_batch_{i + 1}.bin", images[p], labels[p]) for i, p in enumerate(parts)]
    batches.append(("test_batch.bin", *test))
    for name, x, y in batches:
        records = b"".join(bytes([int(lab)]) + row.tobytes() for lab, row in zip(y, to_rows(x), strict=True))
        (root / name).write_bytes(records)
    (root / "batches.meta.txt").write_text("\n".join(NAMES) + "\n\n")
    return root


def write_idx(path: Path, array: np.ndarray, magic: int, gz: bool) -> Path:
    header = struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_image_folder(root: Path, per_class: dict[str, int], size=(6, 5), fmt="png", seed=0, mode="RGB"):
    """root/<class>/<i>.<fmt> with random images; returns {relative path: decoded-as-written array}."""
    g = np.random.default_rng(seed)
    written = {}
    for cls, n in per_class.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
            arr = g.integers(0, 256, size=shape, dtype=np.uint8)
            rel = f"{cls}/{i:03d}.{fmt}"
            Image.fromarray(arr, mode=mode).save(root / rel)
            written[rel] = arr
    return written
