"""GAN losses in the course's conventions (Goodfellow et al., 2014; Mao et al., 2017; Gulrajani et al., 2017).

Minimax game: min_G max_D E_x log D(x) + E_z log(1 - D(G(z))), with D(x) = sigmoid(logit). Every loss here
takes the discriminator's raw scores (logits) and averages over the batch:

- discriminator: BCE(logits_real, 1) + BCE(logits_fake, 0)
  = -E log D(x) - E log(1 - D(G(z)))                                    (the negated objective)
- generator, non-saturating (what everyone uses): BCE(logits_fake, 1) = -E log D(G(z))
- generator, saturating (the minimax one): -BCE(logits_fake, 0) = E log(1 - D(G(z))); its gradient is flat
  where D(G(z)) is near 0, i.e. exactly when the samples are bad
- LSGAN: D: 0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2];  G: 0.5 E[(D(G(z)) - 1)^2]  (scores, no sigmoid)
- WGAN(-GP) critic: E[D(G(z))] - E[D(x)] (+ lambda E[(||grad D(x_hat)||_2 - 1)^2]); generator: -E[D(G(z))]

>>> import torch
>>> round(float(discriminator_loss(torch.zeros(4), torch.zeros(4))), 4)  # 2 ln 2
1.3863
>>> sample_noise(3, 2).shape
torch.Size([3, 2])
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from visrec.generative._errors import ParameterError

__all__ = [
    "bce_loss",
    "discriminator_loss",
    "generator_loss",
    "generator_loss_saturating",
    "ls_discriminator_loss",
    "ls_generator_loss",
    "wgan_critic_loss",
    "wgan_generator_loss",
    "sample_noise",
]


def bce_loss(logits: torch.Tensor, target: float) -> torch.Tensor:
    """Binary cross-entropy of ``logits`` (any shape) against a constant target in {0, 1}, mean over all."""
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(target)))


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """-E log D(x) - E log(1 - D(G(z))): BCE(real, 1) + BCE(fake, 0), each a mean over its batch."""
    return bce_loss(logits_real, 1.0) + bce_loss(logits_fake, 0.0)


def generator_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss -E log D(G(z)) = BCE(fake, 1)."""
    return bce_loss(logits_fake, 1.0)


def generator_loss_saturating(logits_fake: torch.Tensor) -> torch.Tensor:
    """Minimax generator loss E log(1 - D(G(z))) = -BCE(fake, 0) (kept for the lecture's comparison)."""
    return -bce_loss(logits_fake, 0.0)


def ls_discriminator_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator loss 0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2]."""
    return 0.5 * (scores_real - 1).pow(2).mean() + 0.5 * scores_fake.pow(2).mean()


def ls_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN generator loss 0.5 E[(D(G(z)) - 1)^2]."""
    return 0.5 * (scores_fake - 1).pow(2).mean()


def wgan_critic_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein critic loss E[D(G(z))] - E[D(x)] (the gradient penalty is added separately)."""
    return scores_fake.mean() - scores_real.mean()


def wgan_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein generator loss -E[D(G(z))]."""
    return -scores_fake.mean()


def sample_noise(
    batch_size: int, dim: int, generator: torch.Generator | None = None, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """Uniform noise in [-1, 1): (batch_size, dim)."""
    if batch_size < 1 or dim < 1:
        raise ParameterError(
            f"sample_noise needs batch_size >= 1 and dim >= 1 (--noise-dim); got ({batch_size}, {dim})."
        )
    return 2 * torch.rand(batch_size, dim, generator=generator, device=device) - 1
