"""Test-time augmentation: average the softmax of the image and of its mirror image (optionally also
one-pixel translations, as airbench does).

Ensembles of trained runs are in :func:`visrec.torch_nn.predictor.ensemble_predict_proba`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["predict_logits"]


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
