"""The glimpse sensor and glimpse network of the Recurrent Attention Model (Mnih et al. 2014).

The sensor extracts a retina-like representation around a location l in [-1, 1]^2 ((-1, -1) is the top
left corner, (0, 0) the centre): ``scales`` square patches of side ``patch``, 2 ``patch``, 4 ``patch``...
centred on l, each average-pooled down to ``patch`` x ``patch`` (the outer ones are coarser, like a retina).
Outside the image is zero.

>>> import torch
>>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
>>> glimpse_sensor(x, torch.zeros(1, 2), patch=2, scales=2).shape
torch.Size([1, 2, 2, 2])
>>> glimpse_sensor(x, torch.zeros(1, 2), patch=2, scales=1)[0, 0].tolist()
[[5.0, 6.0], [9.0, 10.0]]
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["glimpse_sensor", "GlimpseNetwork", "location_to_pixels"]


def location_to_pixels(loc: torch.Tensor, size: int) -> torch.Tensor:
    """l in [-1, 1] -> pixel coordinate of the centre, in [0, size) (column for x, row for y)."""
    return (loc + 1.0) * size / 2.0


def _patches(x: torch.Tensor, loc: torch.Tensor, side: int) -> torch.Tensor:
    """Square patches (N, C, side, side) centred on ``loc`` (N, 2) = (x, y), zero outside the image."""
    N, C, H, W = x.shape
    pad = side
    padded = F.pad(x, (pad, pad, pad, pad))
    centre_col = location_to_pixels(loc[:, 0], W).round().long() + pad
    centre_row = location_to_pixels(loc[:, 1], H).round().long() + pad
    top = (centre_row - side // 2).clamp(0, H + 2 * pad - side)
    left = (centre_col - side // 2).clamp(0, W + 2 * pad - side)
    rows = top[:, None] + torch.arange(side)  # (N, side)
    cols = left[:, None] + torch.arange(side)
    batch = torch.arange(N)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, side, side, C)
    return out.permute(0, 3, 1, 2)


def glimpse_sensor(x: torch.Tensor, loc: torch.Tensor, patch: int = 8, scales: int = 3) -> torch.Tensor:
    """Images (N, C, H, W), locations (N, 2) -> glimpses (N, scales * C, patch, patch)."""
    out = []
    for k in range(scales):
        side = patch * 2**k
        p = _patches(x, loc.detach(), side)
        out.append(F.avg_pool2d(p, 2**k) if k else p)
    return torch.cat(out, dim=1)


class GlimpseNetwork(nn.Module):
    """g_t = ReLU(Linear(h_g) + Linear(h_l)), h_g = ReLU(Linear(glimpse)), h_l = ReLU(Linear(l))."""

    def __init__(self, patch=8, scales=3, channels=1, hidden_g=128, hidden_l=128, out=256):
        super().__init__()
        self.patch, self.scales = patch, scales
        self.fc_g = nn.Linear(scales * channels * patch * patch, hidden_g)
        self.fc_l = nn.Linear(2, hidden_l)
        self.out_g, self.out_l = nn.Linear(hidden_g, out), nn.Linear(hidden_l, out)

    def forward(self, x: torch.Tensor, loc: torch.Tensor) -> torch.Tensor:
        g = glimpse_sensor(x, loc, self.patch, self.scales).flatten(1)
        h_g, h_l = F.relu(self.fc_g(g)), F.relu(self.fc_l(loc.detach()))
        return F.relu(self.out_g(h_g) + self.out_l(h_l))
