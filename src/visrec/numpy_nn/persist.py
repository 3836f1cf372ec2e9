"""Saving a trained NumPy model with its input preprocessing, and loading it back as a predictor.

Preprocessing (Lecture 6, L6019-6045), fitted on the TRAINING split only and stored with the weights:

* ``center``: "image" subtracts the mean image (AlexNet), "channel" the per-channel mean (VGG), "none";
* ``scale``: "std" divides by the standard deviation of the centred training pixels (one scalar),
  "255" divides by 255, "none" leaves the scale;
* ``layout``: "flat" gives rows ``(N, D)`` (D = H*W*C, for TwoLayerNet / FullyConnectedNet), "nchw"
  gives ``(N, C, H, W)`` (for the convnets).

``model.json`` (kind ``"numpy_nn"``) holds the model config, the transform config, the class names and
the input shape; ``model.safetensors`` holds the weights and the ``input/mean`` / ``input/std`` arrays.
``load_predictor(run_dir)`` rebuilds both, so ``visrec predict`` reproduces the run's predictions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.numpy_nn.ensemble import softmax
from visrec.numpy_nn.models import build_model
from visrec.runs import RunDir, load_model
from visrec.utils.errors import DataError
from visrec.utils.validation import check_choice


class InputTransform:
    """uint8 images ``(N, H, W, C)`` -> float arrays the models take; fit on training images only."""

    def __init__(
        self, center: str = "image", scale: str = "std", layout: str = "flat", dtype: str = "float32"
    ):
        self.center = check_choice("center", center, ["image", "channel", "none"], owner="InputTransform")
        self.scale = check_choice("scale", scale, ["std", "255", "none"], owner="InputTransform")
        self.layout = check_choice("layout", layout, ["flat", "nchw"], owner="InputTransform")
        self.dtype = np.dtype(dtype)
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, images: np.ndarray, chunk: int = 5000) -> InputTransform:
        """Learn the mean (``(H, W, C)`` or ``(C,)``) and the scalar std from ``images (N, H, W, C)``."""
        images = _check_images(images)
        n = len(images)
        total = np.zeros(images.shape[1:], dtype=np.float64)
        for i in range(0, n, chunk):
            total += images[i : i + chunk].sum(axis=0, dtype=np.float64)
        mean_img = total / max(n, 1)  # (H, W, C)
        self.mean_ = {"image": mean_img, "channel": mean_img.mean(axis=(0, 1)), "none": np.zeros(1)}[
            self.center
        ]
        if self.scale == "std":
            sq = sum(float(np.sum((images[i : i + chunk] - self.mean_) ** 2)) for i in range(0, n, chunk))
            self.std_ = np.array([np.sqrt(sq / max(images[:1].size * n, 1)) or 1.0])
        else:
            self.std_ = np.array([255.0 if self.scale == "255" else 1.0])
        return self

    def transform(self, images: np.ndarray) -> np.ndarray:
        """``(N, H, W, C)`` uint8 -> ``(N, D)`` or ``(N, C, H, W)`` in ``self.dtype``."""
        if self.mean_ is None:
            raise ValueError("InputTransform is not fitted: call fit(train_images) first.")
        images = _check_images(images)
        x = ((images - self.mean_) / self.std_).astype(self.dtype)  # (N, H, W, C)
        if self.layout == "flat":
            return x.reshape(len(x), -1)  # (N, D)
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # (N, C, H, W)

    def config(self) -> dict:
        return {"center": self.center, "scale": self.scale, "layout": self.layout, "dtype": str(self.dtype)}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"input/mean": self.mean_, "input/std": self.std_}

    @classmethod
    def from_saved(cls, config: dict, arrays: dict[str, np.ndarray]) -> InputTransform:
        t = cls(**config)
        t.mean_, t.std_ = arrays["input/mean"], arrays["input/std"]
        return t


def _check_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got {images.shape}.")
    return images


def model_meta(model, transform: InputTransform, class_names, input_shape, extra=None) -> dict:
    """What ``model.json`` holds (kind ``numpy_nn``): enough to rebuild the model and its preprocessing."""
    return {
        "kind": "numpy_nn",
        "model": model.config(),
        "input": transform.config(),
        "class_names": list(class_names),
        "input_shape": list(input_shape),
        **(extra or {}),
    }


def save_model(run: RunDir, model, transform: InputTransform, class_names, input_shape, extra=None) -> None:
    """Write ``model.safetensors`` + ``model.json`` (kind ``numpy_nn``) into the run directory."""
    meta = model_meta(model, transform, class_names, input_shape, extra)
    run.save_model({**model.state_arrays(), **transform.arrays()}, meta)


class NumpyPredictor:
    """What ``visrec predict`` needs: ``class_names``, ``input_shape`` (H, W, C), ``predict_proba``."""

    def __init__(self, model, transform: InputTransform, class_names, input_shape):
        self.model = model
        self.transform = transform
        self.class_names = list(class_names)
        self.input_shape = tuple(input_shape)

    def predict_proba(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class probabilities ``(N, K)`` for uint8 images ``(N, H, W, C)`` of ``input_shape``."""
        images = _check_images(images)
        if tuple(images.shape[1:]) != self.input_shape:
            raise ValueError(
                f"This model takes images of shape (N, {', '.join(map(str, self.input_shape))}); "
                f"got {images.shape}. Resize them to {self.input_shape[:2]} first."
            )
        return softmax(self.model.predict_scores(self.transform.transform(images), batch_size))

    def predict(self, images: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(images), axis=1)


def load_predictor(run_dir: str | Path) -> NumpyPredictor:
    """Rebuild the model and its preprocessing from a ``visrec train --engine numpy`` run directory.

    A run without ``model.json`` (interrupted before the end) is read from ``checkpoints/best`` (the
    best-validation weights), which carries the same description under ``model_meta``.
    """
    run_dir = Path(run_dir)
    if (run_dir / "model.json").is_file():
        arrays, meta = load_model(run_dir)
    else:
        arrays, saved = RunDir(run_dir).load_checkpoint("best")
        if "model_meta" not in saved:
            raise DataError(
                f"{run_dir} has no model.json and its best checkpoint does not describe the model "
                "(written before release 0.2); resume the run to finish it."
            )
        meta = saved["model_meta"]
        arrays = {**{k[len("params/") :]: v for k, v in arrays.items() if k.startswith("params/")}, **arrays}
    if meta.get("kind") != "numpy_nn":
        raise ValueError(f"{run_dir} holds a model of kind {meta.get('kind')!r}, not 'numpy_nn'.")
    model = build_model(meta["model"])
    model.load_state_arrays(arrays)
    transform = InputTransform.from_saved(meta["input"], arrays)
    return NumpyPredictor(model, transform, meta["class_names"], meta["input_shape"])
