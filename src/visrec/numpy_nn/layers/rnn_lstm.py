"""Long short-term memory (Lecture 10, L16187-16278; Hochreiter & Schmidhuber 1997).

One (D, 4H) input matrix and one (H, 4H) hidden matrix produce the four gates, in the order i, f, o, g::

    a = x_t Wx + h_{t-1} Wh + b                     (N, 4H)
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2H]), sigmoid(a[:, 2H:3H])
    g = tanh(a[:, 3H:])
    c_t = f * c_{t-1} + i * g                       the additive cell path ("similar to ResNet")
    h_t = o * tanh(c_t)

Stacked, ``[Wx; Wh]`` is (D + H, 4H): with D = H = n this is the slide's W of shape 4n x 2n, transposed.
The fast sequence pair projects the inputs of all T steps in one product; the naive pair calls the step
pair T times. (torch.nn.LSTM orders its gates i, f, g, o.)

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x, h0 = rng.standard_normal((2, 5, 3)), np.zeros((2, 4))
>>> h, cache = lstm_forward(x, h0, rng.standard_normal((3, 16)), rng.standard_normal((4, 16)), np.zeros(16))
>>> h.shape
(2, 5, 4)
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.rnn import check_recurrent_shapes

__all__ = [
    "sigmoid",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "lstm_forward_naive",
    "lstm_backward_naive",
    "lstm_final_state",
]


def sigmoid(x):
    """Logistic function, written as ``(1 + tanh(x / 2)) / 2``: no overflow, keeps the dtype."""
    return 0.5 * (1 + np.tanh(0.5 * x))


def _gates(a, H):
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H])
    return i, f, o, np.tanh(a[:, 3 * H :])


def _gate_grads(dnext_h, dnext_c, prev_c, i, f, o, g, tc):
    """Gradient at the gate pre-activations a (N, 4H) and at c_{t-1}, from dh_t and dc_t."""
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tc, dc * i
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g * g)], axis=1)
    return da, dc * f


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    prev_h, prev_c : ndarrays of shape (N, H), previous hidden and cell states.
    Wx : ndarray of shape (D, 4H); Wh : ndarray of shape (H, 4H); b : ndarray of shape (4H,)

    Returns
    -------
    next_h, next_c : ndarrays of shape (N, H)
    cache : tuple for :func:`lstm_step_backward`
    """
    check_recurrent_shapes("lstm_step_forward", x, prev_h, Wx, Wh, b, gates=4)
    H = prev_h.shape[1]
    i, f, o, g = _gates(x @ Wx + prev_h @ Wh + b, H)
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    return o * tc, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of :func:`lstm_step_forward`.

    Returns
    -------
    dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    da, dprev_c = _gate_grads(dnext_h, dnext_c, prev_c, i, f, o, g, tc)
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward_naive(x, h0, Wx, Wh, b, c0=None):
    """LSTM over a sequence by T calls of the step.

    Parameters
    ----------
    x : ndarray of shape (N, T, D); h0 : ndarray of shape (N, H); Wx, Wh, b as in the step.
    c0 : ndarray of shape (N, H) or None (zeros), the initial cell state. It is carried across chunks by
        truncated BPTT, which backpropagates into neither h0 nor c0, so no dc0 is returned.

    Returns
    -------
    h : ndarray of shape (N, T, H)
    cache : list of step caches
    """
    check_recurrent_shapes("lstm_forward", x, h0, Wx, Wh, b, gates=4)
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    prev_h, prev_c, caches = h0, (np.zeros_like(h0, dtype=h.dtype) if c0 is None else c0), []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(c)
    return h, caches


def lstm_backward_naive(dh, cache):
    """Backward pass of :func:`lstm_forward_naive`; returns dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    Wx, Wh = cache[0][3], cache[0][4]
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=Wx.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros_like(dprev_h)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dwx, dwh, dbt = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += dwx
        dWh += dwh
        db += dbt
    return dx, dprev_h, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Fast LSTM sequence forward; same parameters, returns and results as :func:`lstm_forward_naive`.

    The cache holds every cell state: ``lstm_final_state(cache)`` gives (h_T, c_T) for the next chunk.
    """
    check_recurrent_shapes("lstm_forward", x, h0, Wx, Wh, b, gates=4)
    N, T, _ = x.shape
    H = h0.shape[1]
    xw = x @ Wx + b  # (N, T, 4H)
    dtype = np.result_type(xw, h0)
    h, c = np.empty((N, T, H), dtype=dtype), np.empty((N, T, H), dtype=dtype)
    gates = np.empty((N, T, 4 * H), dtype=dtype)  # i, f, o, g after their nonlinearities
    c_init = np.zeros_like(h0, dtype=dtype) if c0 is None else c0
    prev_h, prev_c = h0, c_init
    for t in range(T):
        a = xw[:, t] + prev_h @ Wh  # (N, 4H)
        gates[:, t] = np.concatenate(_gates(a, H), axis=1)
        i, f, o, g = np.split(gates[:, t], 4, axis=1)
        prev_c = f * prev_c + i * g
        prev_h = o * np.tanh(prev_c)
        h[:, t], c[:, t] = prev_h, prev_c
    return h, (x, h0, Wx, Wh, h, c, gates, c_init)


def lstm_backward(dh, cache):
    """Backward pass of :func:`lstm_forward`; returns dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    x, h0, Wx, Wh, h, c, gates, c0 = cache
    N, T, H = dh.shape
    da = np.empty_like(gates)  # (N, T, 4H)
    dprev_h = np.zeros_like(h0, dtype=dh.dtype)
    dprev_c = np.zeros_like(dprev_h)
    for t in reversed(range(T)):
        i, f, o, g = np.split(gates[:, t], 4, axis=1)
        prev_c = c[:, t - 1] if t > 0 else c0
        da[:, t], dprev_c = _gate_grads(dh[:, t] + dprev_h, dprev_c, prev_c, i, f, o, g, np.tanh(c[:, t]))
        dprev_h = da[:, t] @ Wh.T
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    dWx = np.tensordot(x, da, axes=([0, 1], [0, 1]))  # (D, 4H)
    dWh = np.tensordot(h_prev, da, axes=([0, 1], [0, 1]))  # (H, 4H)
    return da @ Wx.T, dprev_h, dWx, dWh, da.sum(axis=(0, 1))


def lstm_final_state(cache):
    """(h_T, c_T), each (N, H), from the cache of :func:`lstm_forward`."""
    return cache[4][:, -1], cache[5][:, -1]
