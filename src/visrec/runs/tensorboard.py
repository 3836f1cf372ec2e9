"""TensorBoard event files from any engine: scalars, images and text, written from NumPy arrays.

Every trainer writes ``<run>/tensorboard/events.out.tfevents.*`` through :class:`TensorBoardWriter` when
``--tensorboard`` is given; look at them with ``tensorboard --logdir runs/``. The writer uses the
``tensorboard`` package's own event-file writer and protocol buffers, so it needs neither torch nor
TensorFlow (the NumPy engine stays NumPy-only); images are encoded as PNG with the standard library.

>>> import tempfile
>>> tb = open_writer(tempfile.mkdtemp())
>>> tb.scalars({"step": 10, "train_loss": 1.5, "update_ratio": {"W1": 1e-3}, "note": "x"}, step=10)
['train_loss', 'update_ratio/W1']
>>> tb.image("filters", tile(np.zeros((4, 3, 3, 1))), step=10)
>>> tb.close()
"""

from __future__ import annotations

import math
import struct
import time
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = ["TensorBoardWriter", "open_writer", "encode_png", "tile", "filter_images", "prediction_grid"]


def encode_png(image: np.ndarray) -> bytes:
    """A PNG file of ``image``: uint8 (H, W) or (H, W, C) with C in 1, 3, 4."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"encode_png expects uint8 pixels; got {img.dtype}.")
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + img[row].tobytes() for row in range(h))  # filter type 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(
        b"IEND", b"")


def _to_uint8(x: np.ndarray, per_image: bool) -> np.ndarray:
    """Float images (N, H, W, C) rescaled to 0..255 (each image on its own when ``per_image``)."""
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(1, x.ndim)) if per_image else None
    lo, hi = x.min(axis=axes, keepdims=True), x.max(axis=axes, keepdims=True)
    return np.round(255 * (x - lo) / np.maximum(hi - lo, 1e-12)).astype(np.uint8)


def tile(images: np.ndarray, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """One uint8 grid (H', W', C) of ``images`` (N, H, W, C); float images are rescaled one by one."""
    imgs = np.asarray(images)
    if imgs.dtype != np.uint8:
        imgs = _to_uint8(imgs, per_image=True)
    n, h, w, c = imgs.shape
    cols = cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad, c), dtype=np.uint8)
    for i in range(n):
        r, k = divmod(i, cols)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + k * (w + pad):pad + k * (w + pad) + w] = imgs[i]
    return grid


def filter_images(weight: np.ndarray, input_shape=None, order: str = "chw", limit: int = 64) -> np.ndarray | None:
    """First-layer weights as images (F, h, w, C), or None when they do not look like images.

    weight : (F, C, kh, kw) convolution filters, or (F, D) fully connected rows with D = H*W*C of
        ``input_shape`` (H, W, C) flattened in ``order`` ("chw" for torch, "hwc" for the NumPy engine).
    Filters with C other than 1 or 3 input channels show their channel mean.
    """
    w = np.asarray(weight, dtype=np.float64)[:limit]
    if w.ndim == 4:
        imgs = w.transpose(0, 2, 3, 1)
    elif w.ndim == 2 and input_shape is not None and w.shape[1] == int(np.prod(input_shape)):
        H, W, C = (int(v) for v in input_shape)
        imgs = w.reshape(-1, C, H, W).transpose(0, 2, 3, 1) if order == "chw" else w.reshape(-1, H, W, C)
    else:
        return None
    if imgs.shape[-1] not in (1, 3):
        imgs = imgs.mean(axis=-1, keepdims=True)
    return imgs


def prediction_grid(images: np.ndarray, labels, predictions, border: int = 2) -> np.ndarray:
    """A grid of uint8 ``images`` (N, H, W, C), each framed green when predicted right, red when wrong."""
    imgs = np.asarray(images, dtype=np.uint8)
    if imgs.shape[-1] == 1:
        imgs = np.repeat(imgs, 3, axis=-1)
    n, h, w, _ = imgs.shape
    framed = np.zeros((n, h + 2 * border, w + 2 * border, 3), dtype=np.uint8)
    ok = np.asarray(labels) == np.asarray(predictions)
    framed[ok] = (0, 170, 0)
    framed[~ok] = (220, 0, 0)
    framed[:, border:border + h, border:border + w] = imgs
    return tile(framed)


class TensorBoardWriter:
    """Writes scalars, images and text to one event file in ``folder``.

    Steps are integers (optimiser steps, or epochs where the trainer counts in epochs).
    """

    def __init__(self, folder: str | Path):
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._event, self._summary = event_pb2.Event, summary_pb2
        self._writer = EventFileWriter(str(self.folder))
        self.closed = False

    def _add(self, value, step: int) -> None:
        event = self._event(wall_time=time.time(), step=int(step), summary=self._summary.Summary(value=[value]))
        self._writer.add_event(event)

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._add(self._summary.Summary.Value(tag=tag, simple_value=float(value)), step)

    def scalars(self, record: dict, step: int, skip=("step", "epoch", "partial_epoch"), prefix: str = "") -> list:
        """Every number in ``record`` (nested dicts become ``outer/inner`` tags); returns the tags written."""
        written = []
        for key, value in record.items():
            if key in skip or value is None or isinstance(value, bool):
                continue
            tag = f"{prefix}{key}"
            if isinstance(value, dict):
                written += self.scalars(value, step, skip=(), prefix=f"{tag}/")
            elif isinstance(value, int | float | np.number):
                self.scalar(tag, value, step)
                written.append(tag)
        return written

    def image(self, tag: str, image: np.ndarray, step: int) -> None:
        """``image`` uint8 (H, W, C) with C in 1, 3, 4 (float images are rescaled to 0..255)."""
        img = np.asarray(image)
        if img.dtype != np.uint8:
            img = _to_uint8(img, per_image=False)
        if img.ndim == 2:
            img = img[:, :, None]
        h, w, c = img.shape
        picture = self._summary.Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encode_png(img))
        self._add(self._summary.Summary.Value(tag=tag, image=picture), step)

    def text(self, tag: str, markdown: str, step: int) -> None:
        """A text summary (shown by TensorBoard's Text tab, Markdown rendered)."""
        from tensorboard.util import tensor_util

        meta = self._summary.SummaryMetadata(
            plugin_data=self._summary.SummaryMetadata.PluginData(plugin_name="text"))
        tensor = tensor_util.make_tensor_proto(np.array(markdown.encode("utf-8"), dtype=object))
        self._add(self._summary.Summary.Value(tag=tag, metadata=meta, tensor=tensor), step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        if not self.closed:
            self._writer.close()
            self.closed = True


def open_writer(folder: str | Path) -> TensorBoardWriter | None:
    """A writer for ``folder``, or None (with a warning) when the ``tensorboard`` package is missing."""
    try:
        return TensorBoardWriter(folder)
    except ImportError:
        warnings.warn(
            "--tensorboard needs the 'tensorboard' package (pip install tensorboard); "
            "logging to history.jsonl only.",
            stacklevel=2,
        )
        return None
