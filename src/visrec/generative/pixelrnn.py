"""A small PixelRNN with Row LSTM layers (van den Oord et al., 2016, sec. 3.1).

A Row LSTM processes the image one row at a time. Its input-to-state part is a masked 1 x 3 convolution
along the current row (type B: positions j-1 and j); its state-to-state part is a 1-D convolution of width 3
over the previous row's hidden state. Position j of row i therefore sees a triangle of earlier rows plus
the features of row i up to j; a type-A 7 x 7 masked convolution before the LSTM keeps pixel i out of its
own context.

Grayscale (C = 1) only: the LSTM mixes all feature channels, so the colour-group masks of PixelCNN do not
carry through it.

>>> import torch
>>> model = PixelRNN(hidden=8, layers=1, output="bernoulli")
>>> model(torch.zeros(2, 1, 5, 5)).shape
torch.Size([2, 1, 5, 5])
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.generative._errors import ParameterError
from visrec.generative.autoregressive import AutoregressiveImageModel
from visrec.generative.masked_conv import MaskedConv2d

__all__ = ["PixelRNN", "RowLSTM"]


class RowLSTM(nn.Module):
    """One Row LSTM layer: (N, D, H, W) -> (N, D_h, H, W), rows processed top to bottom."""

    def __init__(self, channels: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv2d(channels, 4 * hidden, (1, 3), "B")
        self.state_to_state = nn.Conv1d(hidden, 4 * hidden, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, height, width = x.shape
        gates_in = self.input_to_state(x)  # (N, 4 D_h, H, W), every row at once
        h = x.new_zeros(n, self.hidden, width)  # (N, D_h, W)
        c = x.new_zeros(n, self.hidden, width)
        rows = []
        for i in range(height):
            gates = gates_in[:, :, i] + self.state_to_state(h)  # (N, 4 D_h, W)
            i_gate, f_gate, o_gate, g = gates.chunk(4, dim=1)
            c = torch.sigmoid(f_gate) * c + torch.sigmoid(i_gate) * torch.tanh(g)
            h = torch.sigmoid(o_gate) * torch.tanh(c)
            rows.append(h)
        return torch.stack(rows, dim=2)  # (N, D_h, H, W)


class PixelRNN(AutoregressiveImageModel):
    """Masked conv A (7 x 7) -> ``layers`` residual Row LSTMs -> 1 x 1 head (see :class:`PixelCNN`)."""

    def __init__(
        self,
        in_channels: int = 1,
        hidden: int = 32,
        layers: int = 2,
        output: str = "bernoulli",
        levels: int = 256,
        image_size: int = 28,
    ):
        super().__init__(in_channels, output, levels, image_size)
        if in_channels != 1:
            raise ParameterError(
                f"PixelRNN here is grayscale only (in_channels=1); got in_channels={in_channels}. "
                "Use PixelCNN for colour images."
            )
        if hidden < 1 or layers < 1:
            raise ParameterError(f"PixelRNN needs hidden >= 1 and layers >= 1; got {hidden}, {layers}.")
        self.first = MaskedConv2d(1, hidden, 7, "A")
        self.lstms = nn.ModuleList(RowLSTM(hidden, hidden) for _ in range(layers))
        self.head = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(hidden, hidden, 1, "B"),
            nn.ReLU(),
            MaskedConv2d(hidden, self.levels if output == "softmax" else 1, 1, "B"),
        )
        self.config = dict(in_channels=1, hidden=hidden, layers=layers, output=output, levels=levels)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The causal network on float inputs in [-1, 1]: (N, 1, H, W) -> logits."""
        n, _, h, w = x.shape
        z = self.first(x)
        for lstm in self.lstms:
            z = z + lstm(z)  # residual connection, as in the paper
        out = self.head(z)
        if self.output == "bernoulli":
            return out
        return out.view(n, 1, self.levels, h, w).transpose(1, 2)  # (N, levels, 1, H, W)
