"""DCGAN (Radford et al., 2016) following the lecture's architecture guidelines.

- no pooling: strided convolutions in D, fractionally strided (transpose) convolutions in G;
- batch norm in both (not on D's input layer nor G's output layer, as in the paper);
- no fully connected hidden layers: z enters G as a (Z, 1, 1) volume, D ends in a convolution to one score;
- ReLU in G with a Tanh output; LeakyReLU (slope 0.2) in D.

An image side s must be b * 2^m with m >= 1 and b >= 4 an integer: 8 (4 * 2), 28 (7 * 4), 32 (4 * 8), 64.
G: (N, Z) -> (N, C, s, s) in [-1, 1]; D: (N, C, s, s) -> (N,) logits.

>>> import torch
>>> g, d = dcgan_generator(16, 1, 28, width=8), dcgan_discriminator(1, 28, width=8)
>>> d(g(torch.zeros(2, 16))).shape
torch.Size([2])
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.generative._errors import ParameterError

__all__ = ["DCGANGenerator", "DCGANDiscriminator", "dcgan_generator", "dcgan_discriminator", "dcgan_plan"]

NORMS = ("batch", "layer", "none")


def dcgan_plan(image_size: int) -> tuple[int, int]:
    """(base side b, number of stride-2 layers m) with image_size = b * 2^m, m as large as b >= 4 allows."""
    s = image_size
    if isinstance(s, bool) or not isinstance(s, int) or s < 8:
        raise ParameterError(f"DCGAN needs an image side >= 8 (e.g. 8, 28, 32, 64); got {s!r}.")
    m = 0
    while s % 2 == 0 and s // 2 >= 4:
        s //= 2
        m += 1
    if m == 0:
        raise ParameterError(
            f"DCGAN needs an image side b * 2^m with m >= 1 and b >= 4 (8, 12, 16, 28, 32, 64, ...); got "
            f"{image_size}, which no stride-2 layer halves exactly. Resize or pad the images (e.g. to "
            f"{image_size + 1 if image_size % 2 else image_size + 2})."
        )
    return s, m


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W), per sample
    return nn.Identity()


class DCGANGenerator(nn.Module):
    """z (N, Z) -> images (N, C, s, s) in [-1, 1]."""

    def __init__(self, noise_dim: int = 96, channels: int = 1, image_size: int = 28, width: int = 64):
        super().__init__()
        if isinstance(noise_dim, bool) or not isinstance(noise_dim, int) or noise_dim < 1:
            raise ParameterError(f"--noise-dim (the size of z) must be an int >= 1; got {noise_dim!r}.")
        base, m = dcgan_plan(image_size)
        self.noise_dim, self.channels, self.image_size = noise_dim, channels, image_size
        c = width * 2 ** (m - 1)
        layers = [nn.ConvTranspose2d(noise_dim, c, base, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
        for _ in range(m - 1):  # (c, b, b) -> (c/2, 2b, 2b)
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.noise_dim:
            raise ParameterError(f"The generator expects z of shape (N, {self.noise_dim}); got {tuple(z.shape)}.")
        return self.net(z[:, :, None, None])  # (N, Z, 1, 1) -> (N, C, s, s)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """A GAN defines no density (implicit model), so there is no likelihood to report."""
        raise NotImplementedError(
            "A GAN generator is an implicit model: it defines no density, so log p(x) is unavailable. "
            "Score its samples with `visrec generate evaluate RUN --classifier CLF`."
        )

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_prob(x)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """G(z) for n draws z ~ U[-1, 1] (the course's ``sample_noise``): (N, C, s, s) in [-1, 1]."""
        from visrec.generative.gan.losses import sample_noise

        device = next(self.parameters()).device
        return self(sample_noise(n, self.noise_dim, generator, device))


class DCGANDiscriminator(nn.Module):
    """images (N, C, s, s) -> logits (N,). ``norm="layer"`` (or "none") for the WGAN-GP critic."""

    def __init__(self, channels: int = 1, image_size: int = 28, width: int = 64, norm: str = "batch"):
        super().__init__()
        if norm not in NORMS:
            raise ParameterError(f"norm must be one of {NORMS}; got {norm!r}.")
        base, m = dcgan_plan(image_size)
        self.channels, self.image_size = channels, image_size
        layers = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]  # no norm on the input layer
        c = width
        for _ in range(m - 1):  # (c, 2b, 2b) -> (2c, b, b)
            layers += [
                nn.Conv2d(c, 2 * c, 4, 2, 1, bias=norm == "none"),
                _norm(norm, 2 * c),
                nn.LeakyReLU(0.2),
            ]
            c *= 2
        layers += [nn.Conv2d(c, 1, base, 1, 0)]  # (c, b, b) -> (1, 1, 1): a convolution, not an FC layer
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.channels, self.image_size, self.image_size):
            raise ParameterError(
                f"The discriminator expects images (N, {self.channels}, {self.image_size}, "
                f"{self.image_size}); got {tuple(x.shape)}."
            )
        return self.net(x).view(len(x))


def dcgan_generator(noise_dim: int = 96, channels: int = 1, image_size: int = 28, width: int = 64):
    """DCGAN generator with DCGAN's N(0, 0.02) initialisation."""
    return init_dcgan_weights(DCGANGenerator(noise_dim, channels, image_size, width))


def dcgan_discriminator(channels: int = 1, image_size: int = 28, width: int = 64, norm: str = "batch"):
    """DCGAN discriminator (or WGAN-GP critic with ``norm="layer"``) with N(0, 0.02) initialisation."""
    return init_dcgan_weights(DCGANDiscriminator(channels, image_size, width, norm))


def init_dcgan_weights(model: nn.Module) -> nn.Module:
    """Conv weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0 (the DCGAN paper's initialisation)."""
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(mod.weight, 0.0, 0.02)
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
        elif isinstance(mod, nn.BatchNorm2d | nn.GroupNorm):
            nn.init.normal_(mod.weight, 1.0, 0.02)
            nn.init.zeros_(mod.bias)
    return model
