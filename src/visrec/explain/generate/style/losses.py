"""The losses of neural style transfer, with the course's conventions.

- Gram matrix: features F (N, C, H, W) reshaped to C x HW, ``G = F F^T`` (N, C, C), optionally divided by
  C * H * W;
- content loss: ``w * sum((F - P)^2)`` between current and content features;
- style loss: ``sum_l w_l * sum((G_l - A_l)^2)`` between current and style Gram matrices;
- total variation: ``w * (sum of squared vertical + horizontal neighbour differences)``.

Gatys et al. (2016) write the per-layer style term ``E_l = 1 / (4 N_l^2 M_l^2) sum (G - A)^2`` with N_l
channels and M_l = H W; with unnormalized Gram matrices that is :func:`gatys_layer_loss`.

>>> import torch
>>> f = torch.arange(4.0).reshape(1, 1, 2, 2)          # C = 1, HW = 4: 0^2 + 1^2 + 2^2 + 3^2 = 14
>>> gram_matrix(f, normalize=False)
tensor([[[14.]]])
>>> tv_loss(f, 1.0)                                      # vertical (2^2 + 2^2) + horizontal (1^2 + 1^2)
tensor(10.)
"""

from __future__ import annotations

import torch

__all__ = ["gram_matrix", "content_loss", "style_loss", "tv_loss", "gatys_layer_loss", "blend_grams"]


def gram_matrix(features: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """features (N, C, H, W) -> Gram matrices (N, C, C); divided by C * H * W when ``normalize``."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)  # (N, C, HW)
    g = f @ f.transpose(1, 2)  # (N, C, C)
    return g / (c * h * w) if normalize else g


def content_loss(weight: float, current: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """``weight * sum((current - content)^2)`` over features of any shape."""
    return weight * (current - content).pow(2).sum()


def style_loss(features: list[torch.Tensor], targets: list[torch.Tensor], weights, normalize: bool = True):
    """``sum_l w_l * sum((G_l - A_l)^2)`` with ``G_l = gram_matrix(features[l])``, ``A_l = targets[l]``."""
    if not len(features) == len(targets) == len(weights):
        raise ValueError(f"{len(features)} feature maps, {len(targets)} targets, {len(weights)} weights.")
    total = features[0].new_zeros(())
    for f, a, w in zip(features, targets, weights, strict=True):
        total = total + w * (gram_matrix(f, normalize) - a).pow(2).sum()
    return total


def tv_loss(img: torch.Tensor, weight: float) -> torch.Tensor:
    """``weight * (sum (x[i+1, j] - x[i, j])^2 + sum (x[i, j+1] - x[i, j])^2)`` over (N, C, H, W)."""
    dv = (img[:, :, 1:, :] - img[:, :, :-1, :]).pow(2).sum()
    dh = (img[:, :, :, 1:] - img[:, :, :, :-1]).pow(2).sum()
    return weight * (dv + dh)


def gatys_layer_loss(features: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    """Gatys' ``E_l = 1 / (4 N_l^2 M_l^2) sum (G - A)^2`` with unnormalized Gram matrices."""
    _, c, h, w = features.shape
    return (gram_matrix(features, normalize=False) - target_gram).pow(2).sum() / (4 * c**2 * (h * w) ** 2)


def blend_grams(grams: list[list[torch.Tensor]], weights) -> list[torch.Tensor]:
    """Several styles at once: per layer, the weighted average ``sum_s b_s A_l^s`` (weights sum to 1)."""
    w = torch.as_tensor(weights, dtype=torch.float64)
    if len(grams) != len(w) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"Need one non-negative weight per style ({len(grams)}); got {weights!r}.")
    w = (w / w.sum()).tolist()
    return [sum(b * g[layer] for b, g in zip(w, grams, strict=True)) for layer in range(len(grams[0]))]
