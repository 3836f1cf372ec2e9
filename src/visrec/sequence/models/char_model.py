"""The fast character language model: embedding -> LSTM / GRU (1-3 layers, dropout) -> linear.

The torch counterpart of min-char-rnn (``visrec.numpy_nn.min_char_rnn``) in the shape of char-rnn: the
state is carried across chunks of a stream by the trainer (truncated BPTT) and returned by ``forward``.

>>> import torch
>>> model = CharRNN(vocab_size=10, hidden=16, layers=2, cell="gru")
>>> logits, state = model(torch.zeros(3, 7, dtype=torch.long))
>>> tuple(logits.shape), tuple(state.shape)
((3, 7, 10), (2, 3, 16))
>>> bool((model(torch.zeros(3, 7, dtype=torch.long), model.init_state(3))[0] == logits).all())
True
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CharRNN", "detach_state"]

RNNS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class CharRNN(nn.Module):
    """x (N, T) int -> logits (N, T, V), next state (LSTM: (h, c), each (L, N, H); GRU / RNN: h)."""

    def __init__(
        self,
        vocab_size: int,
        embed: int = 64,
        hidden: int = 256,
        layers: int = 2,
        cell: str = "lstm",
        dropout: float = 0.0,
    ):
        super().__init__()
        self.config = {
            "vocab_size": vocab_size,
            "embed": embed,
            "hidden": hidden,
            "layers": layers,
            "cell": cell,
            "dropout": dropout,
        }
        self.embedding = nn.Embedding(vocab_size, embed)
        self.rnn = RNNS[cell](
            embed, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, x: torch.Tensor, state=None):
        h, state = self.rnn(self.embedding(x), state)  # (N, T, H)
        return self.head(self.drop(h)), state

    def init_state(self, batch_size: int):
        """The zero state for ``batch_size`` streams: (h, c) for an LSTM, h for a GRU / RNN; each (L, N, H)."""
        c = self.config
        h = self.head.weight.new_zeros(c["layers"], batch_size, c["hidden"])
        return (h, h.clone()) if c["cell"] == "lstm" else h

    def hidden_states(self, x: torch.Tensor, state=None):
        """The top layer's hidden states (N, T, H) and, for an LSTM, its cell states (N, T, H).

        Runs step by step so the cell states of every step are available (interpretable cells).
        """
        e = self.embedding(x)
        hs, cs = [], []
        for t in range(x.shape[1]):
            out, state = self.rnn(e[:, t : t + 1], state)
            hs.append(out[:, 0])
            if isinstance(state, tuple):
                cs.append(state[1][-1])
        return torch.stack(hs, 1), (torch.stack(cs, 1) if cs else None), state


def detach_state(state):
    """The state without its graph (the truncation of truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
