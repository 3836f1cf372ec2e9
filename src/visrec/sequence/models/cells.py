"""Recurrent cells in the lecture's (and the NumPy engine's) layout, so the two engines share weights.

``a = x Wx + h Wh + b`` with Wx (D, G*H), Wh (H, G*H), b (G*H,); RNN: h = tanh(a); LSTM: gates i, f, o, g
in that order (torch.nn.LSTM uses i, f, g, o and two biases, hence these cells).

>>> import torch
>>> cell = GateCell(5, 4, "lstm")
>>> h, c = cell(torch.zeros(2, 5), cell.zero_state(2))
>>> tuple(h.shape), tuple(c.shape)
((2, 4), (2, 4))
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["GateCell"]

GATES = {"rnn": 1, "lstm": 4}


class GateCell(nn.Module):
    """One step of a vanilla RNN or an LSTM; the state is h (N, H) or (h, c)."""

    def __init__(self, input_dim: int, hidden: int, cell: str = "lstm"):
        super().__init__()
        if cell not in GATES:
            raise ValueError(f"cell must be one of {sorted(GATES)}; got {cell!r}.")
        self.cell, self.hidden = cell, hidden
        G = GATES[cell]
        self.Wx = nn.Parameter(torch.randn(input_dim, G * hidden) / math.sqrt(input_dim))
        self.Wh = nn.Parameter(torch.randn(hidden, G * hidden) / math.sqrt(hidden))
        self.b = nn.Parameter(torch.zeros(G * hidden))
        if cell == "lstm":  # forget-gate bias 1: remember by default (Jozefowicz et al. 2015)
            with torch.no_grad():
                self.b[hidden : 2 * hidden] = 1.0

    def zero_state(self, n: int, h: torch.Tensor | None = None):
        h = torch.zeros(n, self.hidden, device=self.Wh.device) if h is None else h
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h

    def forward(self, x: torch.Tensor, state):
        if self.cell == "rnn":
            return torch.tanh(x @ self.Wx + state @ self.Wh + self.b)
        h, c = state
        a = x @ self.Wx + h @ self.Wh + self.b  # (N, 4H)
        H = self.hidden
        i, f, o = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H : 2 * H]), torch.sigmoid(a[:, 2 * H : 3 * H])
        c = f * c + i * torch.tanh(a[:, 3 * H :])
        return o * torch.tanh(c), c


def top_hidden(state) -> torch.Tensor:
    return state[0] if isinstance(state, tuple) else state
