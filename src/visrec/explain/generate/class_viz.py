"""Class visualization by gradient ascent (Simonyan et al. 2014; regularizers of Yosinski et al. 2015).

Find ``I* = argmax_I S_c(I) - lambda ||I||^2`` starting from zeros (the mean image), where ``S_c`` is the
unnormalized class score and ``I`` the normalized image. Each step: random jitter, the gradient of the
objective, a normalized ascent step, un-jitter; every ``blur_every`` steps a Gaussian blur; pixels with small
values or small contributions (|I * g| summed over channels) are reset to zero; pixels stay in [0, 1].
"""

from __future__ import annotations

import torch

from visrec.explain.attribution._common import pick, target_index
from visrec.explain.generate._common import gaussian_blur, positive, random_roll

__all__ = ["class_visualization"]


def _zero_small(z: torch.Tensor, score: torch.Tensor, quantile: float) -> torch.Tensor:
    """Set to 0 the pixels (all channels) whose ``score`` (N, H, W) is below its ``quantile``."""
    if quantile <= 0:
        return z
    thr = torch.quantile(score.flatten(1), quantile, dim=1).reshape(-1, 1, 1)
    return z * (score >= thr).unsqueeze(1).to(z.dtype)


def class_visualization(
    model,
    target,
    size: tuple[int, int] | None = None,
    steps: int = 200,
    lr: float = 0.5,
    l2_reg: float = 1e-3,
    blur_every: int = 10,
    blur_sigma: float = 0.5,
    value_quantile: float = 0.0,
    contribution_quantile: float = 0.0,
    jitter: int = 2,
    seed: int = 0,
) -> torch.Tensor:
    """An image (1, C, H, W) in [0, 1] that the model scores highly as class ``target``.

    Parameters
    ----------
    model : ExplainModel (pixels in [0, 1] -> logits; its mean/std define the normalized image I)
    size : (H, W); defaults to the model's input size
    lr : step in normalized units: ``I += lr * g / ||g||_2 * sqrt(numel)`` (a mean step of ``lr``)
    l2_reg : lambda of the L2 penalty on I
    value_quantile, contribution_quantile : fraction of pixels reset to 0 after each step by |I| and by
        |I * g| (Yosinski's "clip small values" and "clip small contributions"); 0 turns each off
    """
    c = model.input_size[0] if getattr(model, "input_size", None) else 3
    h, w = size or tuple(model.input_size[1:])
    t = target_index(target, 1, model.num_classes, model.mean.device)
    gen = torch.Generator().manual_seed(seed)
    z = torch.zeros(1, c, h, w, device=model.mean.device)  # normalized image I; zeros = the mean image
    lo, hi = model.normalize(torch.zeros_like(z)), model.normalize(torch.ones_like(z))
    for step in range(positive("steps", steps, integer=True)):
        z, (dy, dx) = random_roll(z, jitter, gen)
        z.requires_grad_(True)
        pixels = z * model.std + model.mean
        objective = pick(model(pixels), t).sum() - l2_reg * (z**2).sum()
        (g,) = torch.autograd.grad(objective, z)
        with torch.no_grad():
            z = z + lr * g / g.norm().clamp_min(1e-12) * g.numel() ** 0.5
            z = torch.roll(z, shifts=(-dy, -dx), dims=(2, 3))
            g = torch.roll(g, shifts=(-dy, -dx), dims=(2, 3))
            z = torch.maximum(torch.minimum(z, hi), lo)
            if blur_every and (step + 1) % blur_every == 0:
                z = gaussian_blur(z, blur_sigma)
            z = _zero_small(z, z.abs().sum(1), value_quantile)
            z = _zero_small(z, (z * g).abs().sum(1), contribution_quantile)
    return (z.detach() * model.std + model.mean).clamp(0, 1)
