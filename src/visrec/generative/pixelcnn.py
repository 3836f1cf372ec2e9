"""PixelCNN (van den Oord et al., 2016): a stack of masked convolutions scoring every pixel in parallel.

The lecture's explicit density model: p(x) = prod_i p(x_i | x_<i), each factor a 256-way softmax (or a
Bernoulli for binarized digits), trained by maximising the exact likelihood.

>>> import torch
>>> model = PixelCNN(in_channels=1, hidden=8, layers=2, output="bernoulli")
>>> x = torch.randint(0, 2, (3, 1, 6, 6))
>>> model.log_prob(x).shape, model.nll(x).shape
(torch.Size([3]), torch.Size([]))
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.generative._errors import ParameterError
from visrec.generative.autoregressive import AutoregressiveImageModel
from visrec.generative.masked_conv import MaskedConv2d

__all__ = ["PixelCNN", "ResidualMaskedBlock", "GatedMaskedBlock"]


class ResidualMaskedBlock(nn.Module):
    """x + MaskedConvB(ReLU(x)): a causal residual block, (N, D, H, W) -> (N, D, H, W)."""

    def __init__(self, channels: int, kernel_size: int, groups_color: int):
        super().__init__()
        self.conv = MaskedConv2d(channels, channels, kernel_size, "B", groups_color)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(torch.relu(x))


class GatedMaskedBlock(nn.Module):
    """Gated activation unit of Gated PixelCNN (van den Oord et al., 2016b), on masked convolutions.

    y = tanh(W_f * x) . sigmoid(W_g * x); out = x + W_1x1 * y. (The paper's vertical/horizontal stacks,
    which remove the masked convolution's blind spot, are not implemented: the gating is.)
    """

    def __init__(self, channels: int, kernel_size: int, groups_color: int):
        super().__init__()
        self.feature = MaskedConv2d(channels, channels, kernel_size, "B", groups_color)
        self.gate = MaskedConv2d(channels, channels, kernel_size, "B", groups_color)
        self.project = MaskedConv2d(channels, channels, 1, "B", groups_color)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.tanh(self.feature(x)) * torch.sigmoid(self.gate(x))
        return x + self.project(y)


class PixelCNN(AutoregressiveImageModel):
    """PixelCNN: masked conv type A, then residual (or gated) type-B blocks, then a 1x1 head.

    Parameters
    ----------
    in_channels : C, image channels (1 for digits, 3 for CIFAR-10)
    hidden : D, feature channels (a multiple of C)
    layers : number of type-B blocks after the first layer
    kernel_size : first-layer kernel (odd; 7 in the paper); blocks use 3x3
    output : "softmax" (``levels``-way per sub-pixel) or "bernoulli" (binary images)
    levels : softmax classes per sub-pixel (256 for 8-bit images)
    gated : use gated blocks instead of ReLU residual blocks

    ``forward(x)``: x integer levels (N, C, H, W) -> logits (N, levels, C, H, W) or (N, C, H, W).
    """

    def __init__(
        self,
        in_channels: int = 1,
        hidden: int = 64,
        layers: int = 7,
        kernel_size: int = 7,
        output: str = "softmax",
        levels: int = 256,
        image_size: int = 28,
        gated: bool = False,
    ):
        super().__init__(in_channels, output, levels, image_size)
        if hidden < in_channels or hidden % in_channels:
            raise ParameterError(f"hidden must be a positive multiple of in_channels={in_channels}; got {hidden}.")
        if layers < 0:
            raise ParameterError(f"layers must be >= 0; got {layers}.")
        c = in_channels
        self.first = MaskedConv2d(c, hidden, kernel_size, "A", c)
        block = GatedMaskedBlock if gated else ResidualMaskedBlock
        self.blocks = nn.Sequential(*[block(hidden, 3, c) for _ in range(layers)])
        out_per_channel = self.levels if output == "softmax" else 1
        self.head = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(hidden, hidden, 1, "B", c),
            nn.ReLU(),
            MaskedConv2d(hidden, c * out_per_channel, 1, "B", c),
        )
        self.config = dict(
            in_channels=in_channels,
            hidden=hidden,
            layers=layers,
            kernel_size=kernel_size,
            output=output,
            levels=levels,
            gated=gated,
        )

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The causal network on float inputs in [-1, 1]: (N, C, H, W) -> logits (see ``forward``)."""
        n, c, h, w = x.shape
        out = self.head(self.blocks(self.first(x)))  # (N, C*L or C, H, W)
        if self.output == "bernoulli":
            return out
        # channel index is c * levels + l (contiguous colour groups) -> (N, levels, C, H, W)
        return out.view(n, c, self.levels, h, w).transpose(1, 2)
