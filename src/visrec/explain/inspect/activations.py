"""Activation maps: the output of a chosen layer for one image, each channel as a grayscale map."""

from __future__ import annotations

import numpy as np
import torch

from visrec.explain.hooks import capture
from visrec.explain.inspect.filters import tile

__all__ = ["layer_activations", "activation_grid"]


@torch.no_grad()
def layer_activations(model, x: torch.Tensor, layer) -> torch.Tensor:
    """Output of ``layer`` (a name or module) for pixels x (N, C, H, W): (N, K, h, w)."""
    with capture(model, layer) as seen:
        model(x)
    return seen.output.detach()


def activation_grid(acts: torch.Tensor, max_channels: int = 64) -> np.ndarray:
    """One image's activations (K, h, w) -> a grid of grey tiles in [0, 1] (each channel scaled by the layer's
    max, so dead channels stay black)."""
    a = acts.detach().cpu().double().numpy()[:max_channels]
    top = max(float(np.abs(a).max()), 1e-12)
    return tile((np.clip(a, 0, None) / top)[..., None], pad_value=0.5)
