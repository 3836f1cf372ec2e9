"""One way to load any saved model: ``load_predictor(run_dir)`` dispatches on ``model.json``'s ``kind``.

Classifier predictors follow :class:`Predictor`; other kinds (detectors, language models, generators,
policies) return their own objects, documented by their packages. A run without ``model.json`` (stopped
by Ctrl-C or a crash before the end) falls back to its best checkpoint, and says so.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from visrec.runs.arrays import read_json
from visrec.utils.errors import DataError

__all__ = ["Predictor", "load_predictor", "PREDICTOR_LOADERS", "model_kind"]

#: model.json "kind" -> "module:function" taking (run_dir, device); imported only when needed.
PREDICTOR_LOADERS = {
    "classic": "visrec.classic.persist:load_predictor",
    "numpy_nn": "visrec.numpy_nn.persist:load_predictor",
    "torch": "visrec.torch_nn.predictor:load_predictor",
    "generative": "visrec.generative.wrapper:load_generative",
    "charrnn": "visrec.sequence.charrnn:load_charrnn",
    "caption": "visrec.sequence.captioning:load_captioner",
    "fast_style": "visrec.explain.generate.style.fast:load_fast_style",
    "rl": "visrec.rl.persist:load_predictor",
    "ram": "visrec.rl.ram.train:load_predictor",
    "detector": "visrec.detection.predict:load_predictor",
    "segmenter": "visrec.detection.segmentation.predictor:load_segmenter",
}


@runtime_checkable
class Predictor(Protocol):
    """A trained image classifier that takes raw images.

    class_names : list of K names; input_shape : (H, W, C) it was trained on.
    """

    class_names: list
    input_shape: tuple

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """images : uint8 (N, H, W, C) -> probabilities (N, K)."""

    def predict(self, images: np.ndarray) -> np.ndarray:
        """images : uint8 (N, H, W, C) -> labels (N,)."""


def model_kind(run_dir: str | Path) -> str:
    """The ``kind`` of a run directory's saved model (or of its best checkpoint when there is none)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(
            f"expected a run directory written by a training command (e.g. runs/train-...); "
            f"{run_dir} does not exist or is not a folder."
        )
    meta_path = run_dir / "model.json"
    if meta_path.is_file():
        return str(read_json(meta_path, "a model description").get("kind"))
    for name in ("best", "last"):
        ckpt = run_dir / "checkpoints" / f"{name}.json"
        if ckpt.is_file():
            meta = read_json(ckpt, f"checkpoint '{name}'")
            return str(meta.get("kind") or meta.get("model_meta", {}).get("kind") or "torch")
    raise DataError(
        f"{run_dir} has no model.json and no checkpoint, so it holds no model. Pass the --out folder of a "
        "command that trains (visrec knn, linear, features, train, demo, ...)."
    )


def load_predictor(run_dir: str | Path, device: str = "cpu"):
    """Rebuild the model saved in ``run_dir`` with the loader of its kind."""
    run_dir = Path(run_dir)
    kind = model_kind(run_dir)
    if kind not in PREDICTOR_LOADERS:
        raise DataError(
            f"{run_dir} holds a model of kind {kind!r}; this visrec reads {sorted(PREDICTOR_LOADERS)}. "
            "Was it written by a newer or different version of visrec?"
        )
    if not (run_dir / "model.json").is_file():
        print(f"note: {run_dir} has no final model (the run was interrupted); using its best checkpoint.",
              file=sys.stderr)
    import inspect

    module, func = PREDICTOR_LOADERS[kind].split(":")
    loader = getattr(importlib.import_module(module), func)
    takes_device = "device" in inspect.signature(loader).parameters  # NumPy-engine loaders have no device
    return loader(run_dir, device=device) if takes_device else loader(run_dir)
