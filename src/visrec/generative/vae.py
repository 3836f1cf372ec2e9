"""The variational autoencoder (Kingma & Welling, 2014) and the IWAE bound (Burda et al., 2016).

Prior z ~ N(0, I); encoder q(z|x) = N(mu(x), diag(sigma^2(x))), outputting (mu, log sigma^2); decoder
p(x|z) Bernoulli (logits) or Gaussian (mean, one learned or fixed sigma). The lecture's bound:

    log p(x) >= E_{z ~ q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z))                     (the ELBO)
    KL(N(mu, sigma^2) || N(0, I)) = -1/2 sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2)

z = mu + sigma * eps with eps ~ N(0, I) (the reparameterization trick) makes the expectation
differentiable in the encoder's parameters.

>>> import torch
>>> vae = conv_vae(in_channels=1, image_size=8, latent_dim=2, width=4)
>>> x = torch.randint(0, 2, (5, 1, 8, 8)).float()
>>> bool((vae.iwae(x, k=4) >= vae.elbo(x) - 50).all())
True
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative._errors import ParameterError
from visrec.generative.backbones import ConvDecoder, ConvEncoder, check_latent_dim

__all__ = ["VAE", "conv_vae", "mlp_vae", "gaussian_kl", "reparameterize", "log_normal"]

LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) in closed form: (N, Z) -> (N,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None):
    """z = mu + sigma * eps, eps ~ N(0, I): (N, Z) -> (N, Z), differentiable in mu and logvar."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + (0.5 * logvar).exp() * eps


def log_normal(x: torch.Tensor, mean: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """log N(x; mean, sigma^2) per element (any shape; ``log_sigma`` broadcasts)."""
    return -0.5 * ((x - mean) * torch.exp(-log_sigma)).pow(2) - log_sigma - 0.5 * LOG_2PI


class VAE(nn.Module):
    """A VAE around any encoder x -> (N, 2Z) [mu | log sigma^2] and decoder z -> (N, C, H, W).

    Parameters
    ----------
    encoder, decoder : nn.Module
    latent_dim : Z
    likelihood : "bernoulli" (x in {0, 1}, decoder outputs logits) or "gaussian" (decoder outputs the mean)
    log_sigma : initial log sigma of the Gaussian decoder
    learn_sigma : learn log sigma (one scalar) or keep it fixed
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        latent_dim: int,
        likelihood: str = "bernoulli",
        log_sigma: float = 0.0,
        learn_sigma: bool = True,
    ):
        super().__init__()
        self.latent_dim = check_latent_dim(latent_dim)
        if likelihood not in ("bernoulli", "gaussian"):
            raise ParameterError(f"likelihood must be 'bernoulli' or 'gaussian'; got {likelihood!r}.")
        self.encoder, self.decoder, self.likelihood = encoder, decoder, likelihood
        self.log_sigma = nn.Parameter(torch.tensor(float(log_sigma)), requires_grad=learn_sigma)
        self.config: dict = {}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x -> (mu, logvar), each (N, Z)."""
        h = self.encoder(x)
        if h.shape[-1] != 2 * self.latent_dim:
            raise ParameterError(f"The encoder must output (N, 2Z) = (N, {2 * self.latent_dim}); got {tuple(h.shape)}.")
        return h.chunk(2, dim=1)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) in nats: x (N, ...), z (N, Z) -> (N,)."""
        out = self.decoder(z)
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)
        return log_normal(x, out, self.log_sigma).flatten(1).sum(1)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One-sample ELBO per image: E_q[log p(x|z)] - KL(q(z|x) || p(z)), shape (N,)."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator)  # (N, Z)
        reconstruction = self.log_likelihood(x, z)  # E_q log p(x|z), one sample
        return reconstruction - gaussian_kl(mu, logvar)  # minus the closed-form KL

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Negative ELBO, nats per image, mean over the batch."""
        return -self.elbo(x, generator).mean()

    def log_prob(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO (a lower bound on log p(x), not log p(x) itself), nats per image: (N,).

        :meth:`iwae` gives a tighter bound for evaluation.
        """
        return self.elbo(x, generator)

    def nll(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean negative ELBO in nats per image (an upper bound on the NLL; the training loss)."""
        return self.loss(x, generator)

    @torch.no_grad()
    def iwae(self, x: torch.Tensor, k: int = 100, generator: torch.Generator | None = None) -> torch.Tensor:
        """Importance-weighted bound log (1/k) sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x): (N,) nats.

        k = 1 is the ELBO (with the KL estimated by sampling); it tightens towards log p(x) as k grows.
        """
        if k < 1:
            raise ParameterError(f"k (importance samples) must be >= 1; got {k}.")
        mu, logvar = self.encode(x)
        log_sigma_q = 0.5 * logvar
        log_w = []
        for _ in range(k):
            z = reparameterize(mu, logvar, generator)  # (N, Z)
            log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)
            log_qz = log_normal(z, mu, log_sigma_q).sum(1)
            log_w.append(self.log_likelihood(x, z) + log_pz - log_qz)
        return torch.logsumexp(torch.stack(log_w), dim=0) - math.log(k)  # (N,)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x|z]: sigmoid(logits) (Bernoulli) or the mean (Gaussian), (N, C, H, W)."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Generate by sampling the prior: z ~ N(0, I) -> E[x|z], (N, C, H, W)."""
        if n < 1:
            raise ParameterError(f"n must be >= 1 to sample; got {n}.")
        device = self.log_sigma.device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device)
        return self.decode_mean(z)


def conv_vae(
    in_channels: int = 1,
    image_size: int = 28,
    latent_dim: int = 20,
    width: int = 32,
    likelihood: str = "bernoulli",
) -> VAE:
    """The convolutional VAE: :class:`ConvEncoder` -> 2Z, :class:`ConvDecoder` <- Z."""
    check_latent_dim(latent_dim)
    vae = VAE(
        ConvEncoder(in_channels, image_size, 2 * latent_dim, width),
        ConvDecoder(latent_dim, in_channels, image_size, width),
        latent_dim,
        likelihood,
    )
    vae.config = dict(
        arch="conv",
        in_channels=in_channels,
        image_size=image_size,
        latent_dim=latent_dim,
        width=width,
        likelihood=likelihood,
    )
    return vae


class _Unflatten(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.view(len(x), *self.shape)


def mlp_vae(
    in_channels: int = 1,
    image_size: int = 28,
    latent_dim: int = 20,
    hidden: int = 400,
    likelihood: str = "bernoulli",
) -> VAE:
    """The original paper's MLP VAE: D -> hidden -> 2Z and Z -> hidden -> D (ReLU instead of tanh)."""
    check_latent_dim(latent_dim)
    d = in_channels * image_size * image_size
    enc = nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim))
    dec = nn.Sequential(
        nn.Linear(latent_dim, hidden),
        nn.ReLU(),
        nn.Linear(hidden, d),
        _Unflatten((in_channels, image_size, image_size)),
    )
    vae = VAE(enc, dec, latent_dim, likelihood)
    vae.config = dict(
        arch="mlp",
        in_channels=in_channels,
        image_size=image_size,
        latent_dim=latent_dim,
        width=hidden,
        likelihood=likelihood,
    )
    return vae
