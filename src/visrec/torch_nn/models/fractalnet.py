"""FractalNet (Larsson, Maire & Shakhnarovich 2017), Lecture 9: ultra-deep nets without residuals.

A fractal block expands recursively: ``f_1(z) = conv(z)``, ``f_{C+1}(z) = join(f_C(f_C(z)), conv(z))``, so C
columns of depth 1, 2, ..., 2^(C-1) run side by side; a *join* averages the columns that meet. B blocks,
each followed by 2x2 max pooling, give depth ``B * 2^(C-1)`` (B=5, C=3: 20 layers).

Drop-path regularizes the columns (one choice per mini-batch, in training only):

- local (probability ``1 - global_fraction``): every join drops each input with probability
  ``local_drop``, keeping at least one;
- global (probability ``global_fraction``): one column is chosen for the whole network and only it is run,
  which forces each column to be a strong predictor on its own.

At test time every column is used and joins are plain means. ``eval_column=j`` evaluates column j alone (the
paper's "deepest column" result). Conv units are conv3x3-BN-ReLU with per-block dropout (0, .1, .2, .3, .4).
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model

__all__ = ["FractalNet", "FractalBlock", "join"]


def join(inputs: list[torch.Tensor], drop_prob: float = 0.0, training: bool = False) -> torch.Tensor:
    """Element-wise mean of the columns; in training each is dropped with ``drop_prob`` (one is kept)."""
    if len(inputs) == 1:
        return inputs[0]
    if training and drop_prob > 0:
        keep = torch.rand(len(inputs)) >= drop_prob
        if not keep.any():
            keep[torch.randint(len(inputs), (1,))] = True
        inputs = [t for t, k in zip(inputs, keep.tolist(), strict=True) if k]
    return torch.stack(inputs).mean(0)


class ConvUnit(nn.Sequential):
    """conv3x3 - BN - ReLU - dropout."""

    def __init__(self, in_ch: int, out_ch: int, drop_rate: float, norm_layer, act_layer):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
            norm_layer(out_ch),
            act_layer(),
            nn.Dropout(drop_rate) if drop_rate else nn.Identity(),
        )


class FractalBlock(nn.Module):
    """f_C: ``conv`` is the shallowest column (1 unit); ``deep1``, ``deep2`` are two f_{C-1} in sequence."""

    def __init__(
        self,
        columns: int,
        in_ch: int,
        out_ch: int,
        drop_rate: float = 0.0,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        self.columns = columns
        self.conv = ConvUnit(in_ch, out_ch, drop_rate, norm_layer, act_layer)
        if columns > 1:
            self.deep1 = FractalBlock(columns - 1, in_ch, out_ch, drop_rate, norm_layer, act_layer)
            self.deep2 = FractalBlock(columns - 1, out_ch, out_ch, drop_rate, norm_layer, act_layer)

    def column_outputs(self, x: torch.Tensor, local_drop: float) -> list[torch.Tensor]:
        """The C un-joined column outputs at the end of the block (joined by the caller)."""
        outs = [self.conv(x)]
        if self.columns > 1:
            mid = join(self.deep1.column_outputs(x, local_drop), local_drop, self.training)
            outs += self.deep2.column_outputs(mid, local_drop)
        return outs

    def column(self, x: torch.Tensor, j: int) -> torch.Tensor:
        """Run column j alone (it has 2^j conv units)."""
        if j == 0:
            return self.conv(x)
        return self.deep2.column(self.deep1.column(x, j - 1), j - 1)

    def forward(self, x: torch.Tensor, local_drop: float = 0.0, col: int | None = None) -> torch.Tensor:
        if col is not None:
            return self.column(x, col)
        return join(self.column_outputs(x, local_drop), local_drop, self.training)


class FractalNet(ClassifierBase):
    """x : (N, C, H, W) -> B x (fractal block, 2x2 max pool) -> GAP -> fc -> logits (N, K)."""

    family = "fractalnet"
    paper = (
        "Larsson, Maire & Shakhnarovich, FractalNet: Ultra-Deep Neural Networks without Residuals, ICLR 2017"
    )

    def __init__(
        self,
        columns: int = 3,
        widths: tuple[int, ...] = (64, 128, 256, 512, 512),
        num_classes: int = 10,
        in_chans: int = 3,
        img_size: int = 32,
        local_drop: float = 0.15,
        global_fraction: float = 0.5,
        drop_rates: tuple[float, ...] | None = None,
        eval_column: int | None = None,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ):
        super().__init__()
        if not 0.0 <= local_drop < 1.0 or not 0.0 <= global_fraction <= 1.0:
            raise ValueError(
                f"local_drop must be in [0, 1) and global_fraction in [0, 1]; got {local_drop}, "
                f"{global_fraction}."
            )
        self.num_classes, self.in_chans = num_classes, in_chans
        self.input_size, self.fixed_input_size = (in_chans, img_size, img_size), True
        self.min_input_size = 2 ** len(widths)
        self.columns, self.local_drop, self.global_fraction = columns, local_drop, global_fraction
        self.eval_column = eval_column
        drop_rates = drop_rates if drop_rates is not None else tuple(0.1 * b for b in range(len(widths)))
        c = in_chans
        blocks = []
        for w, p in zip(widths, drop_rates, strict=True):
            blocks.append(FractalBlock(columns, c, w, p, norm_layer, act_layer))
            c = w
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.MaxPool2d(2, 2)
        self.set_head(ClassifierHead(c, num_classes, "avg"), at="fc")

    def sample_path(self) -> int | None:
        """The column for this mini-batch under global drop-path, or None for local drop-path / eval."""
        if self.training:
            if torch.rand(()) < self.global_fraction:
                return int(torch.randint(self.columns, ()))
            return None
        return self.eval_column

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        col = self.sample_path()
        local = self.local_drop if self.training else 0.0
        for block in self.blocks:
            x = self.pool(block(x, local, col))  # (N, w_b, H/2^b, W/2^b)
        return x


@register_model
def fractalnet20(num_classes: int = 10, **kw) -> FractalNet:
    """FractalNet-20 for CIFAR: B=5 blocks of C=3 columns, 64-128-256-512-512 channels (33.7M parameters)."""
    return FractalNet(3, (64, 128, 256, 512, 512), num_classes, **kw)


@register_model
def fractalnet_small(num_classes: int = 10, **kw) -> FractalNet:
    """A small FractalNet for CPU runs: B=4 blocks of C=3 columns, 16-32-64-128 channels (1.08M params)."""
    return FractalNet(3, (16, 32, 64, 128), num_classes, **kw)
