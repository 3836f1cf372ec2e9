"""Gated PixelCNN with vertical and horizontal stacks (van den Oord et al., 2016, "Conditional Image Generation
with PixelCNN Decoders"): the masked convolution's blind spot removed.

A 3 x 3 masked convolution stack never sees the pixels up and to the right of a growing triangle (the
"blind spot"). Two stacks fix it:

- the vertical stack convolves a (k//2 + 1) x k window ending at the current row, so it sees every earlier row
  in full; it is shifted down one row before it feeds the horizontal stack (so that never sees row i itself);
- the horizontal stack convolves a 1 x (k//2 + 1) window ending at the current pixel, shifted right by one in
  the first layer (so a pixel never sees itself), and adds the vertical stack's shifted features.

Each layer applies the gated unit tanh(W_f * x) . sigmoid(W_g * x); the horizontal stack is residual.
Grayscale only (C = 1).

>>> import torch
>>> m = GatedPixelCNN(hidden=8, layers=2, output="bernoulli")
>>> m.log_prob(torch.randint(0, 2, (2, 1, 6, 6))).shape
torch.Size([2])
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative._errors import ParameterError
from visrec.generative.autoregressive import AutoregressiveImageModel

__all__ = ["GatedPixelCNN", "GatedStackLayer"]


def _shift_down(x: torch.Tensor) -> torch.Tensor:
    """Row i of the output holds row i - 1 of x (zeros in row 0)."""
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1]


def _shift_right(x: torch.Tensor) -> torch.Tensor:
    """Column j of the output holds column j - 1 of x (zeros in column 0)."""
    return F.pad(x, (1, 0, 0, 0))[:, :, :, :-1]


def _gate(x: torch.Tensor) -> torch.Tensor:
    f, g = x.chunk(2, dim=1)
    return torch.tanh(f) * torch.sigmoid(g)


class GatedStackLayer(nn.Module):
    """One layer of both stacks: (v, h) (N, D, H, W) each -> (v', h')."""

    def __init__(self, in_channels: int, channels: int, kernel_size: int, first: bool):
        super().__init__()
        self.k, self.first = kernel_size, first
        half = kernel_size // 2
        self.vertical = nn.Conv2d(in_channels, 2 * channels, (half + 1, kernel_size))
        self.horizontal = nn.Conv2d(in_channels, 2 * channels, (1, half + 1))
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.h_out = nn.Conv2d(channels, channels, 1)

    def forward(self, v: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        half = self.k // 2
        v_feat = self.vertical(F.pad(v, (half, half, half, 0)))  # row i sees rows i - half .. i
        h_feat = self.horizontal(F.pad(h, (half, 0, 0, 0)))  # pixel j sees j - half .. j of its row
        if self.first:
            h_feat = _shift_right(h_feat)  # ... and in the first layer never j itself
        h_feat = h_feat + self.v_to_h(_shift_down(v_feat))  # only rows above reach the horizontal stack
        h_new = self.h_out(_gate(h_feat))
        if not self.first:
            h_new = h + h_new
        return _gate(v_feat), h_new


class GatedPixelCNN(AutoregressiveImageModel):
    """Blind-spot-free Gated PixelCNN: ``layers`` stack layers (first k x k, then 3 x 3) and a 1 x 1 head."""

    def __init__(
        self,
        in_channels: int = 1,
        hidden: int = 64,
        layers: int = 5,
        kernel_size: int = 7,
        output: str = "bernoulli",
        levels: int = 256,
        image_size: int = 28,
    ):
        super().__init__(in_channels, output, levels, image_size)
        if in_channels != 1:
            raise ParameterError(
                f"The two-stack Gated PixelCNN here is grayscale only; got in_channels={in_channels}. Use "
                "--gated without --stacks (gated masked convolutions) for colour images."
            )
        if hidden < 1 or layers < 1 or kernel_size % 2 == 0:
            raise ParameterError(
                f"GatedPixelCNN needs hidden >= 1, layers >= 1 and an odd kernel; got {hidden}, {layers}, "
                f"{kernel_size}."
            )
        self.layers = nn.ModuleList(
            [GatedStackLayer(1, hidden, kernel_size, first=True)]
            + [GatedStackLayer(hidden, hidden, 3, first=False) for _ in range(layers - 1)]
        )
        self.head = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1),
            nn.ReLU(),
            nn.Conv2d(hidden, self.levels if output == "softmax" else 1, 1),
        )
        self.config = dict(
            in_channels=1,
            hidden=hidden,
            layers=layers,
            kernel_size=kernel_size,
            output=output,
            levels=levels,
            stacks=True,
        )

    def network(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        v = hz = x
        for layer in self.layers:
            v, hz = layer(v, hz)
        out = self.head(hz)  # 1 x 1 convolutions: position-wise, so causal
        if self.output == "bernoulli":
            return out
        return out.view(n, 1, self.levels, h, w).transpose(1, 2)
