"""One GAN training iteration: k discriminator (critic) steps, then one generator step (Goodfellow, Alg. 1).

``variant`` picks the losses: "dcgan" (BCE on logits, non-saturating G), "lsgan" (least squares),
"wgan-gp" (Wasserstein critic + gradient penalty, weight ``gp_weight``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from visrec.generative._errors import ParameterError
from visrec.generative.gan import losses
from visrec.generative.gan.wgan_gp import gradient_penalty

__all__ = ["GAN_VARIANTS", "gan_iteration", "d_loss_fn", "g_loss_fn"]

GAN_VARIANTS = ("dcgan", "lsgan", "wgan-gp")


def d_loss_fn(variant: str, scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    if variant == "dcgan":
        return losses.discriminator_loss(scores_real, scores_fake)
    if variant == "lsgan":
        return losses.ls_discriminator_loss(scores_real, scores_fake)
    if variant == "wgan-gp":
        return losses.wgan_critic_loss(scores_real, scores_fake)
    raise ParameterError(f"GAN variant must be one of {GAN_VARIANTS}; got {variant!r}.")


def g_loss_fn(variant: str, scores_fake: torch.Tensor) -> torch.Tensor:
    return {
        "dcgan": losses.generator_loss,
        "lsgan": losses.ls_generator_loss,
        "wgan-gp": losses.wgan_generator_loss,
    }[variant](scores_fake)


def gan_iteration(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real_batches: Sequence[torch.Tensor],
    variant: str = "dcgan",
    rng: torch.Generator | None = None,
    gp_weight: float = 10.0,
) -> dict[str, float]:
    """k = len(real_batches) discriminator steps, then one generator step.

    real_batches : k tensors (N, C, H, W) in [-1, 1]. Returns the last D loss, the G loss, and the mean
    scores on real and fake images of the last D step.
    """
    if not real_batches:
        raise ParameterError("gan_iteration needs at least one real batch (k >= 1 discriminator steps).")
    device = real_batches[0].device
    noise_dim = generator.noise_dim
    for real in real_batches:  # k discriminator steps
        z = losses.sample_noise(len(real), noise_dim, rng, device)
        with torch.no_grad():
            fake = generator(z)
        scores_real, scores_fake = discriminator(real), discriminator(fake)
        d_loss = d_loss_fn(variant, scores_real, scores_fake)
        if variant == "wgan-gp":
            d_loss = d_loss + gp_weight * gradient_penalty(discriminator, real, fake, rng)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
    z = losses.sample_noise(len(real_batches[-1]), noise_dim, rng, device)  # one generator step
    g_loss = g_loss_fn(variant, discriminator(generator(z)))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    return {
        "d_loss": float(d_loss.detach()),
        "g_loss": float(g_loss.detach()),
        "d_real": float(scores_real.detach().mean()),
        "d_fake": float(scores_fake.detach().mean()),
    }
