"""The saved-model format of torch classifier runs and the predictor that reads it (``visrec predict``).

A run directory's model is two files: ``model.safetensors`` (the state dict) and ``model.json``
(``{"kind": "torch", "model": <registry name>, "model_kwargs", "class_names", "input_shape" (H, W, C),
"mean", "std", "resize_to", "tta", ...}``). A run stopped before its end (Ctrl-C, a crash) has no
``model.json``; :func:`load_predictor` then rebuilds the model from ``checkpoints/best`` (or ``last``),
whose JSON carries the same description under ``model_meta``, and says so.

Checkpoint I/O (safetensors + JSON, optimizer and RNG state) lives in :mod:`visrec.torch_nn.checkpoint`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from visrec.torch_nn.checkpoint import load_checkpoint, load_tensors, save_tensors
from visrec.torch_nn.tta import predict_logits
from visrec.utils.atomic import atomic_write_json
from visrec.utils.errors import DataError

__all__ = ["MODEL_KIND", "save_model", "TorchPredictor", "load_predictor", "ensemble_predict_proba"]

MODEL_KIND = "torch"  # model.json "kind" of a torch classifier run


def save_model(run_dir: str | Path, model: nn.Module, meta: dict) -> None:
    """Write ``model.safetensors`` (state dict) and ``model.json`` (kind "torch" + ``meta``)."""
    run_dir = Path(run_dir)
    save_tensors(run_dir / "model.safetensors", model.state_dict())
    atomic_write_json(run_dir / "model.json", {"kind": MODEL_KIND, **meta})


class TorchPredictor:
    """A trained torch classifier that takes raw images (the ``visrec.runs.Predictor`` protocol).

    Attributes
    ----------
    class_names : list of K str
    input_shape : (H, W, C) the model was trained on
    model : the nn.Module, in eval mode
    meta : dict, the model.json description
    """

    def __init__(self, model: nn.Module, meta: dict, device: str = "cpu"):
        from visrec.torch_nn.augment import BatchPipeline

        self.model = model.eval().to(device)
        self.meta = meta
        self.device = device
        self.class_names = list(meta["class_names"])
        self.input_shape = tuple(meta["input_shape"])
        self.tta = bool(meta.get("tta", False))
        self.pipeline = BatchPipeline(meta["mean"], meta["std"], resize=meta.get("resize_to"))

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """images : ndarray of shape (N, H, W, C) uint8 -> probabilities of shape (N, K)."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        h, w, c = self.input_shape
        if images.ndim != 4 or images.shape[1:] != (h, w, c):
            raise DataError(
                f"This model takes images of shape (N, {h}, {w}, {c}) uint8; got {images.shape}. "
                "Load them with the same dataset loader (it resizes and converts channels)."
            )
        out = []
        for i in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[i : i + batch_size])).permute(0, 3, 1, 2)
            x = self.pipeline.eval(x.to(self.device))  # (n, C, H, W)
            out.append(torch.softmax(predict_logits(self.model, x, self.tta), dim=1).float().cpu())
        return torch.cat(out).numpy()

    def predict(self, images: np.ndarray) -> np.ndarray:
        """images : (N, H, W, C) uint8 -> labels (N,)."""
        return self.predict_proba(images).argmax(axis=1)


def load_predictor(run_dir: str | Path, device: str = "cpu") -> TorchPredictor:
    """Rebuild the model of a torch run directory (model.json kind "torch" + model.safetensors).

    Without ``model.json`` (an interrupted run) the best checkpoint is used, else the last one, with a note
    on stderr.
    """
    from visrec.torch_nn.registry import create_model

    run_dir = Path(run_dir)
    meta_path = run_dir / "model.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{meta_path} is not valid JSON ({exc}); the file is truncated or corrupt."
            ) from None
        if meta.get("kind") != MODEL_KIND:
            raise DataError(
                f"{meta_path} has kind {meta.get('kind')!r}, not a torch classifier ({MODEL_KIND!r}); "
                "load it with visrec.runs.load_predictor, which reads every kind."
            )
        state = load_tensors(run_dir / "model.safetensors")
    else:
        state, meta = _from_checkpoint(run_dir)
    model = create_model(meta["model"], num_classes=len(meta["class_names"]), **meta.get("model_kwargs", {}))
    model.load_state_dict(state)
    return TorchPredictor(model, meta, device)


def _from_checkpoint(run_dir: Path) -> tuple[dict, dict]:
    for name in ("best", "last"):
        stem = run_dir / "checkpoints" / name
        if stem.with_suffix(".json").is_file():
            tensors, ckpt = load_checkpoint(stem)
            if "model_meta" not in ckpt:
                continue
            print(
                f"note: {run_dir} has no model.json (the run was interrupted); using checkpoints/{name}.",
                file=sys.stderr,
            )
            return {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}, dict(ckpt["model_meta"])
    raise DataError(
        f"{run_dir} has no model.json and no checkpoint with a model description, so it holds no saved "
        "model. Pass the --out folder of `visrec train`."
    )


def ensemble_predict_proba(run_dirs, images: np.ndarray) -> np.ndarray:
    """Average ``predict_proba`` of several torch run directories: images (N, H, W, C) uint8 -> (N, K)
    (AlexNet's 7-CNN ensemble, Lecture 9: 18.2% -> 15.4% top-5 error)."""
    predictors = [load_predictor(d) for d in run_dirs]
    if not predictors:
        raise ValueError("An ensemble needs at least one run directory; got none.")
    names = predictors[0].class_names
    for p in predictors[1:]:
        if p.class_names != names:
            raise DataError(f"Ensemble members disagree on the classes: {names} vs {p.class_names}.")
    return np.mean([p.predict_proba(images) for p in predictors], axis=0)
