"""Evaluate a saved segmenter on data, and write predicted masks for image files.

``evaluate_segmenter(run_dir, data)`` -> pixel accuracy, mean IoU and per-class IoU on ``data``'s test part
(the held-out nuclei quadrant, or generated shapes); ``predict_files(run_dir, paths, out)`` writes
``<stem>_mask.png`` (class ids scaled to 0..255) and ``<stem>_overlay.png`` for each image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from visrec.data.images import read_image
from visrec.utils.errors import DataError

from .data import IGNORE, load_segmentation
from .metrics import segmentation_scores
from .predictor import load_segmenter

__all__ = ["evaluate_segmenter", "predict_files", "read_for_segmenter", "overlay"]

PALETTE = np.array([[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
                    [145, 30, 180], [70, 240, 240]], np.uint8)


def read_for_segmenter(path, channels: int) -> np.ndarray:
    """An image file as float32 (H, W, channels) in [0, 1]; 16-bit TIFFs are scaled by their percentiles."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            wide = im.mode.startswith("I") or im.mode == "F"
            raw = np.asarray(im).astype(np.float64) if wide else None
    except OSError as exc:
        raise DataError(f"{path}: cannot decode the image ({exc}).") from None
    if raw is not None:
        lo, hi = np.percentile(raw, [0.5, 99.5])
        gray = ((raw - lo) / max(hi - lo, 1e-8)).clip(0, 1).astype(np.float32)
        image = gray[:, :, None]
        return np.repeat(image, channels, axis=2) if channels != 1 else image
    return read_image(path, mode="L" if channels == 1 else "RGB").astype(np.float32) / 255.0


def overlay(image: np.ndarray, labels: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend a label map's colours over an image (H, W, C) float in [0, 1] -> uint8 (H, W, 3)."""
    base = image if image.shape[2] == 3 else np.repeat(image[:, :, :1], 3, axis=2)
    colours = PALETTE[labels % len(PALETTE)].astype(np.float32) / 255.0
    mixed = np.where((labels > 0)[:, :, None], (1 - alpha) * base + alpha * colours, base)
    return (mixed * 255).round().clip(0, 255).astype(np.uint8)


def evaluate_segmenter(run_dir, data: str | None = None, holdout: str = "bottom-right", seed: int = 0,
                       device: str = "cpu") -> dict:
    """Scores of the segmenter in ``run_dir`` on the test part of ``data`` (default: its training data)."""
    predictor = load_segmenter(run_dir, device)
    data = data or predictor.meta.get("data", "shapes")
    _, test = load_segmentation(data, seed=seed, holdout=holdout)
    if test.in_channels != predictor.in_channels or test.num_classes != len(predictor.class_names):
        raise DataError(f"--data {data} has {test.in_channels} channel(s) and {test.num_classes} classes; "
                        f"the model in {run_dir} takes {predictor.in_channels} and predicts "
                        f"{len(predictor.class_names)}.")
    pred = np.stack([predictor.predict(img.transpose(1, 2, 0)) for img in test.images])
    scores = segmentation_scores(pred, test.targets, test.num_classes, IGNORE)
    scores.update(class_names=predictor.class_names, images=int(len(test.images)), data=data)
    return scores


def predict_files(run_dir, paths, out, device: str = "cpu") -> list[Path]:
    """Segment image files; write a mask PNG and an overlay PNG per image into ``out``; return the paths."""
    predictor = load_segmenter(run_dir, device)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    scale = 255 // max(1, len(predictor.class_names) - 1)
    for path in paths:
        image = read_for_segmenter(path, predictor.in_channels)
        labels = predictor.predict(image)
        stem = Path(path).stem
        Image.fromarray((labels * scale).astype(np.uint8)).save(out / f"{stem}_mask.png")
        Image.fromarray(overlay(image, labels)).save(out / f"{stem}_overlay.png")
        written += [out / f"{stem}_mask.png", out / f"{stem}_overlay.png"]
    return written
