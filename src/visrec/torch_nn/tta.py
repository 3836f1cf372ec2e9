"""Test-time augmentation and ensembles.

TTA averages the softmax of the image and of its mirror image (optionally also one-pixel translations, as
airbench does); an ensemble averages the probabilities of several trained runs (AlexNet's 7-CNN ensemble,
Lecture 9: 18.2% -> 15.4% top-5 error).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["predict_logits", "ensemble_predict_proba"]


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, tta: bool = False, translate: int = 0) -> torch.Tensor:
    """Logits of ``x`` (N, C, H, W); with ``tta`` the log of the mean softmax over the views.

    Views: x, flip(x), and with ``translate > 0`` also x and flip(x) shifted by +-translate pixels
    (zero fill), 6 views in all.
    """
    if not tta:
        return model(x)
    views = [x, x.flip(-1)]
    if translate > 0:
        t = translate
        pad = F.pad(x, (t, t, t, t))
        h, w = x.shape[-2:]
        up_left = pad[..., :h, :w]
        down_right = pad[..., 2 * t : 2 * t + h, 2 * t : 2 * t + w]
        views += [up_left, up_left.flip(-1), down_right, down_right.flip(-1)]
    probs = torch.stack([torch.softmax(model(v).float(), dim=1) for v in views]).mean(0)  # (N, K)
    return torch.log(probs.clamp_min(1e-12))


def ensemble_predict_proba(run_dirs, images: np.ndarray) -> np.ndarray:
    """Average ``predict_proba`` of several torch run directories: images (N, H, W, C) uint8 -> (N, K)."""
    from visrec.torch_nn.checkpoint import load_predictor

    predictors = [load_predictor(d) for d in run_dirs]
    if not predictors:
        raise ValueError("An ensemble needs at least one run directory; got none.")
    names = predictors[0].class_names
    for p in predictors[1:]:
        if p.class_names != names:
            raise ValueError(f"Ensemble members disagree on the classes: {names} vs {p.class_names}.")
    return np.mean([p.predict_proba(images) for p in predictors], axis=0)
