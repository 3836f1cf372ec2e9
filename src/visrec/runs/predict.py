"""Predict and evaluate with any saved classifier: the library side of `visrec predict` and `visrec evaluate`.

Images are decoded by the data layer's one decoder (:func:`visrec.data.images.read_image`), converted to
the model's channels and resized to its input size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.data.images import IMAGE_SUFFIXES, read_image, resize_images
from visrec.runs.predictor import load_predictor, model_kind
from visrec.utils.errors import DataError, ParameterError

__all__ = ["image_files", "predict_files", "evaluate_run", "load_classifier"]

#: the command that uses each non-classifier kind, for the error message
COMMAND_OF_KIND = {"charrnn": "visrec charrnn sample", "caption": "visrec caption predict",
                   "detector": "visrec detect predict", "segmenter": "visrec segment predict",
                   "generative": "visrec generate sample", "rl": "visrec rl evaluate", "fast_style": "visrec style"}


def load_classifier(run_dir, device: str = "cpu"):
    """The image classifier saved in ``run_dir``; a DataError (naming the right command) for other kinds."""
    predictor = load_predictor(run_dir, device=device)
    if not all(hasattr(predictor, a) for a in ("class_names", "input_shape", "predict_proba")):
        kind = model_kind(run_dir)
        use = COMMAND_OF_KIND.get(kind)
        raise DataError(
            f"{run_dir} holds a {kind!r} model, not an image classifier; `visrec predict` and `visrec evaluate` "
            f"read classifier runs (classic, numpy_nn, torch)." + (f" Use `{use} {run_dir} ...`." if use else "")
        )
    return predictor


def image_files(paths) -> list[Path]:
    """Expand folders into the image files below them (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
            if not found:
                raise DataError(f"{p} is a folder with no image files ({', '.join(IMAGE_SUFFIXES)}).")
            out += found
        else:
            out.append(p)
    if not out:
        raise ParameterError("Give at least one image file or folder.")
    return out


def _load(predictor, files, batch: int = 256):
    """Decode ``files`` for ``predictor``; yields (files, images (n, H, W, C)) in batches.

    An image of another size is resized to the model's, with a note on stderr.
    """
    import sys

    h, w, c = (int(v) for v in predictor.input_shape)
    mode = "L" if c == 1 else "RGB"
    for i in range(0, len(files), batch):
        chunk, images = files[i : i + batch], []
        for f in chunk:
            img = read_image(f, mode)
            if img.shape[:2] != (h, w):
                print(f"note: {f}: resized from {img.shape[0]}x{img.shape[1]} to the model's {h}x{w}",
                      file=sys.stderr)
                img = resize_images(img[None], (h, w))[0]
            images.append(img)
        yield chunk, np.stack(images)


def predict_files(run_dir, paths, top_k: int = 1, device: str = "cpu") -> list[dict]:
    """Classify image files (or every image in folders) with the model of ``run_dir``.

    Returns one dict per file: ``file``, ``class``, ``label``, ``probability`` (None for a model without
    probabilities, e.g. an SVM) and ``top`` (the ``top_k`` best ``[class, probability]`` pairs).
    """
    if top_k < 1:
        raise ParameterError(f"--top-k must be at least 1; got {top_k}.")
    predictor = load_classifier(run_dir, device=device)
    files = image_files(paths)
    has_proba = getattr(predictor, "has_proba", True)
    names = list(predictor.class_names)
    rows = []
    for chunk, x in _load(predictor, files):
        proba = np.asarray(predictor.predict_proba(x))  # (n, K)
        labels = np.asarray(predictor.predict(x)) if hasattr(predictor, "predict") else proba.argmax(1)
        for f, y, p in zip(chunk, labels, proba, strict=True):
            order = np.argsort(-p, kind="stable")[: min(top_k, len(names))]
            rows.append({
                "file": str(f),
                "label": int(y),
                "class": str(names[int(y)]),
                "probability": float(p[int(y)]) if has_proba else None,
                "top": [[str(names[j]), float(p[j]) if has_proba else None] for j in order],
            })
    return rows


def evaluate_run(run_dir, test_data, skip_bad: bool = False, device: str = "cpu") -> dict:
    """Accuracy of the model of ``run_dir`` on ``test_data`` (its "test" split), with per-class numbers.

    The classes of ``test_data`` must be the model's (same names, same order).
    """
    from visrec.data.load import load_dataset
    from visrec.data.run_data import match_channels

    predictor = load_classifier(run_dir, device=device)
    ds = load_dataset(test_data, split="test", skip_bad=skip_bad)
    if list(ds.class_names) != list(predictor.class_names):
        raise DataError(
            f"--test-data {test_data} has classes {list(ds.class_names)} but the model of {run_dir} was "
            f"trained on {list(predictor.class_names)}; they must be the same, in the same order."
        )
    h, w, c = (int(v) for v in predictor.input_shape)
    images = match_channels(ds.images, c)
    if images.shape[1:3] != (h, w):
        images = resize_images(images, (h, w))
    pred = np.concatenate([np.asarray(predictor.predict(images[i : i + 512])) for i in range(0, len(images), 512)])
    K = len(ds.class_names)
    confusion = np.zeros((K, K), dtype=np.int64)
    np.add.at(confusion, (ds.labels, pred), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(1), 1)
    return {
        "run": str(run_dir),
        "test_data": str(test_data),
        "n": int(len(ds)),
        "accuracy": float(np.mean(pred == ds.labels)),
        "per_class_accuracy": dict(zip(ds.class_names, map(float, per_class), strict=True)),
        "confusion": confusion.tolist(),
        "skipped": int(ds.extra.get("skipped", 0)) if ds.extra else 0,
    }
