"""The WGAN-GP gradient penalty (Gulrajani et al., 2017, "Improved Training of Wasserstein GANs", Alg. 1).

x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample;  GP = E[(||grad_x_hat D(x_hat)||_2 - 1)^2].

The penalty needs per-sample gradients, so the critic must not use batch norm (the paper uses layer norm;
:func:`visrec.generative.gan.dcgan.dcgan_discriminator` with ``norm="layer"``).

>>> import torch
>>> w = torch.tensor([3.0, 4.0])
>>> float(gradient_penalty(lambda x: x @ w, torch.zeros(5, 2), torch.ones(5, 2)))  # (||w|| - 1)^2
16.0
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["gradient_penalty", "interpolate_real_fake"]


def interpolate_real_fake(
    real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """eps * real + (1 - eps) * fake with one eps ~ U[0, 1] per sample: (N, ...) -> (N, ...)."""
    eps = torch.rand(len(real), *([1] * (real.ndim - 1)), generator=generator, device=real.device)
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """E[(||grad D(x_hat)||_2 - 1)^2] at random interpolates; differentiable (create_graph=True)."""
    x_hat = interpolate_real_fake(real, fake.detach(), generator).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (N, ...)
    norms = grad.flatten(1).norm(2, dim=1)  # (N,)
    return (norms - 1).pow(2).mean()
