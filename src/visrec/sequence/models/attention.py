"""Soft attention over the spatial feature grid (Show, Attend and Tell; Xu et al. 2015; Lecture 10,
L15909-16010).

The encoder's grid of L = H' x W' feature vectors v_i (N, L, D) is looked at once per word: with the
previous hidden state h,

    e_i = w^T tanh(v_i W_v + h W_h)          alignment score of location i
    p = softmax(e)                           the attention map over the L locations, (N, L)
    z = sum_i p_i v_i                        the context vector, (N, D)

and the LSTM reads [x_t; z_t]. The initial state is h0 = mean_i(v_i) W_proj. The word scores come from
[h_t; z_t]. ``forward(..., return_attention=True)`` also gives the maps (N, T, L) to draw over the image.

>>> import torch
>>> dec = AttentionDecoder(vocab_size=10, feature_dim=6, embed=4, hidden=5, attention_dim=3)
>>> scores, maps = dec(torch.randn(2, 9, 6), torch.ones(2, 4, dtype=torch.long), return_attention=True)
>>> tuple(scores.shape), tuple(maps.shape), bool(torch.allclose(maps.sum(-1), torch.ones(2, 4)))
((2, 4, 10), (2, 4, 9), True)
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.sequence.models.cells import GateCell

__all__ = ["AttentionDecoder"]


class AttentionDecoder(nn.Module):
    """grid (N, L, D), caption inputs (N, T) -> scores (N, T, V) [, attention maps (N, T, L)]."""

    def __init__(
        self, vocab_size: int, feature_dim: int, embed: int = 64, hidden: int = 256, attention_dim: int = 128
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.proj = nn.Linear(feature_dim, hidden)
        self.att_v = nn.Linear(feature_dim, attention_dim)
        self.att_h = nn.Linear(hidden, attention_dim, bias=False)
        self.att_w = nn.Linear(attention_dim, 1)
        self.cell = GateCell(embed + feature_dim, hidden, "lstm")
        self.head = nn.Linear(hidden + feature_dim, vocab_size)

    def attend(self, grid: torch.Tensor, grid_keys: torch.Tensor, h: torch.Tensor):
        """Context (N, D) and map (N, L) for hidden state h (N, H)."""
        e = self.att_w(torch.tanh(grid_keys + self.att_h(h)[:, None]))[..., 0]  # (N, L)
        p = torch.softmax(e, dim=1)
        return (p[..., None] * grid).sum(1), p

    def init_state(self, grid: torch.Tensor):
        """The carry of :meth:`step`: ((h, c), grid, its attention keys)."""
        h0 = self.proj(grid.mean(1))
        return self.cell.zero_state(len(grid), h0), grid, self.att_v(grid)

    def step(self, tokens: torch.Tensor, carry, return_attention: bool = False):
        """tokens (N,) -> log-probabilities (N, V), next carry (and the map (N, L))."""
        state, grid, keys = carry
        z, p = self.attend(grid, keys, state[0])
        state = self.cell(torch.cat([self.embedding(tokens), z], dim=1), state)
        log_probs = torch.log_softmax(self.head(torch.cat([state[0], z], dim=1)), dim=1)
        carry = (state, grid, keys)
        return (log_probs, carry, p) if return_attention else (log_probs, carry)

    def forward(self, grid: torch.Tensor, captions_in: torch.Tensor, return_attention: bool = False):
        state, _, keys = self.init_state(grid)
        words = self.embedding(captions_in)  # (N, T, W)
        outs, maps = [], []
        for t in range(words.shape[1]):
            z, p = self.attend(grid, keys, state[0])
            state = self.cell(torch.cat([words[:, t], z], dim=1), state)
            outs.append(self.head(torch.cat([state[0], z], dim=1)))
            maps.append(p)
        scores = torch.stack(outs, 1)
        return (scores, torch.stack(maps, 1)) if return_attention else scores
