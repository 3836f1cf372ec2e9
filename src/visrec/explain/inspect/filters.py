"""Looking at the weights: first-layer filters as colour images, higher-layer filters channel by channel.

AlexNet's first layer is 64 x 3 x 11 x 11, ResNet's 64 x 3 x 7 x 7: each filter is shown as a small RGB
image. Higher layers have too many input channels for colour, so each (filter, input channel) slice is a
grey tile.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(3, 4, 5), nn.ReLU(), nn.Conv2d(4, 2, 3))
>>> first_conv(net)[0]
'0'
>>> filter_grid(net[0].weight).shape         # 4 tiles of 5x5 in a 2 x 2 grid with 1 px borders
(11, 11, 3)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from visrec.explain._errors import ParameterError
from visrec.explain.hooks import find_layer, resolve_model

__all__ = ["first_conv", "filter_grid", "layer_weights_grid", "tile"]


def first_conv(model) -> tuple[str, nn.Conv2d]:
    """(name, module) of the first ``nn.Conv2d`` of the classifier."""
    for name, m in resolve_model(model).named_modules():
        if isinstance(m, nn.Conv2d):
            return name, m
    raise ParameterError("The model has no Conv2d layer, so it has no filters to show.")


def tile(tiles: np.ndarray, pad: int = 1, cols: int | None = None, pad_value: float = 1.0) -> np.ndarray:
    """tiles (N, h, w, C) in [0, 1] -> one grid image (rows*(h+pad)-pad, cols*(w+pad)-pad, C)."""
    n, h, w, c = tiles.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, c), pad_value, dtype=np.float64)
    for i in range(n):
        r, q = divmod(i, cols)
        out[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = tiles[i]
    return out


def _scale(w: np.ndarray) -> np.ndarray:
    """Each tile min-max scaled to [0, 1] on its own (as the lecture's filter pictures)."""
    lo = w.min(axis=(1, 2, 3), keepdims=True)
    hi = w.max(axis=(1, 2, 3), keepdims=True)
    return (w - lo) / np.maximum(hi - lo, 1e-12)


def filter_grid(weight: torch.Tensor) -> np.ndarray:
    """Conv weights (K, C, F, F), C in {1, 3} -> a grid of K colour (or grey) tiles (H', W', C) in [0, 1]."""
    w = weight.detach().cpu().double().numpy()
    if w.ndim != 4 or w.shape[1] not in (1, 3):
        raise ParameterError(
            f"Filters can be drawn as images when they have 1 or 3 input channels; got weight of shape "
            f"{w.shape}. Use layer_weights_grid for higher layers."
        )
    return tile(_scale(w.transpose(0, 2, 3, 1)))


def layer_weights_grid(model, layer, max_filters: int = 16, max_channels: int = 16) -> np.ndarray:
    """A higher conv layer's weights (K, C, F, F) as a K x C grid of grey tiles (first ``max_*`` of each)."""
    m = find_layer(model, layer)
    if not isinstance(m, nn.Conv2d):
        raise ParameterError(f"Layer {layer!r} is a {type(m).__name__}; weights are shown for Conv2d layers.")
    w = m.weight.detach().cpu().double().numpy()[:max_filters, :max_channels]  # (k, c, F, F)
    k, c, f, g = w.shape
    tiles = _scale(w.reshape(k * c, f, g, 1))
    return tile(tiles, cols=c)
