"""Load a trained segmenter from its run directory: ``load_segmenter(run_dir)`` (kind "segmenter").

``SegmenterPredictor.predict(image)`` takes an image (H, W) or (H, W, C) (uint8, or float in [0, 1]) and
returns its label map (H, W) int64; ``predict_proba`` returns (K, H, W) probabilities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from visrec.runs import load_model
from visrec.utils.errors import DataError

from .registry import create_segmenter

__all__ = ["SegmenterPredictor", "load_segmenter"]


class SegmenterPredictor:
    def __init__(self, model, meta: dict, device="cpu"):
        self.model, self.meta, self.device = model.eval(), meta, device
        self.class_names = list(meta["class_names"])
        self.in_channels = int(meta["in_channels"])

    def _prepare(self, image: np.ndarray) -> torch.Tensor:
        image = np.asarray(image)
        scale = 255.0 if image.dtype == np.uint8 else 1.0
        image = image.astype(np.float32) / scale
        if image.ndim == 2:
            image = image[:, :, None]
        if image.shape[2] != self.in_channels:
            if self.in_channels == 1:
                image = image.mean(axis=2, keepdims=True)
            elif image.shape[2] == 1:
                image = np.repeat(image, self.in_channels, axis=2)
            else:
                raise DataError(f"the model takes {self.in_channels} channels; the image has "
                                f"{image.shape[2]}.")
        return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None].to(self.device)

    @torch.no_grad()
    def predict_proba(self, image: np.ndarray) -> np.ndarray:
        return torch.softmax(self.model(self._prepare(image)), 1)[0].cpu().numpy()

    def predict(self, image: np.ndarray) -> np.ndarray:
        return self.predict_proba(image).argmax(0)


def load_segmenter(run_dir, device: str = "cpu") -> SegmenterPredictor:
    tensors, meta = load_model(Path(run_dir), framework="pt")
    if meta.get("kind") != "segmenter":
        raise DataError(f"{run_dir} holds a {meta.get('kind')!r} model, not a segmenter.")
    model = create_segmenter(meta["model"], **meta["model_kwargs"])
    model.load_state_dict(tensors)
    return SegmenterPredictor(model.to(device), meta, device)
