"""The convolutional encoder and decoder the autoencoder and the VAE share.

Encoder: two stride-2 3 x 3 convolutions (H -> H/2 -> H/4) and a linear map to ``out_features``.
Decoder: a linear map to a (D, H/4, W/4) volume, then two stride-2 transpose convolutions ("upconv") back
to (C, H, W). The lecture's autoencoder: "encoder x -> z (smaller), decoder with upconv".

>>> import torch
>>> enc, dec = ConvEncoder(1, 28, 16), ConvDecoder(16, 1, 28)
>>> dec(enc(torch.zeros(2, 1, 28, 28))).shape
torch.Size([2, 1, 28, 28])
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.generative._errors import ParameterError

__all__ = ["ConvEncoder", "ConvDecoder", "check_image_size", "check_latent_dim"]


def check_image_size(image_size: int, multiple: int = 4, owner: str = "this model") -> int:
    if (
        isinstance(image_size, bool)
        or not isinstance(image_size, int)
        or image_size < multiple
        or (image_size % multiple)
    ):
        raise ParameterError(
            f"{owner} needs square images whose side is a positive multiple of {multiple} (e.g. 8, 28, 32); "
            f"got image_size={image_size!r}. Resize or crop the images."
        )
    return image_size


def check_latent_dim(latent_dim: int, owner: str = "--latent-dim") -> int:
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ParameterError(f"{owner} must be an int >= 1 (the size of z); got {latent_dim!r}.")
    return latent_dim


class ConvEncoder(nn.Module):
    """(N, C, H, W) -> (N, out_features): conv(s2) - ReLU - conv(s2) - ReLU - flatten - linear."""

    def __init__(self, in_channels: int, image_size: int, out_features: int, width: int = 32):
        super().__init__()
        side = check_image_size(image_size, 4, "ConvEncoder") // 4
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),  # (N, 2 width * H/4 * W/4)
            nn.Linear(2 * width * side * side, out_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """(N, Z) -> (N, C, H, W) unnormalised outputs: linear - ReLU - upconv(s2) - ReLU - upconv(s2)."""

    def __init__(self, latent_dim: int, out_channels: int, image_size: int, width: int = 32):
        super().__init__()
        self.side = check_image_size(image_size, 4, "ConvDecoder") // 4
        self.width = width
        self.project = nn.Linear(latent_dim, 2 * width * self.side * self.side)
        self.net = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.ReLU(),  # H/4 -> H/2
            nn.ConvTranspose2d(width, out_channels, 4, stride=2, padding=1),  # H/2 -> H
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        v = self.project(z).view(len(z), 2 * self.width, self.side, self.side)  # (N, 2 width, H/4, W/4)
        return self.net(v)
