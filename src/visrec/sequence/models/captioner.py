"""Captioning decoders: image features -> RNN / LSTM -> words (Lecture 10, L15550-15880).

The image feature vector v (N, D) becomes the initial hidden state ``h0 = v W_proj + b_proj``; with
``inject="every"`` it is also part of every step's input (``h = tanh(W_xh x + W_hh h + W_ih v)``). The
parameters mirror ``visrec.numpy_nn.models.captioning.CaptioningRNN`` one for one (W_proj, b_proj,
W_embed, Wx, Wh, b, W_vocab, b_vocab), and the loss is the same: cross-entropy summed over the
non-``<NULL>`` steps, divided by N.

>>> import torch
>>> dec = CaptionDecoder(vocab_size=10, input_dim=6, embed=4, hidden=5, cell="rnn")
>>> captions = torch.tensor([[1, 4, 5, 2, 0], [1, 3, 2, 0, 0]])
>>> tuple(dec(torch.ones(2, 6), captions[:, :-1]).shape)
(2, 4, 10)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from visrec.sequence.models.cells import GateCell, top_hidden

__all__ = ["CaptionDecoder", "caption_loss"]

NULL = 0


def caption_loss(scores: torch.Tensor, targets: torch.Tensor, null: int = NULL) -> torch.Tensor:
    """scores (N, T, V), targets (N, T): summed CE over non-null targets, divided by N."""
    ce = nn.functional.cross_entropy(scores.flatten(0, 1), targets.flatten(), reduction="none")
    return (ce * (targets.flatten() != null)).sum() / scores.shape[0]


class CaptionDecoder(nn.Module):
    """features (N, D), caption inputs (N, T) -> word scores (N, T, V); ``step`` for the decoders."""

    def __init__(
        self,
        vocab_size: int,
        input_dim: int,
        embed: int = 64,
        hidden: int = 256,
        cell: str = "lstm",
        inject: str = "init",
    ):
        super().__init__()
        if inject not in ("init", "every"):
            raise ValueError(f"inject must be 'init' or 'every'; got {inject!r}.")
        self.inject = inject
        self.W_proj = nn.Parameter(torch.randn(input_dim, hidden) / math.sqrt(input_dim))
        self.b_proj = nn.Parameter(torch.zeros(hidden))
        self.W_embed = nn.Parameter(torch.randn(vocab_size, embed) / 10)
        self.cell = GateCell(embed + (input_dim if inject == "every" else 0), hidden, cell)
        self.W_vocab = nn.Parameter(torch.randn(hidden, vocab_size) / math.sqrt(hidden))
        self.b_vocab = nn.Parameter(torch.zeros(vocab_size))

    def init_state(self, features: torch.Tensor):
        """(state, context) for step 0: h0 = v W_proj + b_proj (c0 = 0 for an LSTM)."""
        return self.cell.zero_state(len(features), features @ self.W_proj + self.b_proj), features

    def step(self, tokens: torch.Tensor, carry):
        """tokens (N,) -> log-probabilities (N, V), next carry."""
        state, features = carry
        x = self.W_embed[tokens]
        if self.inject == "every":
            x = torch.cat([x, features], dim=1)
        state = self.cell(x, state)
        scores = top_hidden(state) @ self.W_vocab + self.b_vocab
        return torch.log_softmax(scores, dim=1), (state, features)

    def forward(self, features: torch.Tensor, captions_in: torch.Tensor) -> torch.Tensor:
        state, _ = self.init_state(features)
        words = self.W_embed[captions_in]  # (N, T, W)
        if self.inject == "every":
            words = torch.cat([words, features[:, None].expand(-1, words.shape[1], -1)], dim=2)
        hs = []
        for t in range(words.shape[1]):
            state = self.cell(words[:, t], state)
            hs.append(top_hidden(state))
        return torch.stack(hs, 1) @ self.W_vocab + self.b_vocab  # (N, T, V)
