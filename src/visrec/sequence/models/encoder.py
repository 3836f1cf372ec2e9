"""A small CNN image encoder trained jointly with the caption decoder.

Three stages of conv3x3-BN-ReLU + max-pool 2 turn an image (N, 3, S, S) into a feature grid
(N, C, S/8, S/8); ``forward`` returns the grid as (N, L, C) with L = (S/8)^2 (the attention decoder's
input) and its spatial mean (N, C) (the RNN / LSTM decoders' image vector v).

>>> import torch
>>> grid, v = SmallEncoder(width=8)(torch.zeros(2, 3, 32, 32))
>>> tuple(grid.shape), tuple(v.shape)
((2, 16, 32), (2, 32))
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SmallEncoder", "RegisteredEncoder", "make_encoder"]


def _stage(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SmallEncoder(nn.Module):
    """images (N, 3, S, S) float in [0, 1] -> grid (N, (S/8)^2, 4*width), vector (N, 4*width)."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.out_dim = 4 * width
        self.grid_side: int | None = None  # set by make_encoder (image_size / 8)
        self.body = nn.Sequential(_stage(3, width), _stage(width, 2 * width), _stage(2 * width, 4 * width))

    def forward(self, images: torch.Tensor):
        f = self.body(images)  # (N, C, S/8, S/8)
        grid = f.flatten(2).transpose(1, 2)  # (N, L, C)
        return grid, grid.mean(1)


class RegisteredEncoder(nn.Module):
    """Any CNN of the torch registry as the encoder: its ``forward_features`` map (N, C, H', W') becomes the
    grid (N, H'W', C) and its spatial mean the vector (N, C). Trained jointly from its initialization (or
    pass ``init_from`` weights to the registry's loader beforehand)."""

    def __init__(self, name: str, image_size: int):
        super().__init__()
        from visrec.torch_nn import create_model

        self.net = create_model(name, num_classes=10)
        with torch.no_grad():
            f = self.net.forward_features(torch.zeros(1, 3, image_size, image_size))
        if f.ndim != 4:
            raise ValueError(
                f"--encoder {name}: forward_features gives {tuple(f.shape)}, not a (N, C, H, W) map."
            )
        self.out_dim, self.grid_side = f.shape[1], f.shape[2]

    def forward(self, images: torch.Tensor):
        grid = self.net.forward_features(images).flatten(2).transpose(1, 2)  # (N, L, C)
        return grid, grid.mean(1)


def make_encoder(name: str, image_size: int, width: int = 32) -> nn.Module:
    """'small' (:class:`SmallEncoder`) or the name of a registered torch model."""
    if name == "small":
        enc = SmallEncoder(width)
        enc.grid_side = image_size // 8
        return enc
    return RegisteredEncoder(name, image_size)
