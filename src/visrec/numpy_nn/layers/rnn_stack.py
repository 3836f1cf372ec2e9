"""Multilayer (stacked) recurrent networks (Lecture 10, L16073-16090).

Layer l reads the hidden states of layer l-1 at the same step and its own state at the previous step::

    h_t^l = tanh(W^l [h_t^{l-1}; h_{t-1}^l])      W^l of shape n x 2n (vanilla RNN, D = H = n)
    LSTM:  (i, f, o, g) from W^l [h_t^{l-1}; h_{t-1}^l] with W^l of shape 4n x 2n

In this engine's row-vector convention a layer keeps Wx (D, G*H) and Wh (H, G*H); :func:`stacked_weight`
returns the slide's W^l = [Wx; Wh]^T of shape (G*H, D + H).

>>> import numpy as np
>>> n = 8
>>> stacked_weight(np.zeros((n, n)), np.zeros((n, n))).shape, stacked_weight(np.zeros((n, 4 * n)),
...                                                                          np.zeros((n, 4 * n))).shape
((8, 16), (32, 16))
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.rnn import rnn_backward, rnn_forward
from visrec.numpy_nn.layers.rnn_gru import gru_backward, gru_forward
from visrec.numpy_nn.layers.rnn_lstm import lstm_backward, lstm_forward

__all__ = ["CELLS", "stacked_weight", "multilayer_forward", "multilayer_backward"]

#: cell name -> (sequence forward, sequence backward, number of gate blocks G)
CELLS = {
    "rnn": (rnn_forward, rnn_backward, 1),
    "lstm": (lstm_forward, lstm_backward, 4),
    "gru": (gru_forward, gru_backward, 3),
}


def stacked_weight(Wx, Wh):
    """The slide's W^l = [Wx; Wh]^T: Wx (D, G*H), Wh (H, G*H) -> (G*H, D + H)."""
    return np.concatenate([Wx, Wh], axis=0).T


def multilayer_forward(x, h0, layers, cell: str = "rnn"):
    """L stacked recurrent layers; the hidden sequence of layer l is the input sequence of layer l+1.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (L, N, H), initial hidden state of each layer.
    layers : list of L tuples (Wx, Wh, b); the first Wx is (D, G*H), the others (H, G*H).
    cell : 'rnn', 'lstm' or 'gru'

    Returns
    -------
    h : ndarray of shape (N, T, H), the top layer's hidden states.
    cache : list of the layers' caches.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}.")
    if len(h0) != len(layers):
        raise ValueError(f"h0 has {len(h0)} layers' states (L, N, H) but {len(layers)} layers were given.")
    forward = CELLS[cell][0]
    caches, out = [], x
    for h_init, (Wx, Wh, b) in zip(h0, layers, strict=True):
        out, cache = forward(out, h_init, Wx, Wh, b)
        caches.append(cache)
    return out, (cell, caches)


def multilayer_backward(dh, cache):
    """Backward of :func:`multilayer_forward`: dh (N, T, H) -> dx, dh0 (L, N, H), [(dWx, dWh, db)]."""
    cell, caches = cache
    backward = CELLS[cell][1]
    grads, dh0 = [], []
    for c in reversed(caches):
        dh, dh0_l, dWx, dWh, db = backward(dh, c)
        grads.append((dWx, dWh, db))
        dh0.append(dh0_l)
    return dh, np.stack(dh0[::-1]), grads[::-1]
