"""Feature inversion (Mahendran & Vedaldi 2015): find an image whose features match a given one.

``x* = argmin_x ||Phi(x) - Phi_0||^2 + lambda R_TV(x)`` with the total-variation regularizer
``R_TV(x) = sum_ij ((x_{i,j+1} - x_ij)^2 + (x_{i+1,j} - x_ij)^2)^(beta/2)``; beta = 2 is the plain squared
TV of style transfer, smaller beta allows sharper edges.
"""

from __future__ import annotations

import torch

from visrec.explain.generate._common import positive
from visrec.explain.hooks import capture, forward_until

__all__ = ["tv_regularizer", "invert_features", "layer_features"]


def tv_regularizer(x: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """R_TV of (N, C, H, W) summed over the batch; differences on the last row / column are dropped."""
    dh = x[:, :, 1:, :-1] - x[:, :, :-1, :-1]  # (N, C, H-1, W-1): x_{i+1,j} - x_ij
    dw = x[:, :, :-1, 1:] - x[:, :, :-1, :-1]  # x_{i,j+1} - x_ij
    s = dh**2 + dw**2
    return s.sum() if beta == 2 else (s + 1e-12).pow(beta / 2).sum()


def layer_features(model, x: torch.Tensor, layer=None) -> torch.Tensor:
    """Phi(x): the output of ``layer`` (a name or module), or of ``forward_features`` when None."""
    if layer is None:
        return model.forward_features(x)
    with capture(model, layer, stop=True) as seen:
        forward_until(model, x)
    return seen.output


def invert_features(
    model,
    image: torch.Tensor,
    layer=None,
    steps: int = 200,
    lr: float = 0.05,
    tv_weight: float = 1e-2,
    beta: float = 2.0,
    seed: int = 0,
) -> tuple[torch.Tensor, list[float]]:
    """Reconstruct ``image`` (1, C, H, W) in [0, 1] from its features at ``layer`` by Adam from noise.

    The feature term is normalized by ||Phi_0||^2 so ``tv_weight`` means the same at every layer. Returns
    the reconstruction and the objective per step.
    """
    steps = positive("steps", steps, integer=True)
    with torch.no_grad():
        target = layer_features(model, image, layer).detach()
    scale = target.pow(2).sum().clamp_min(1e-12)
    gen = torch.Generator().manual_seed(seed)
    x = (
        (0.5 + 0.1 * torch.randn(image.shape, generator=gen))
        .clamp(0, 1)
        .to(image.device)
        .requires_grad_(True)
    )
    opt = torch.optim.Adam([x], lr=lr)
    history = []
    for _ in range(steps):
        loss = (layer_features(model, x, layer) - target).pow(2).sum() / scale + tv_weight * tv_regularizer(
            x, beta
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        history.append(float(loss.detach()))
    return x.detach(), history
