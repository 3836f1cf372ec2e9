"""Masked convolutions of PixelCNN (van den Oord et al., 2016, "Pixel Recurrent Neural Networks", sec. 3.4).

The image is read in raster order (row by row, left to right) and, inside one pixel, channel by channel
(R, then G, then B). A masked convolution zeroes the kernel weights that would let an output see a later
pixel. The centre tap is the only subtle one:

- type "A" (first layer): the output at pixel i may not see pixel i itself, only earlier ones; for a
  colour image, output channel group g sees input groups < g of the centre pixel;
- type "B" (every later layer): the output may also see its own group of the centre pixel, which is
  already "about earlier pixels" because the first layer was type A.

>>> import torch
>>> conv = MaskedConv2d(1, 4, 3, mask_type="A")
>>> conv.mask[0, 0]
tensor([[1., 1., 1.],
        [1., 0., 0.],
        [0., 0., 0.]])
>>> conv(torch.zeros(2, 1, 5, 5)).shape
torch.Size([2, 4, 5, 5])
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative._errors import ParameterError

__all__ = ["MaskedConv2d", "build_mask", "channel_groups"]


def channel_groups(channels: int, groups: int) -> torch.Tensor:
    """Group index of each of ``channels`` channels split into ``groups`` contiguous blocks: (channels,)."""
    if groups < 1 or channels % groups:
        raise ParameterError(
            f"A masked convolution with {groups} colour group(s) needs a channel count divisible by "
            f"{groups}; got {channels}. Choose --hidden as a multiple of the image's channel count."
        )
    return torch.arange(channels) // (channels // groups)


def build_mask(
    out_channels: int, in_channels: int, kernel_size: tuple[int, int], mask_type: str, groups: int = 1
) -> torch.Tensor:
    """The 0/1 mask of shape (C_out, C_in, kH, kW) for a causal convolution.

    Taps above the centre row and left of the centre in the centre row are kept; taps right of the centre
    and below are zeroed; the centre tap connects input group j to output group g when j < g (type A) or
    j <= g (type B).
    """
    if mask_type not in ("A", "B"):
        raise ParameterError(f"mask_type must be 'A' (first layer) or 'B' (later layers); got {mask_type!r}.")
    kh, kw = kernel_size
    if kh % 2 == 0 or kw % 2 == 0:
        raise ParameterError(f"A masked convolution needs odd kernel sizes; got {kh}x{kw}.")
    ch, cw = kh // 2, kw // 2
    mask = torch.ones(out_channels, in_channels, kh, kw)
    mask[:, :, ch, cw:] = 0  # the centre and everything right of it in the centre row
    mask[:, :, ch + 1 :, :] = 0  # every row below
    g_out = channel_groups(out_channels, groups)[:, None]  # (C_out, 1)
    g_in = channel_groups(in_channels, groups)[None, :]  # (1, C_in)
    centre = (g_in < g_out) if mask_type == "A" else (g_in <= g_out)
    mask[:, :, ch, cw] = centre.float()
    return mask


class MaskedConv2d(nn.Conv2d):
    """A "same"-padded ``nn.Conv2d`` whose kernel is multiplied by a fixed causal mask.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (kH, kW), odd
    mask_type : "A" (no pixel sees itself) or "B" (a pixel's features see its own earlier features)
    groups_color : number of colour channels of the image (1 for MNIST, 3 for CIFAR-10); channels are split
        into that many contiguous groups (R features, then G, then B)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        mask_type: str = "B",
        groups_color: int = 1,
        bias: bool = True,
    ):
        ks = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        super().__init__(in_channels, out_channels, ks, padding=(ks[0] // 2, ks[1] // 2), bias=bias)
        self.mask_type = mask_type
        self.register_buffer("mask", build_mask(out_channels, in_channels, ks, mask_type, groups_color))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C_in, H, W) -> (N, C_out, H, W)."""
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", mask_type={self.mask_type}"
